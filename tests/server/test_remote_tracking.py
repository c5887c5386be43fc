"""The Python API, unchanged, logging to a live server (TRIALBOOK_TRACKING_URI=http://...)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

import trialbook
from trialbook.errors import ArtifactNotFoundError, ParamConflictError, RunNotFoundError
from trialbook.server import ARTIFACTS_SCHEME
from trialbook.store.base import Batch
from trialbook.store.rest.artifacts import HttpArtifactRepository
from trialbook.store.rest.store import RestStore
from trialbook.store.rest.transport import Transport


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_fluent_run_lands_on_the_server(server_uri: str) -> None:
    trialbook.set_experiment(unique("fluent"))
    with trialbook.start_run(tags={"team": "a"}) as run:
        trialbook.log_params({"lr": 0.1, "layers": 3})
        for step in range(100):
            trialbook.log_metric("loss", 1.0 / (step + 1), step=step)
        trialbook.log_metric("gap", float("nan"))
    found = trialbook.TrackingClient().get_run(run.info.run_id)
    assert found.info.status.value == "FINISHED"
    assert found.data.params == {"lr": "0.1", "layers": "3"}
    assert found.data.metrics["loss"] == 0.01
    assert found.data.tags["team"] == "a"
    history = trialbook.TrackingClient().get_metric_history(run.info.run_id, "loss")
    assert [m.step for m in history] == list(range(100))


def test_runs_are_found_by_search_with_the_filter_language(server_uri: str) -> None:
    experiment = trialbook.set_experiment(unique("search"))
    for lr in (0.1, 0.2, 0.3):
        with trialbook.start_run():
            trialbook.log_param("lr", lr)
            trialbook.log_metric("acc", lr * 2)
    frame = trialbook.search_runs(
        [experiment.experiment_id], filter_string="metrics.acc > 0.3", order_by=["metrics.acc"]
    )
    assert frame["params.lr"].tolist() == ["0.2", "0.3"]


def test_artifact_uri_names_the_server_not_its_storage(server_uri: str) -> None:
    with trialbook.start_run() as run:
        pass
    assert run.info.artifact_uri.startswith(f"{ARTIFACTS_SCHEME}/")


def test_artifacts_round_trip_through_the_server(server_uri: str, tmp_path: Path) -> None:
    folder = tmp_path / "outputs"
    (folder / "nested").mkdir(parents=True)
    (folder / "a.txt").write_text("alpha")
    (folder / "nested" / "b.bin").write_bytes(bytes(range(256)) * 1000)
    with trialbook.start_run() as run:
        trialbook.log_artifacts(str(folder), "results")
        trialbook.log_text("hello", "notes/readme.md")
        trialbook.log_dict({"a": 1}, "config.yaml")
    client = trialbook.TrackingClient()
    run_id = run.info.run_id
    assert [f.path for f in client.list_artifacts(run_id, "results")] == [
        "results/a.txt",
        "results/nested",
    ]
    local = Path(client.download_artifacts(run_id, "results", str(tmp_path / "down")))
    assert (local / "nested" / "b.bin").read_bytes() == bytes(range(256)) * 1000
    repo = client.artifact_repository(run_id)
    assert isinstance(repo, HttpArtifactRepository)
    with repo.open("notes/readme.md") as handle:
        assert handle.read() == b"hello"
    assert repo.size("results/nested/b.bin") == 256_000
    assert repo.exists("config.yaml")
    with pytest.raises(ArtifactNotFoundError):
        repo.size("missing.txt")


def test_model_logged_through_the_server_loads_back(server_uri: str) -> None:
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit([[0.0], [1.0], [2.0]], [0.0, 2.0, 4.0])
    with trialbook.start_run():
        info = trialbook.log_model(model, "model")
    loaded = trialbook.load_model(info.model_uri)
    assert loaded.predict([[3.0]])[0] == pytest.approx(6.0)


@pytest.mark.sklearn
def test_sklearn_autolog_logs_to_the_server(server_uri: str) -> None:
    from sklearn.tree import DecisionTreeClassifier

    trialbook.autolog(log_models=False)
    try:
        with trialbook.start_run() as run:
            DecisionTreeClassifier(max_depth=2).fit([[0], [1], [2], [3]], [0, 0, 1, 1])
    finally:
        trialbook.autolog(disable=True)
    found = trialbook.TrackingClient().get_run(run.info.run_id)
    assert found.data.params["max_depth"] == "2"
    assert "training_accuracy_score" in found.data.metrics


def test_log_metric_sends_nothing_from_the_calling_thread(
    server_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    senders: list[int] = []
    original = Transport.send

    def spy(self: Transport, *args: Any, **kwargs: Any) -> Any:
        senders.append(threading.get_ident())
        return original(self, *args, **kwargs)

    with trialbook.start_run():
        monkeypatch.setattr(Transport, "send", spy)
        for step in range(10_000):
            trialbook.log_metric("x", float(step))
        assert threading.get_ident() not in senders


def test_param_conflict_on_the_server_keeps_its_class(server_uri: str) -> None:
    store = RestStore(server_uri)
    try:
        experiment_id = store.get_or_create_experiment(unique("conflict")).experiment_id
        run_id = store.create_run(experiment_id, "r", 0).info.run_id
        store.write_batch(Batch(params=[(run_id, "lr", "0.1")]))
        with pytest.raises(ParamConflictError) as raised:
            store.write_batch(Batch(params=[(run_id, "lr", "0.2")]))
        assert raised.value.old_value == "0.1"
        with pytest.raises(RunNotFoundError):
            store.get_run("0" * 32)
    finally:
        store.close()


def test_creating_a_run_with_a_taken_id_is_refused(server_uri: str) -> None:
    from trialbook.errors import RunExistsError

    store = RestStore(server_uri)
    try:
        experiment_id = store.get_or_create_experiment(unique("taken")).experiment_id
        run_id = store.create_run(experiment_id, "r", 0).info.run_id
        with pytest.raises(RunExistsError):
            store.create_run(experiment_id, "again", 0, run_id=run_id)
    finally:
        store.close()


def test_gc_through_the_server_purges_runs_and_their_artifacts(
    server_uri: str, live_server: Any
) -> None:
    from click.testing import CliRunner

    from trialbook.cli.main import cli

    with trialbook.start_run() as run:
        trialbook.log_text("bye", "note.txt")
    client = trialbook.TrackingClient()
    client.delete_run(run.info.run_id)
    stored = list(Path(live_server.artifacts_destination).rglob(run.info.run_id))
    assert stored
    result = CliRunner().invoke(cli, ["--tracking-uri", server_uri, "gc"])
    assert result.exit_code == 0, result.output
    with pytest.raises(RunNotFoundError):
        client.get_run(run.info.run_id)
    assert not any(p.joinpath("artifacts", "note.txt").exists() for p in stored)
