"""The small Lightning model of the Lightning workload, and a callback that clocks epochs.

Importing this module imports torch and Lightning: ``bench_autolog`` imports it only inside
the Lightning workload. The classes live at module level so that both tools can pickle the
model when they log it.
"""

from __future__ import annotations

import time
from typing import Any

import lightning.pytorch as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class TinyClassifier(pl.LightningModule):
    """A two-layer perceptron that logs its training and validation loss per epoch."""

    def __init__(self, features: int = 20, hidden: int = 64, lr: float = 0.01) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, 2))
        self.loss = nn.CrossEntropyLoss()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # type: ignore[no-any-return]

    def training_step(self, batch: Any, _index: int) -> torch.Tensor:
        x, y = batch
        loss = self.loss(self(x), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss  # type: ignore[no-any-return]

    def validation_step(self, batch: Any, _index: int) -> None:
        x, y = batch
        logits = self(x)
        self.log("val_loss", self.loss(logits, y))
        self.log("val_acc", (logits.argmax(dim=1) == y).float().mean())

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.hparams["lr"])


class EpochClock(pl.Callback):
    """Records when each training epoch starts; the gaps include every callback's epoch work."""

    def __init__(self) -> None:
        self.starts: list[float] = []

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.starts.append(time.perf_counter())

    def epoch_seconds(self) -> list[float]:
        """Start-to-start durations from the second epoch on (the last epoch has no next start)."""
        return [b - a for a, b in zip(self.starts[1:], self.starts[2:], strict=False)]


def loaders(rows: int = 1024, batch_size: int = 64) -> tuple[DataLoader[Any], DataLoader[Any]]:
    """Training and validation loaders over random data (``rows`` training rows)."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(rows + rows // 4, 20, generator=generator)
    y = (x[:, 0] + x[:, 1] > 0).long()
    train = TensorDataset(x[:rows], y[:rows])
    val = TensorDataset(x[rows:], y[rows:])
    return DataLoader(train, batch_size=batch_size), DataLoader(val, batch_size=batch_size)


def fit(epochs: int, train: DataLoader[Any], val: DataLoader[Any]) -> tuple[float, list[float]]:
    """Train a new model for ``epochs``; return the fit's seconds and the epochs' seconds."""
    clock = EpochClock()
    trainer = pl.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[clock],
    )
    start = time.perf_counter()
    trainer.fit(TinyClassifier(), train, val)
    return time.perf_counter() - start, clock.epoch_seconds()
