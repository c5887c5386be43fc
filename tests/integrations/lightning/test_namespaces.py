"""Both namespaces: ``lightning.pytorch`` (the default) and ``pytorch_lightning``."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import trialbook
import trialbook.integrations.lightning as integration
from trialbook.entities import RunStatus

torch = pytest.importorskip("torch")
ptl = pytest.importorskip("pytorch_lightning")
pytestmark = [
    pytest.mark.lightning,
    pytest.mark.filterwarnings("ignore:`isinstance\\(treespec, LeafSpec\\)` is deprecated"),
]

EPOCHS = 2
FAST = {
    "max_epochs": EPOCHS,
    "accelerator": "cpu",
    "devices": 1,
    "enable_progress_bar": False,
    "enable_model_summary": False,
    "logger": False,
    "enable_checkpointing": False,
    "log_every_n_steps": 1,
}


class ClassicModule(ptl.LightningModule):
    """A pytorch_lightning module: linear regression logging train_loss and val_loss."""

    def __init__(self, lr: float = 0.05) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(3, 1)

    def forward(self, x: Any) -> Any:
        return self.layer(x)

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        loss = torch.nn.functional.mse_loss(self(batch[0]), batch[1])
        self.log("train_loss", loss, on_epoch=True)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.log("val_loss", torch.nn.functional.mse_loss(self(batch[0]), batch[1]))

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def loader() -> Any:
    generator = torch.Generator().manual_seed(0)
    data = torch.utils.data.TensorDataset(
        torch.randn(16, 3, generator=generator), torch.randn(16, 1, generator=generator)
    )
    return torch.utils.data.DataLoader(data, batch_size=8)


def only_run(client: trialbook.TrackingClient) -> trialbook.Run:
    runs = trialbook.search_runs(output_format="list")
    assert len(runs) == 1
    return client.get_run(runs[0].info.run_id)


def test_importing_the_integration_imports_no_lightning() -> None:
    code = (
        "import sys, trialbook, trialbook.integrations.lightning\n"
        "trialbook.autolog()\n"
        "print(sorted({'lightning', 'pytorch_lightning', 'torch'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_public_classes_are_built_for_lightning_pytorch() -> None:
    lightning_pytorch = pytest.importorskip("lightning.pytorch")
    assert issubclass(integration.TrialbookCallback, lightning_pytorch.Callback)
    assert issubclass(integration.TrialbookLogger, lightning_pytorch.loggers.Logger)
    assert integration.callback_class("lightning") is integration.TrialbookCallback


def test_pytorch_lightning_classes_subclass_its_own_bases() -> None:
    callback = integration.callback_class("pytorch_lightning")
    logger = integration.logger_class("pytorch_lightning")
    assert issubclass(callback, ptl.Callback)
    assert issubclass(logger, ptl.loggers.Logger)
    assert callback is not integration.TrialbookCallback


def test_unknown_namespace_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Lightning namespace"):
        integration.callback_class("torch")


def test_pytorch_lightning_callback_logs_every_epoch(client: trialbook.TrackingClient) -> None:
    callback = integration.callback_class("pytorch_lightning")()
    trainer = ptl.Trainer(**FAST, callbacks=[callback])
    trainer.fit(ClassicModule(), loader(), loader())
    run = only_run(client)
    assert run.data.params["lr"] == "0.05"
    steps = [m.step for m in client.get_metric_history(run.info.run_id, "val_loss")]
    assert steps == list(range(EPOCHS))


def test_pytorch_lightning_logger_logs_metrics_and_hparams(
    client: trialbook.TrackingClient,
) -> None:
    logger = integration.logger_class("pytorch_lightning")()
    ptl.Trainer(**{**FAST, "logger": logger}).fit(ClassicModule(), loader(), loader())
    run = client.get_run(logger.run_id)
    assert run.info.status is RunStatus.FINISHED
    assert run.data.params["lr"] == "0.05"
    assert len(client.get_metric_history(logger.run_id, "val_loss")) == EPOCHS


def test_autolog_patches_the_pytorch_lightning_trainer(client: trialbook.TrackingClient) -> None:
    trialbook.autolog()
    ptl.Trainer(**FAST).fit(ClassicModule(), loader(), loader())
    run = only_run(client)
    assert run.data.tags["trialbook.autolog"] == "pytorch_lightning"
    assert len(client.get_metric_history(run.info.run_id, "train_loss_epoch")) == EPOCHS


def test_disable_reverts_the_pytorch_lightning_trainer_exactly() -> None:
    before = dict(vars(ptl.Trainer))
    trialbook.autolog()
    trialbook.autolog(disable=True)
    assert dict(vars(ptl.Trainer)) == before


def test_pytorch_lightning_model_reloads_and_predicts_identically(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog()
    trainer = ptl.Trainer(**FAST)
    trainer.fit(ClassicModule(), loader(), loader())
    loaded = trialbook.load_model(f"runs:/{only_run(client).info.run_id}/model")
    x = torch.randn(4, 3)
    assert isinstance(loaded, ClassicModule)
    assert torch.equal(loaded.eval()(x), trainer.lightning_module.eval()(x))
