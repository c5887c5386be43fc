"""TrialbookLogger as the Trainer's logger on a tiny real Lightning training."""

from __future__ import annotations

import copy
import json
import pickle
from argparse import Namespace
from types import SimpleNamespace
from typing import Any

import pytest

import trialbook
from trialbook.autolog import AutologgingWarning
from trialbook.entities import RunStatus
from trialbook.integrations.lightning import TrialbookCallback, TrialbookLogger

pytestmark = [
    pytest.mark.lightning,
    pytest.mark.filterwarnings("ignore:`isinstance\\(treespec, LeafSpec\\)` is deprecated"),
]

EPOCHS = 3
BATCHES = 4  # 32 rows in batches of 8


def fit(lit: SimpleNamespace, fast: dict[str, Any], logger: Any, **settings: Any) -> Any:
    model = settings.pop("model", None) or lit.TinyModule()
    trainer = lit.pl.Trainer(**{**fast, **settings, "logger": logger})
    trainer.fit(model, lit.loader(0), lit.loader(1))
    return trainer


def steps(client: trialbook.TrackingClient, run_id: str, key: str) -> list[int]:
    return [m.step for m in client.get_metric_history(run_id, key)]


def test_self_log_metrics_arrive_with_lightning_global_steps(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    logger = TrialbookLogger()
    fit(lit, fast, logger)
    assert steps(client, logger.run_id, "train_loss_step") == list(range(EPOCHS * BATCHES))
    epoch_ends = [BATCHES * (e + 1) - 1 for e in range(EPOCHS)]
    assert steps(client, logger.run_id, "train_loss_epoch") == epoch_ends
    assert steps(client, logger.run_id, "val_loss") == epoch_ends


def test_finalize_ends_the_run_finished(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    logger = TrialbookLogger()
    fit(lit, fast, logger)
    assert client.get_run(logger.run_id).info.status is RunStatus.FINISHED
    assert trialbook.active_run() is None


def test_finalize_ends_the_run_failed_when_training_raises(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    logger = TrialbookLogger()
    with pytest.raises(RuntimeError, match="boom"):
        fit(lit, fast, logger, model=lit.Failing())
    assert client.get_run(logger.run_id).info.status is RunStatus.FAILED


def test_hyperparameters_are_logged_flat(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    logger = TrialbookLogger()
    fit(lit, fast, logger, model=lit.TinyModule(optim={"adam": {"betas": (0.9, 0.99)}}))
    params = client.get_run(logger.run_id).data.params
    assert params["lr"] == "0.05"
    assert params["optim/adam/betas"] == "(0.9, 0.99)"


def test_log_hyperparams_flattens_namespaces_and_cleans_keys(
    client: trialbook.TrackingClient,
) -> None:
    logger = TrialbookLogger()
    logger.log_hyperparams(Namespace(model=Namespace(depth=2), **{"weird key!": 1}))
    params = client.get_run(logger.run_id).data.params
    assert params == {"model/depth": "2", "weird key_": "1"}


def test_name_is_the_experiment_and_version_is_the_run_id(
    client: trialbook.TrackingClient,
) -> None:
    logger = TrialbookLogger(experiment_name="lightning-exp", run_name="first")
    run = client.get_run(logger.version)
    assert logger.name == "lightning-exp"
    assert client.get_experiment(run.info.experiment_id).name == "lightning-exp"
    assert run.info.run_name == "first"


def test_name_defaults_to_the_current_experiment() -> None:
    trialbook.set_experiment("current")
    assert TrialbookLogger().name == "current"


def test_experiment_is_a_tracking_client_for_the_run(client: trialbook.TrackingClient) -> None:
    logger = TrialbookLogger()
    logger.experiment.log_text(logger.run_id, "hello", "notes.txt")
    assert [f.path for f in client.list_artifacts(logger.run_id)] == ["notes.txt"]


def test_logger_logs_into_the_active_run_and_leaves_it_running(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    with trialbook.start_run() as run:
        logger = TrialbookLogger()
        fit(lit, fast, logger)
        assert logger.run_id == run.info.run_id
        assert client.get_run(run.info.run_id).info.status is RunStatus.RUNNING


def test_best_and_last_checkpoints_are_logged_after_saves(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    logger = TrialbookLogger()
    checkpoint = lit.pl.callbacks.ModelCheckpoint(monitor="val_loss", save_last=True)
    fit(lit, fast, logger, enable_checkpointing=True, callbacks=[checkpoint])
    repo = client.artifact_repository(logger.run_id)
    assert [f.path for f in repo.list("checkpoints")] == [
        "checkpoints/best.ckpt",
        "checkpoints/checkpoints.json",
        "checkpoints/last.ckpt",
    ]
    with repo.open("checkpoints/checkpoints.json") as handle:
        manifest = json.load(handle)
    assert manifest["best"] == checkpoint.best_model_path.rsplit("/", 1)[-1]
    assert manifest["best_model_score"] == pytest.approx(float(checkpoint.best_model_score))
    with open(checkpoint.best_model_path, "rb") as best, repo.open("checkpoints/best.ckpt") as got:
        assert got.read() == best.read()


def test_log_checkpoints_all_logs_every_saved_file(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    logger = TrialbookLogger(log_checkpoints="all")
    checkpoint = lit.pl.callbacks.ModelCheckpoint(save_top_k=-1, filename="{epoch}")
    fit(lit, fast, logger, enable_checkpointing=True, callbacks=[checkpoint])
    files = {f.path for f in client.list_artifacts(logger.run_id, "checkpoints")}
    expected = {f"checkpoints/epoch={e}.ckpt" for e in range(EPOCHS)}
    assert files == expected | {"checkpoints/checkpoints.json"}


def test_callback_next_to_the_logger_logs_into_its_run_without_duplicating_metrics(
    lit: SimpleNamespace, fast: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    logger = TrialbookLogger()
    fit(lit, fast, logger, callbacks=[TrialbookCallback()])
    assert len(trialbook.search_runs(output_format="list")) == 1
    run = client.get_run(logger.run_id)
    assert run.data.params["optimizer"] == "SGD"
    assert len(steps(client, logger.run_id, "val_loss")) == EPOCHS
    assert "model" in {f.path for f in client.list_artifacts(logger.run_id)}


def test_logging_failure_warns_and_training_completes(
    lit: SimpleNamespace,
    fast: dict[str, Any],
    client: trialbook.TrackingClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIALBOOK_AUTOLOG_STRICT", "0")
    logger = TrialbookLogger()
    tracker = logger.experiment.tracker

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("store unreachable")

    monkeypatch.setattr(tracker, "log_metrics", broken)
    with pytest.warns(AutologgingWarning, match="store unreachable"):
        trainer = fit(lit, fast, logger)
    assert trainer.current_epoch == EPOCHS
    assert client.get_run(logger.run_id).info.status is RunStatus.FINISHED


def test_pickled_and_deep_copied_loggers_log_into_the_same_run(
    client: trialbook.TrackingClient,
) -> None:
    logger = TrialbookLogger()
    copies = [pickle.loads(pickle.dumps(logger)), copy.deepcopy(logger)]
    for i, each in enumerate(copies):
        each.log_metrics({"x": float(i)}, step=i)
    assert type(copies[0]) is type(logger)
    assert steps(client, logger.run_id, "x") == [0, 1]
    assert len(trialbook.search_runs(output_format="list")) == 1
