"""trialbook.autolog() with Lightning's Trainer: the autologging contract and what it logs."""

from __future__ import annotations

import traceback
from types import SimpleNamespace
from typing import Any

import pytest

import trialbook
import trialbook.integrations.lightning as lightning_integration
from trialbook.entities import RunStatus
from trialbook.integrations.lightning import TrialbookCallback, TrialbookLogger

pytestmark = [
    pytest.mark.lightning,
    pytest.mark.filterwarnings("ignore:`isinstance\\(treespec, LeafSpec\\)` is deprecated"),
]

EPOCHS = 3


def runs() -> list[trialbook.Run]:
    found: list[trialbook.Run] = trialbook.search_runs(output_format="list")
    return found


def only_run(client: trialbook.TrackingClient) -> trialbook.Run:
    found = runs()
    assert len(found) == 1
    return client.get_run(found[0].info.run_id)


def trainer_dict(lit: SimpleNamespace) -> dict[str, Any]:
    return dict(vars(lit.pl.Trainer))


def test_fit_logs_one_finished_run_with_params_metrics_and_model(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    trialbook.autolog()
    trainer = lit.pl.Trainer(**fast)
    trainer.fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    run = only_run(client)
    assert run.info.status is RunStatus.FINISHED
    assert run.data.tags["trialbook.autolog"] == "lightning"
    assert run.data.params["lr"] == "0.05"
    assert len(client.get_metric_history(run.info.run_id, "val_loss")) == EPOCHS
    assert {"model", "model_summary.txt"} <= {
        f.path for f in client.list_artifacts(run.info.run_id)
    }


def test_each_fit_gets_its_own_run(lit: SimpleNamespace, fast: dict[str, Any]) -> None:
    trialbook.autolog()
    for _ in range(2):
        lit.pl.Trainer(**fast).fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    assert len(runs()) == 2


def test_training_exception_propagates_unchanged_and_the_run_fails(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    trialbook.autolog()
    model = lit.Failing()
    with pytest.raises(RuntimeError) as caught:
        lit.pl.Trainer(**fast).fit(model, lit.loader(0), lit.loader(1))
    assert caught.value is lit.Failing.error
    frames = [frame.name for frame in traceback.extract_tb(caught.tb)]
    assert "training_step" in frames
    assert only_run(client).info.status is RunStatus.FAILED
    assert trialbook.active_run() is None


def test_callbacks_list_is_restored_after_fit(lit: SimpleNamespace, fast: dict[str, Any]) -> None:
    trialbook.autolog()
    stopping = lit.pl.callbacks.EarlyStopping("val_loss", patience=5)
    trainer = lit.pl.Trainer(**fast, callbacks=[stopping])
    before = trainer.callbacks
    contents = list(before)
    trainer.fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    assert trainer.callbacks is before
    assert trainer.callbacks == contents


def test_callbacks_list_is_restored_after_a_failed_fit(
    lit: SimpleNamespace, fast: dict[str, Any]
) -> None:
    trialbook.autolog()
    trainer = lit.pl.Trainer(**fast)
    before, contents = trainer.callbacks, list(trainer.callbacks)
    with pytest.raises(RuntimeError):
        trainer.fit(lit.Failing(), lit.loader(0), lit.loader(1))
    assert trainer.callbacks is before
    assert trainer.callbacks == contents


def test_trainer_with_a_trialbook_logger_gets_no_second_run(
    lit: SimpleNamespace, fast: dict[str, Any]
) -> None:
    trialbook.autolog()
    logger = TrialbookLogger()
    lit.pl.Trainer(**{**fast, "logger": logger}).fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    assert [r.info.run_id for r in runs()] == [logger.run_id]


def test_trainer_with_a_trialbook_callback_gets_no_second_callback(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    trialbook.autolog()
    trainer = lit.pl.Trainer(**fast, callbacks=[TrialbookCallback()])
    trainer.fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    run = only_run(client)
    assert "trialbook.autolog" not in run.data.tags
    assert len(client.get_metric_history(run.info.run_id, "val_loss")) == EPOCHS


def test_autolog_logs_into_the_active_run_and_leaves_it_running(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    trialbook.autolog()
    with trialbook.start_run() as run:
        lit.pl.Trainer(**fast).fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
        assert client.get_run(run.info.run_id).info.status is RunStatus.RUNNING
    assert only_run(client).data.params["optimizer"] == "SGD"


def test_exclusive_leaves_the_active_run_alone(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    trialbook.autolog(exclusive=True)
    with trialbook.start_run():
        lit.pl.Trainer(**fast).fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    assert only_run(client).data.params == {}


def test_test_after_fit_logs_into_the_fit_run(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    trialbook.autolog()
    trainer = lit.pl.Trainer(**fast)
    trainer.fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    trainer.test(trainer.lightning_module, lit.loader(2), verbose=False)
    run = only_run(client)
    assert [m.step for m in client.get_metric_history(run.info.run_id, "test_loss")] == [0]
    assert run.info.status is RunStatus.FINISHED


def test_test_without_a_known_run_logs_nothing(lit: SimpleNamespace, fast: dict[str, Any]) -> None:
    trialbook.autolog()
    lit.pl.Trainer(**fast).test(lit.TinyModule(), lit.loader(2), verbose=False)
    assert runs() == []


def test_log_models_false_logs_no_model(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    trialbook.autolog(log_models=False)
    lit.pl.Trainer(**fast).fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    files = {f.path for f in client.list_artifacts(only_run(client).info.run_id)}
    assert "model" not in files


def test_integration_settings_override_the_global_ones(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    lightning_integration.autolog(log_models=False)
    trialbook.autolog()
    lit.pl.Trainer(**fast).fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    files = {f.path for f in client.list_artifacts(only_run(client).info.run_id)}
    assert "model" not in files


def test_disable_reverts_the_trainer_class_exactly(lit: SimpleNamespace) -> None:
    before = trainer_dict(lit)
    trialbook.autolog()
    assert trainer_dict(lit) != before
    trialbook.autolog(disable=True)
    assert trainer_dict(lit) == before


def test_autolog_twice_changes_nothing(lit: SimpleNamespace) -> None:
    trialbook.autolog()
    once = trainer_dict(lit)
    trialbook.autolog()
    assert trainer_dict(lit) == once


def test_disabled_autolog_logs_nothing(lit: SimpleNamespace, fast: dict[str, Any]) -> None:
    trialbook.autolog()
    trialbook.autolog(disable=True)
    lit.pl.Trainer(**fast).fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    assert runs() == []


def test_fit_runs_the_original_exactly_once(lit: SimpleNamespace, fast: dict[str, Any]) -> None:
    trialbook.autolog()
    starts: list[int] = []

    class Counting(lit.TinyModule):  # type: ignore[name-defined,misc]
        def on_fit_start(self) -> None:
            starts.append(1)

    lightning_integration.autolog(log_models=False)  # a local class cannot be saved
    lit.pl.Trainer(**fast).fit(Counting(), lit.loader(0), lit.loader(1))
    assert starts == [1]


def test_our_error_becomes_one_warning_and_training_completes(
    lit: SimpleNamespace,
    fast: dict[str, Any],
    client: trialbook.TrackingClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trialbook.autolog import AutologgingWarning
    from trialbook.autolog.run import ERROR_TAG
    from trialbook.integrations.lightning import collect

    def broken(trainer: Any) -> dict[str, str]:
        raise ValueError("odd setting")

    monkeypatch.setattr(collect, "trainer_settings", broken)
    trialbook.autolog(strict=False)
    trainer = lit.pl.Trainer(**fast)
    with pytest.warns(AutologgingWarning, match="odd setting"):
        trainer.fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    assert trainer.current_epoch == EPOCHS
    run = only_run(client)
    assert "odd setting" in run.data.tags[ERROR_TAG]
    assert run.info.status is RunStatus.FINISHED
