"""TrialbookCallback on a tiny real Lightning training (CPU, synthetic data)."""

from __future__ import annotations

import copy
import pickle
from types import SimpleNamespace
from typing import Any

import pytest

import trialbook
from trialbook.autolog import AutologgingWarning
from trialbook.autolog.run import ERROR_TAG
from trialbook.entities import RunStatus
from trialbook.integrations.lightning import TrialbookCallback, collect

pytestmark = [
    pytest.mark.lightning,
    pytest.mark.filterwarnings("ignore:`isinstance\\(treespec, LeafSpec\\)` is deprecated"),
]

EPOCHS = 3


def only_run(client: trialbook.TrackingClient) -> trialbook.Run:
    runs = trialbook.search_runs(output_format="list")
    assert len(runs) == 1
    return client.get_run(runs[0].info.run_id)


def fit(
    lit: SimpleNamespace,
    fast: dict[str, Any],
    model: Any = None,
    log_models: bool = True,
    **settings: Any,
) -> Any:
    """Fit ``model`` (a TinyModule by default) with a TrialbookCallback; return the trainer."""
    callbacks = [TrialbookCallback(log_models=log_models), *settings.pop("callbacks", [])]
    trainer = lit.pl.Trainer(**{**fast, **settings, "callbacks": callbacks})
    trainer.fit(model or lit.TinyModule(), lit.loader(0), lit.loader(1))
    return trainer


def history(client: trialbook.TrackingClient, run: trialbook.Run, key: str) -> list[int]:
    return [m.step for m in client.get_metric_history(run.info.run_id, key)]


