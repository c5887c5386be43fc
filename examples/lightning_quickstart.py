"""PyTorch Lightning tracking in one line: ``trialbook.autolog()`` and nothing else.

Runs offline on synthetic data, on the CPU, in a few seconds::

    python examples/lightning_quickstart.py

``Trainer.fit`` becomes a run: the module's and datamodule's hparams, trainer, optimizer and
scheduler settings, every epoch's training and validation metrics and learning rate, the
early-stopping outcome, the best checkpoint as a model that ``trialbook.load_model`` turns back
into a LightningModule, and a model summary. ``trainer.test`` afterwards adds test metrics to
the same run. Instead of autolog, ``Trainer(callbacks=[TrialbookCallback()])`` does the same
next to another logger, and ``Trainer(logger=TrialbookLogger())`` makes trialbook the logger.
"""

from __future__ import annotations

from typing import Any

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, TensorDataset

import trialbook


class Regressor(pl.LightningModule):
    """A small MLP for a noisy nonlinear target."""

    def __init__(self, hidden: int = 16, lr: float = 0.01) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def step(self, batch: Any, name: str) -> torch.Tensor:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log(name, loss, on_epoch=True, on_step=False, prog_bar=True)
        return loss

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self.step(batch, "train_loss")

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.step(batch, "val_loss")

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self.step(batch, "test_loss")

    def configure_optimizers(self) -> Any:
        optimizer = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=1e-4)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)
        return {"optimizer": optimizer, "lr_scheduler": scheduler}


class SyntheticData(pl.LightningDataModule):
    """y = sin(x0) + x1 * x2 - x3 + noise, split 600/200/200."""

    def __init__(self, batch_size: int = 64) -> None:
        super().__init__()
        self.save_hyperparameters()
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(1000, 4, generator=generator)
        y = torch.sin(x[:, :1]) + x[:, 1:2] * x[:, 2:3] - x[:, 3:4]
        y = y + 0.1 * torch.randn(1000, 1, generator=generator)
        self.parts = [TensorDataset(x[a:b], y[a:b]) for a, b in ((0, 600), (600, 800), (800, 1000))]

    def train_dataloader(self) -> DataLoader[Any]:
        return DataLoader(self.parts[0], batch_size=self.hparams.batch_size, shuffle=True)

    def val_dataloader(self) -> DataLoader[Any]:
        return DataLoader(self.parts[1], batch_size=self.hparams.batch_size)

    def test_dataloader(self) -> DataLoader[Any]:
        return DataLoader(self.parts[2], batch_size=self.hparams.batch_size)


def main() -> None:
    """Train with early stopping, test, reload the logged model and print what was logged."""
    trialbook.set_experiment("lightning-quickstart")
    trialbook.autolog()
    pl.seed_everything(42)  # recorded as the param global_seed

    data = SyntheticData()
    trainer = pl.Trainer(
        max_epochs=20,
        accelerator="cpu",
        callbacks=[
            pl.callbacks.EarlyStopping("val_loss", patience=3),
            pl.callbacks.ModelCheckpoint(monitor="val_loss"),
        ],
        logger=False,
        enable_progress_bar=False,
    )
    trainer.fit(Regressor(), datamodule=data)
    trainer.test(datamodule=data, ckpt_path="best", verbose=False)

    run = trialbook.last_active_run()
    assert run is not None
    client = trialbook.TrackingClient()
    print(f"run {run.info.run_id} ({run.info.status.value})")
    for key in ("train_loss", "val_loss", "optimizer/lr"):
        history = client.get_metric_history(run.info.run_id, key)
        print(f"  {key}: {len(history)} epochs, last {history[-1].value:.4f}")
    print(f"  test_loss: {run.data.metrics['test_loss']:.4f}")
    stopped = run.data.metrics["early_stopping/stopped_epoch"]
    print(f"  early stopping: {f'stopped at epoch {stopped:.0f}' if stopped else 'did not stop'}")

    model = trialbook.load_model(f"runs:/{run.info.run_id}/model").eval()
    x = torch.randn(3, 4)
    with torch.no_grad():
        print(f"  reloaded {type(model).__name__} predicts {model(x).squeeze(1).tolist()}")


if __name__ == "__main__":
    main()
