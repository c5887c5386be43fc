"""Two CPU processes (``ddp_spawn`` and ``ddp``): only rank zero logs, into exactly one run.

Each test runs a script in a subprocess: ``ddp`` re-runs the script for the other rank and
``ddp_spawn`` pickles the Trainer into worker processes, which needs an importable
``__main__``. The script sets its tracking URI itself; the environment points elsewhere, so
workers that ignored it would log into the wrong store.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import trialbook
from trialbook.entities import RunStatus

pytest.importorskip("lightning.pytorch")
pytestmark = [pytest.mark.lightning, pytest.mark.slow]

EPOCHS = 3

SCRIPT = """
import sys

import trialbook

strategy, mode, store = sys.argv[1:4]
if mode == "autolog":
    trialbook.autolog()  # before Lightning is imported: patched when it is imported

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, TensorDataset


class Tiny(pl.LightningModule):
    def __init__(self, lr=0.05):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(3, 1)

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        loss = torch.nn.functional.mse_loss(self(batch[0]), batch[1])
        self.log("train_loss", loss, on_epoch=True, sync_dist=True)
        return loss

    def validation_step(self, batch, batch_idx):
        loss = torch.nn.functional.mse_loss(self(batch[0]), batch[1])
        self.log("val_loss", loss, sync_dist=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def loader():
    g = torch.Generator().manual_seed(0)
    data = TensorDataset(torch.randn(32, 3, generator=g), torch.randn(32, 1, generator=g))
    return DataLoader(data, batch_size=8)


if __name__ == "__main__":
    trialbook.set_tracking_uri(store)
    logger = False
    if mode == "logger":
        from trialbook.integrations.lightning import TrialbookLogger

        logger = TrialbookLogger()
    trainer = pl.Trainer(
        max_epochs=EPOCHS, accelerator="cpu", devices=2, strategy=strategy, logger=logger,
        enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
        log_every_n_steps=1,
    )
    trainer.fit(Tiny(), loader(), loader())
""".replace("EPOCHS", str(EPOCHS))


def train(tmp_path: Path, strategy: str, mode: str) -> trialbook.TrackingClient:
    """Run the script; return a client on the store it logged into."""
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    store = tmp_path / "ddp-store"
    env = {
        **os.environ,
        "TRIALBOOK_TRACKING_URI": str(tmp_path / "wrong-store"),
        "TRIALBOOK_DISABLE_CONTEXT": "1",
        "PYTHONWARNINGS": "ignore",
    }
    subprocess.run(
        [sys.executable, str(script), strategy, mode, str(store)],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    assert not (tmp_path / "wrong-store").exists()
    return trialbook.TrackingClient(str(store))


def only_run(client: trialbook.TrackingClient) -> trialbook.Run:
    experiments = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(experiments).runs
    assert len(runs) == 1
    return client.get_run(runs[0].info.run_id)


def epochs_logged(client: trialbook.TrackingClient, run: trialbook.Run, key: str) -> int:
    return len(client.get_metric_history(run.info.run_id, key))


@pytest.mark.parametrize("strategy", ["ddp_spawn", "ddp"])
def test_autolog_on_two_processes_logs_one_run_with_every_epoch(
    tmp_path: Path, strategy: str
) -> None:
    client = train(tmp_path, strategy, "autolog")
    run = only_run(client)
    assert run.info.status is RunStatus.FINISHED
    assert run.data.params["trainer/world_size"] == "2"
    assert epochs_logged(client, run, "val_loss") == EPOCHS
    assert epochs_logged(client, run, "train_loss_epoch") == EPOCHS
    assert "model" in {f.path for f in client.list_artifacts(run.info.run_id)}


def test_logger_with_ddp_spawn_logs_one_run_from_the_workers(tmp_path: Path) -> None:
    client = train(tmp_path, "ddp_spawn", "logger")
    run = only_run(client)
    assert run.info.status is RunStatus.FINISHED
    assert run.data.params["lr"] == "0.05"
    assert epochs_logged(client, run, "val_loss") == EPOCHS