def test_every_epoch_metric_has_one_point_per_epoch(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    fit(lit, fast)
    run = only_run(client)
    for key in ("train_loss", "train_loss_epoch", "val_loss", "optimizer/lr"):
        assert history(client, run, key) == list(range(EPOCHS)), key


def test_run_started_by_the_callback_ends_finished(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    fit(lit, fast)
    run = only_run(client)
    assert run.info.status is RunStatus.FINISHED
    assert trialbook.active_run() is None


def test_metrics_logged_in_the_module_epoch_end_hook_are_kept(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    class EpochEnd(lit.TinyModule):  # type: ignore[name-defined,misc]
        def on_train_epoch_end(self) -> None:
            self.log("epoch_number", float(self.current_epoch))

    fit(lit, fast, EpochEnd(), log_models=False)  # a local class cannot be saved
    points = client.get_metric_history(only_run(client).info.run_id, "epoch_number")
    assert [(p.step, p.value) for p in points] == [(e, float(e)) for e in range(EPOCHS)]


def test_validation_every_other_epoch_logs_only_fresh_values(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    fit(lit, fast, max_epochs=4, check_val_every_n_epoch=2)
    run = only_run(client)
    assert history(client, run, "val_loss") == [1, 3]
    assert history(client, run, "train_loss_epoch") == [0, 1, 2, 3]


def test_hyperparameters_of_module_and_datamodule_are_params(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    trainer = lit.pl.Trainer(**{**fast, "callbacks": [TrialbookCallback()]})
    trainer.fit(lit.TinyModule(lr=0.02, optim={"beta": {"one": 0.9}}), datamodule=lit.TinyData(4))
    params = only_run(client).data.params
    assert params["lr"] == "0.02"
    assert params["hidden"] == "3"
    assert params["optim/beta/one"] == "0.9"
    assert params["batch_size"] == "4"


def test_trainer_settings_are_params(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    fit(lit, fast, accumulate_grad_batches=2, gradient_clip_val=0.5)
    params = only_run(client).data.params
    assert params["trainer/max_epochs"] == str(EPOCHS)
    assert params["trainer/max_steps"] == "-1"
    assert params["trainer/precision"] == "32-true"
    assert params["trainer/accumulate_grad_batches"] == "2"
    assert params["trainer/gradient_clip_val"] == "0.5"
    assert params["trainer/check_val_every_n_epoch"] == "1"
    assert params["trainer/strategy"] == "SingleDeviceStrategy"


def test_optimizer_and_scheduler_settings_are_params(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    fit(lit, fast)
    params = only_run(client).data.params
    assert params["optimizer"] == "SGD"
    assert params["optimizer/lr"] == "0.05"
    assert params["optimizer/momentum"] == "0.9"
    assert params["optimizer/weight_decay"] == "0"
    assert params["lr_scheduler"] == "StepLR"
    assert params["lr_scheduler/gamma"] == "0.5"
    assert params["lr_scheduler/step_size"] == "1"
    assert params["lr_scheduler/interval"] == "epoch"


def test_learning_rate_of_each_epoch_is_a_metric(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    fit(lit, fast)
    points = client.get_metric_history(only_run(client).info.run_id, "optimizer/lr")
    assert [p.value for p in points] == pytest.approx([0.05, 0.025, 0.0125])


def test_seed_from_seed_everything_is_a_param(
    lit: SimpleNamespace,
    fast: dict[str, Any],
    client: trialbook.TrackingClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PL_GLOBAL_SEED", "1234")  # what seed_everything(1234) sets
    fit(lit, fast)
    assert only_run(client).data.params["global_seed"] == "1234"


def test_test_metrics_after_fit_go_into_the_same_run(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    trainer = fit(lit, fast)
    trainer.test(trainer.lightning_module, lit.loader(2), verbose=False)
    run = only_run(client)
    assert history(client, run, "test_loss") == [0]
    assert run.info.status is RunStatus.FINISHED


def test_early_stopping_settings_and_outcome_are_logged(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    stopping = lit.pl.callbacks.EarlyStopping("val_loss", patience=1, mode="max")
    fit(lit, fast, max_epochs=10, callbacks=[stopping])
    run = only_run(client)
    assert run.data.params["early_stopping/monitor"] == "val_loss"
    assert run.data.params["early_stopping/patience"] == "1"
    assert run.data.params["early_stopping/mode"] == "max"
    assert run.data.metrics["early_stopping/stopped_epoch"] == stopping.stopped_epoch > 0
    assert len(history(client, run, "val_loss")) == stopping.stopped_epoch + 1


def test_best_checkpoint_path_and_score_are_logged(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    checkpoint = lit.pl.callbacks.ModelCheckpoint(monitor="val_loss")
    fit(lit, fast, enable_checkpointing=True, callbacks=[checkpoint])
    run = only_run(client)
    assert run.data.params["checkpoint/monitor"] == "val_loss"
    assert run.data.tags["checkpoint/best_model_path"] == checkpoint.best_model_path
    assert run.data.metrics["checkpoint/best_model_score"] == pytest.approx(
        float(checkpoint.best_model_score)
    )


def test_model_reloads_and_predicts_identically(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    model = fit(lit, fast).lightning_module
    loaded = trialbook.load_model(f"runs:/{only_run(client).info.run_id}/model")
    x = lit.torch.randn(5, 3)
    assert type(loaded) is lit.TinyModule
    assert loaded.hparams == model.hparams
    assert lit.torch.equal(loaded.eval()(x), model.eval()(x))


def test_model_holds_the_best_checkpoint_weights_not_the_last(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    checkpoint = lit.pl.callbacks.ModelCheckpoint(monitor="val_loss", mode="max")
    model = fit(lit, fast, enable_checkpointing=True, callbacks=[checkpoint]).lightning_module
    run = only_run(client)
    loaded = trialbook.load_model(f"runs:/{run.info.run_id}/model")
    best = lit.TinyModule.load_from_checkpoint(checkpoint.best_model_path)
    x = lit.torch.randn(5, 3)
    assert lit.torch.equal(loaded.eval()(x), best.eval()(x))
    assert not lit.torch.equal(loaded(x), model.eval()(x))


def test_module_that_cannot_be_rebuilt_from_hparams_is_pickled_and_reloads(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    model = fit(lit, fast, lit.Unrebuildable(scale=3.0)).lightning_module
    loaded = trialbook.load_model(f"runs:/{only_run(client).info.run_id}/model")
    x = lit.torch.randn(5, 3)
    assert loaded.scale == 3.0
    assert lit.torch.equal(loaded.eval()(x), model.eval()(x))


def test_model_summary_with_parameter_counts_is_an_artifact(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    fit(lit, fast)
    run_id = only_run(client).info.run_id
    with client.artifact_repository(run_id).open("model_summary.txt") as handle:
        summary = handle.read().decode()
    assert "Trainable params" in summary
    assert "4 " in summary  # 3 weights and a bias


def test_log_models_false_logs_no_model(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    fit(lit, fast, log_models=False)
    files = {f.path for f in client.list_artifacts(only_run(client).info.run_id)}
    assert files == {"model_summary.txt"}


def test_callback_logs_into_the_active_run_and_leaves_it_running(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    with trialbook.start_run() as run:
        fit(lit, fast)
        assert client.get_run(run.info.run_id).info.status is RunStatus.RUNNING
    assert only_run(client).data.params["optimizer"] == "SGD"


def test_run_is_failed_when_training_raises(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        fit(lit, fast, lit.Failing())
    run = only_run(client)
    assert run.info.status is RunStatus.FAILED
    assert history(client, run, "train_loss_epoch") == [0]


def test_logging_failure_warns_once_and_training_completes(
    lit: SimpleNamespace,
    fast: dict[str, Any],
    client: trialbook.TrackingClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIALBOOK_AUTOLOG_STRICT", "0")

    def broken(trainer: Any) -> dict[str, float]:
        raise OSError("disk full")

    monkeypatch.setattr(collect, "learning_rates", broken)
    with pytest.warns(AutologgingWarning, match="disk full") as caught:
        trainer = fit(lit, fast)
    assert len([w for w in caught if w.category is AutologgingWarning]) == 1
    assert trainer.current_epoch == EPOCHS
    run = only_run(client)
    assert "disk full" in run.data.tags[ERROR_TAG]
    assert run.info.status is RunStatus.FINISHED
    assert history(client, run, "val_loss") == list(range(EPOCHS))


def test_callback_survives_deepcopy_and_pickle_and_copies_share_the_run() -> None:
    callback = TrialbookCallback(run_name="shared")
    copied = copy.deepcopy(callback)
    unpickled = pickle.loads(pickle.dumps(callback))
    assert type(copied) is type(unpickled) is type(callback)
    assert callback.run_id is not None
    assert copied.run_id == unpickled.run_id == callback.run_id


def test_module_of_a_local_class_is_saved_by_value_and_loads_with_its_weights(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    class Local(lit.TinyModule):  # type: ignore[name-defined,misc]
        pass

    module = Local()
    fit(lit, fast, module)
    run_id = only_run(client).info.run_id
    loaded = trialbook.load_model(f"runs:/{run_id}/model")
    assert type(loaded).__qualname__.endswith("Local")
    trained = module.state_dict()
    assert all(loaded.state_dict()[k].equal(v) for k, v in trained.items())


def test_the_logged_model_has_the_first_batchs_input_signature_and_predicts_through_pyfunc(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    from trialbook.models import TensorSpec

    module = lit.TinyModule()
    fit(lit, fast, module)
    model = trialbook.pyfunc.load_model(f"runs:/{only_run(client).info.run_id}/model")
    assert model.metadata.signature is not None
    assert model.metadata.signature.inputs.inputs == [TensorSpec("float32", (-1, 3))]
    x = lit.torch.randn(4, 3)
    module.eval()
    with lit.torch.no_grad():
        expected = module(x).numpy()
    assert (model.predict(x.numpy()) == expected).all()


def test_one_callback_reused_for_two_fits_logs_two_runs(
    lit: SimpleNamespace, fast: dict[str, Any]
) -> None:
    callback = TrialbookCallback(log_models=False)
    for lr in (0.1, 0.2):
        trainer = lit.pl.Trainer(**{**fast, "callbacks": [callback]})
        trainer.fit(lit.TinyModule(lr=lr), lit.loader(0), lit.loader(1))
    runs = trialbook.search_runs(output_format="list")
    assert sorted(r.data.params["lr"] for r in runs) == ["0.1", "0.2"]


@pytest.mark.parametrize("monitor_first", [True, False])
def test_learning_rate_monitor_metric_has_one_point_per_epoch_at_its_epoch(
    lit: SimpleNamespace,
    fast: dict[str, Any],
    client: trialbook.TrackingClient,
    monitor_first: bool,
) -> None:
    monitor = lit.pl.callbacks.LearningRateMonitor()  # Needs a logger: any will do.
    ours = TrialbookCallback(log_models=False)
    callbacks = [monitor, ours] if monitor_first else [ours, monitor]
    settings = {**fast, "logger": lit.pl.loggers.CSVLogger("logs"), "callbacks": callbacks}
    lit.pl.Trainer(**settings).fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    run = only_run(client)
    rates = client.get_metric_history(run.info.run_id, "lr-SGD")
    own = client.get_metric_history(run.info.run_id, "optimizer/lr")
    assert [p.step for p in rates] == [p.step for p in own] == list(range(EPOCHS))
    assert [p.value for p in rates] == pytest.approx([p.value for p in own])
