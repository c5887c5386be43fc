"""The trialbook demo: train a few small models with one line of tracking, then look at them.

Run it with ``python3 dev.py demo`` from the clone (installs everything into ``./.venv``), or
directly once trialbook and its ``sklearn``, ``xgboost``, ``lightning`` and ``server`` extras are
installed. Runs go to the default store, ``./.trialbook``. The commands it prints at the end
call this interpreter's environment by path unless its scripts are on ``PATH`` already.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import trialbook


def train_sklearn() -> None:
    """Two classifiers and a small grid search on synthetic data."""
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, train_test_split

    X, y = make_classification(n_samples=1000, n_features=20, n_informative=8, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = LogisticRegression(max_iter=500).fit(X_train, y_train)
    model.score(X_test, y_test)  # logged into the model's run as an evaluation metric
    RandomForestClassifier(n_estimators=50, random_state=0).fit(X_train, y_train)
    GridSearchCV(
        RandomForestClassifier(random_state=0),
        {"n_estimators": [20, 50], "max_depth": [3, None]},
        cv=3,
    ).fit(X_train, y_train)


def train_xgboost() -> None:
    """A gradient-boosted classifier with an evaluation set and early stopping."""
    import xgboost as xgb
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    X, y = make_classification(n_samples=2000, n_features=20, random_state=1)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, random_state=1)
    model = xgb.XGBClassifier(
        n_estimators=200, max_depth=4, learning_rate=0.1, early_stopping_rounds=10
    )
    model.fit(X_train, y_train, eval_set=[(X_valid, y_valid)], verbose=False)


try:
    import lightning.pytorch as pl
    import torch
except ImportError:  # the demo still runs the other frameworks
    pl = None

if pl is not None:

    class Regressor(pl.LightningModule):
        """A tiny regression network (defined at module level, so its model reloads)."""

        def __init__(self, hidden: int = 16, lr: float = 0.01) -> None:
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(8, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
            )

        def training_step(self, batch: list[torch.Tensor], _index: int) -> torch.Tensor:
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("train_loss", loss, on_epoch=True, on_step=False)
            return loss

        def validation_step(self, batch: list[torch.Tensor], _index: int) -> None:
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.Adam(self.parameters(), lr=self.hparams["lr"])


def train_lightning() -> None:
    """A tiny regression network trained for a few epochs."""
    if pl is None:
        raise ImportError("No module named 'lightning'")
    from torch.utils.data import DataLoader, TensorDataset

    pl.seed_everything(0, verbose=False)
    x = torch.randn(512, 8)
    y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(512, 1)
    train = DataLoader(TensorDataset(x[:400], y[:400]), batch_size=32)
    valid = DataLoader(TensorDataset(x[400:], y[400:]), batch_size=64)
    trainer = pl.Trainer(
        max_epochs=5,
        accelerator="cpu",
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
    )
    trainer.fit(Regressor(), train, valid)


def register_champion() -> str | None:
    """Register the most accurate scikit-learn model logged and call it the champion."""
    client = trialbook.TrackingClient()
    candidates = trialbook.search_runs(
        experiment_names=["demo"],
        filter_string="tags.trialbook.autolog = 'sklearn' and metrics.training_accuracy_score > 0",
        order_by=["metrics.training_accuracy_score DESC"],
        output_format="list",
    )
    for run in candidates:
        if any(f.path == "model" for f in client.list_artifacts(run.info.run_id)):
            version = trialbook.register_model(f"runs:/{run.info.run_id}/model", "demo-classifier")
            client.set_registered_model_alias("demo-classifier", "champion", version.version)
            return f"{run.data.tags.get('estimator_name', 'model')} from run {run.info.run_id}"
    return None


def main() -> None:
    """Train everything with autolog, show the runs, and register the best model."""
    trialbook.set_experiment("demo")
    trialbook.autolog()  # the only tracking line: everything below is plain training code
    for name, train in (
        ("scikit-learn", train_sklearn),
        ("XGBoost", train_xgboost),
        ("Lightning", train_lightning),
    ):
        started = time.perf_counter()
        try:
            train()
        except ImportError as err:
            print(f"skipped {name}: {err} (install trialbook[{name.lower()}])")
            continue
        print(f"trained {name} models in {time.perf_counter() - started:.1f}s")

    runs = trialbook.search_runs(experiment_names=["demo"])
    metric_columns = [c for c in runs.columns if c.startswith("metrics.")]
    print(
        f"\n{len(runs)} runs logged to {trialbook.get_tracking_uri()} (metrics: {len(metric_columns)} kinds)\n"
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "trialbook.cli",
            "runs",
            "list",
            "--experiment",
            "demo",
        ],
        check=False,
    )
    first, second = [*(run_id[:8] for run_id in runs["run_id"]), None, None][:2]
    champion = register_champion()
    if champion is not None:
        print(f"\nRegistered {champion} as demo-classifier@champion")
    bindir = script_folder()
    print("\nLook further (from this folder):")
    for command in next_commands(bindir, first, second, champion is not None):
        print(f"  {command}")
    if bindir:
        print(f"(or run `. {bindir}activate` once, then drop the {bindir} prefix)")
    print('Use trialbook in a project of your own: README.md, "Install it in your project".')


def script_folder() -> str:
    """The prefix that calls this environment's scripts from here: empty when on PATH."""
    folder = Path(sys.executable).parent
    on_path = shutil.which("trialbook")
    if on_path is not None and Path(on_path).parent == folder:
        return ""
    try:
        shown = folder.relative_to(Path.cwd())
    except ValueError:
        shown = folder
    return shlex.quote(str(shown)) + os.sep


def next_commands(
    bindir: str, first: str | None, second: str | None, registered: bool
) -> list[str]:
    """The commands worth trying after the demo, runnable as printed from the demo's folder."""
    tb = f"{bindir}trialbook"
    commands = []
    if first is not None:
        commands.append(f"{tb} runs show {first}")
    if first is not None and second is not None:
        commands.append(f"{tb} runs compare {first} {second}")
    commands.append(
        f'{tb} runs list --experiment demo --filter "metrics.training_accuracy_score > 0.9"'
    )
    if registered:
        commands.append(f"{tb} models show demo-classifier")
        load = "import trialbook; print(trialbook.load_model('models:/demo-classifier@champion'))"
        commands.append(f'{bindir}python -c "{load}"')
    commands.append(f"{tb} ui            # then open http://127.0.0.1:5000")
    return commands


if __name__ == "__main__":
    main()
