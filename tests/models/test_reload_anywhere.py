"""Models whose classes live in the training script reload in a process without that script.

A script defines a scikit-learn estimator, a ``torch.nn.Module`` and a LightningModule in
``__main__`` and logs all three; the script is then deleted and a second process, started in
another folder, loads each model and predicts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = [pytest.mark.sklearn, pytest.mark.lightning, pytest.mark.slow]  # two fresh processes

TRAIN = textwrap.dedent(
    """
    import numpy as np
    import torch
    import lightning.pytorch as pl
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import trialbook as mlflow


    class MeanPlusK(BaseEstimator, RegressorMixin):
        def __init__(self, k=1.0):
            self.k = k

        def fit(self, X, y):
            self.mean_ = float(np.mean(y))
            return self

        def predict(self, X):
            return np.full(len(X), self.mean_ + self.k)


    class Doubler(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(3, 1)

        def forward(self, x):
            return self.linear(x) * 2


    class Regressor(pl.LightningModule):
        def __init__(self, width=3):
            super().__init__()
            self.save_hyperparameters()
            self.linear = torch.nn.Linear(width, 1)

        def forward(self, x):
            return self.linear(x)

        def training_step(self, batch, batch_idx):
            x, y = batch
            return torch.nn.functional.mse_loss(self(x).squeeze(-1), y)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)


    torch.manual_seed(0)
    X = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = X.sum(axis=1)
    mlflow.pytorch.autolog()
    with mlflow.start_run() as run:
        pipeline = make_pipeline(StandardScaler(), MeanPlusK(k=2.0)).fit(X, y)
        mlflow.sklearn.log_model(pipeline, name="pipeline")
        doubler = Doubler()
        mlflow.pytorch.log_model(doubler, name="doubler", input_example=X[:2])
        data = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
        module = Regressor()
        pl.Trainer(
            max_epochs=1, logger=False, enable_checkpointing=False,
            enable_progress_bar=False, enable_model_summary=False,
        ).fit(module, torch.utils.data.DataLoader(data, batch_size=8))
    with torch.no_grad():
        expected = {
            "pipeline": pipeline.predict(X).tolist(),
            "doubler": doubler(torch.from_numpy(X)).squeeze(-1).tolist(),
            "model": module(torch.from_numpy(X)).squeeze(-1).tolist(),
        }
    print(json.dumps({"run_id": run.info.run_id, "expected": expected}))
    """
).replace("import numpy as np", "import json\nimport numpy as np", 1)

LOAD = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import trialbook as mlflow

    run_id = sys.argv[1]
    X = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    found = {}
    for name in ("pipeline", "doubler", "model"):
        model = mlflow.pyfunc.load_model(f"runs:/{run_id}/{name}")
        found[name] = {
            "flavor": model.metadata.flavor,
            "class": type(model.unwrap_python_model()).__name__,
            "predictions": np.asarray(model.predict(X)).reshape(-1).tolist(),
            "by_value": [c["class"] for c in model.metadata.fields.get("by_value", [])],
            "source": "".join(c["source"] for c in model.metadata.fields.get("by_value", [])),
        }
    print(json.dumps(found))
    """
)


def run_python(code_file: Path, cwd: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": ""}
    done = subprocess.run(
        [sys.executable, str(code_file), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_script_classes_reload_in_a_fresh_process_without_the_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("sklearn")
    pytest.importorskip("lightning")
    monkeypatch.setenv("TRIALBOOK_TRACKING_URI", str(tmp_path / "store"))
    training = tmp_path / "training"
    training.mkdir()
    script = training / "train.py"
    script.write_text(TRAIN)
    trained = json.loads(run_python(script, training))
    script.unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    loader = elsewhere / "load.py"
    loader.write_text(LOAD)

    loaded = json.loads(run_python(loader, elsewhere, trained["run_id"]))

    assert {name: found["flavor"] for name, found in loaded.items()} == {
        "pipeline": "sklearn",
        "doubler": "pytorch",
        "model": "lightning",
    }
    for name, expected in trained["expected"].items():
        assert loaded[name]["predictions"] == pytest.approx(expected, rel=1e-5)
    assert loaded["pipeline"]["by_value"] == ["__main__.MeanPlusK"]
    assert "def predict(self, X):" in loaded["pipeline"]["source"]
    assert loaded["doubler"]["by_value"] == ["__main__.Doubler"]
    assert loaded["model"]["by_value"] == ["__main__.Regressor"]
    assert loaded["model"]["class"] == "Regressor"
