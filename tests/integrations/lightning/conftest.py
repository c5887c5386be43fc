"""A tiny LightningModule, synthetic data and fast Trainer settings for the Lightning tests.

The module classes live here, at module level, so ``load_from_checkpoint`` can import them.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch")

from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

EPOCHS = 3


def loader(seed: int = 0, rows: int = 32) -> DataLoader[Any]:
    """``rows`` rows of 3 features and a noisy linear target, in batches of 8."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, 3, generator=generator)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1 * torch.randn(rows, 1, generator=generator)
    return DataLoader(TensorDataset(x, y), batch_size=8)


class TinyModule(pl.LightningModule):
    """Linear regression; logs train_loss (step and epoch), val_loss and test_loss."""

    def __init__(self, lr: float = 0.05, hidden: int = 3, optim: dict[str, Any] | None = None):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(3, 1)

    def forward(self, x: Any) -> Any:
        return self.layer(x)

    def _loss(self, batch: Any) -> Any:
        x, y = batch
        return torch.nn.functional.mse_loss(self(x), y)

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        loss = self._loss(batch)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.log("val_loss", self._loss(batch))

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self.log("test_loss", self._loss(batch))

    def configure_optimizers(self) -> Any:
        optimizer = torch.optim.SGD(self.parameters(), lr=self.hparams.lr, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
        return {"optimizer": optimizer, "lr_scheduler": scheduler}


class TinyData(pl.LightningDataModule):
    """The synthetic loaders as a datamodule with its own hparams."""

    def __init__(self, batch_size: int = 8) -> None:
        super().__init__()
        self.save_hyperparameters()

    def train_dataloader(self) -> Any:
        return loader(0)

    def val_dataloader(self) -> Any:
        return loader(1)

    def test_dataloader(self) -> Any:
        return loader(2)


class Unrebuildable(TinyModule):
    """Needs an argument that save_hyperparameters does not record."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: Any) -> Any:
        return self.layer(x) * self.scale


class Failing(TinyModule):
    """Raises ``error`` in its second epoch."""

    error = RuntimeError("boom in training_step")

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        if self.current_epoch == 1:
            raise self.error
        return super().training_step(batch, batch_idx)


@pytest.fixture(autouse=True)
def no_context_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reproducibility capture (git, pip) is irrelevant here and slow."""
    monkeypatch.setenv("TRIALBOOK_DISABLE_CONTEXT", "1")


@pytest.fixture
def fast() -> dict[str, Any]:
    """Trainer settings for quick, quiet CPU runs."""
    return {
        "max_epochs": EPOCHS,
        "accelerator": "cpu",
        "devices": 1,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "logger": False,
        "enable_checkpointing": False,
        "log_every_n_steps": 1,
    }


@pytest.fixture
def lit() -> SimpleNamespace:
    """The helpers above: ``lit.TinyModule()``, ``lit.loader(1)``, ``lit.pl.Trainer(...)``."""
    return SimpleNamespace(
        pl=pl,
        torch=torch,
        loader=loader,
        TinyModule=TinyModule,
        TinyData=TinyData,
        Unrebuildable=Unrebuildable,
        Failing=Failing,
    )
