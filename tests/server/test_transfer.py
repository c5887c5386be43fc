"""``trialbook sync`` and ``trialbook import-mlflow``: runs keep their ids, nothing twice."""

from __future__ import annotations

import math
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import trialbook
from trialbook.entities import RunStatus
from trialbook.tracking import reproducibility
from trialbook.transfer.copy import COPIED_TAG
from trialbook.transfer.mlflow import import_mlflow
from trialbook.transfer.sync import sync


@pytest.fixture(autouse=True)
def no_context_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(reproducibility.DISABLE_ENV_VAR, "1")


@pytest.fixture
def local_uri(tmp_path: Path) -> str:
    return str(tmp_path / "laptop")


def log_local_run(uri: str, experiment: str, tmp_path: Path, finish: bool = True) -> str:
    client = trialbook.TrackingClient(uri)
    experiment_id = client.store.get_or_create_experiment(experiment).experiment_id
    run_id = client.create_run(
        experiment_id, run_name="offline", tags={"host": "laptop"}
    ).info.run_id
    client.log_batch(run_id, params={"lr": 0.01})
    for step in range(300):
        client.log_metric(run_id, "loss", 1.0 / (step + 1), step=step)
    client.log_metric(run_id, "odd", math.nan, step=0)
    (tmp_path / "weights.bin").write_bytes(b"\x00\x01" * 5000)
    client.log_artifact(run_id, tmp_path / "weights.bin", "model")
    if finish:
        client.set_terminated(run_id)
    client.flush()
    return run_id


def test_sync_copies_finished_runs_with_their_ids_data_and_artifacts(
    server_uri: str, local_uri: str, tmp_path: Path
) -> None:
    experiment = f"offline-{uuid.uuid4().hex[:8]}"
    run_id = log_local_run(local_uri, experiment, tmp_path)
    report = sync(local_uri, server_uri, [experiment])
    assert (report.copied, report.points, report.files) == (1, 301, 1)
    server = trialbook.TrackingClient(server_uri)
    run = server.get_run(run_id)
    assert run.info.status is RunStatus.FINISHED
    assert run.data.params == {"lr": "0.01"}
    assert run.data.tags["host"] == "laptop"
    assert COPIED_TAG in run.data.tags
    assert [m.step for m in server.get_metric_history(run_id, "loss")] == list(range(300))
    assert math.isnan(server.get_metric_history(run_id, "odd")[0].value)
    with server.artifact_repository(run_id).open("model/weights.bin") as handle:
        assert handle.read() == b"\x00\x01" * 5000


def test_sync_copies_the_runs_dataset_inputs(
    server_uri: str, local_uri: str, tmp_path: Path
) -> None:
    experiment = f"inputs-{uuid.uuid4().hex[:8]}"
    run_id = log_local_run(local_uri, experiment, tmp_path, finish=False)
    local = trialbook.TrackingClient(local_uri)
    dataset = trialbook.data.from_numpy([[1.0, 2.0], [3.0, 4.0]], name="pairs")
    local.log_input(run_id, dataset, context="training")
    local.set_terminated(run_id)
    sync(local_uri, server_uri, [experiment])
    found = trialbook.TrackingClient(server_uri).get_run(run_id).inputs.dataset_inputs
    assert [(i.dataset.digest, i.context) for i in found] == [(dataset.digest, "training")]


def test_syncing_twice_copies_nothing_twice(
    server_uri: str, local_uri: str, tmp_path: Path
) -> None:
    experiment = f"twice-{uuid.uuid4().hex[:8]}"
    run_id = log_local_run(local_uri, experiment, tmp_path)
    sync(local_uri, server_uri, [experiment])
    again = sync(local_uri, server_uri, [experiment])
    assert (again.copied, again.skipped) == (0, 1)
    assert len(trialbook.TrackingClient(server_uri).get_metric_history(run_id, "loss")) == 300


def test_interrupted_sync_resumes_without_duplicates(
    server_uri: str, local_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trialbook.store.rest.artifacts import HttpArtifactRepository

    experiment = f"resume-{uuid.uuid4().hex[:8]}"
    run_id = log_local_run(local_uri, experiment, tmp_path)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise ConnectionError("network gone")

    with monkeypatch.context() as patch:
        patch.setattr(HttpArtifactRepository, "log_dir", broken)
        with pytest.raises(ConnectionError):
            sync(local_uri, server_uri, [experiment])
    report = sync(local_uri, server_uri, [experiment])
    assert report.copied == 1
    assert len(trialbook.TrackingClient(server_uri).get_metric_history(run_id, "loss")) == 300


def test_running_runs_are_left_for_a_later_sync(
    server_uri: str, local_uri: str, tmp_path: Path
) -> None:
    experiment = f"running-{uuid.uuid4().hex[:8]}"
    log_local_run(local_uri, experiment, tmp_path, finish=False)
    report = sync(local_uri, server_uri, [experiment])
    assert (report.copied, report.running) == (0, 1)


def test_sync_command_prints_what_it_copied(
    server_uri: str, local_uri: str, tmp_path: Path
) -> None:
    from trialbook.cli.main import cli

    experiment = f"cli-{uuid.uuid4().hex[:8]}"
    log_local_run(local_uri, experiment, tmp_path)
    result = CliRunner().invoke(
        cli, ["--tracking-uri", local_uri, "sync", "--to", server_uri, "--experiment", experiment]
    )
    assert result.exit_code == 0, result.output
    assert "Copied 1 run(s)" in result.output


# MLflow ---------------------------------------------------------------------------------------

RUN = "0123456789abcdef0123456789abcdef"
CHILD = "fedcba9876543210fedcba9876543210"


def write_yaml(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))


def make_mlruns(root: Path) -> Path:
    """An MLflow file store as MLflow 2.x writes it: one experiment, two runs, one deleted."""
    experiment = root / "mlruns" / "1"
    write_yaml(
        experiment / "meta.yaml",
        {
            "experiment_id": "1",
            "name": "ml-exp",
            "lifecycle_stage": "active",
            "artifact_location": f"file://{experiment}",
            "creation_time": 1,
            "last_update_time": 1,
        },
    )
    (experiment / "tags").mkdir()
    (experiment / "tags" / "team").write_text("vision")
    for run_id, status, deleted in ((RUN, 3, False), (CHILD, 4, False), ("d" * 32, 3, True)):
        folder = experiment / run_id
        write_yaml(
            folder / "meta.yaml",
            {
                "run_id": run_id,
                "run_uuid": run_id,
                "run_name": f"name-{run_id[:4]}",
                "experiment_id": "1",
                "status": status,
                "start_time": 1000,
                "end_time": 2000,
                "lifecycle_stage": "deleted" if deleted else "active",
                "user_id": "ann",
                "artifact_uri": f"file://{folder}/artifacts",
                "source_type": 4,
                "tags": [],
            },
        )
        (folder / "params").mkdir()
        (folder / "params" / "lr").write_text("0.1")
        (folder / "tags").mkdir()
        (folder / "tags" / "mlflow.runName").write_text(f"name-{run_id[:4]}")
        (folder / "metrics" / "train").mkdir(parents=True)
        lines = [f"{1000 + s} {0.5 / (s + 1)} {s}" for s in range(50)]
        (folder / "metrics" / "train" / "loss").write_text("\n".join(lines) + "\n")
        (folder / "artifacts" / "model").mkdir(parents=True)
        (folder / "artifacts" / "model" / "MLmodel").write_text("flavors: {}\n")
    (experiment / CHILD / "tags" / "mlflow.parentRunId").write_text(RUN)
    (experiment / CHILD / "tags" / "mlflow.note.content").write_text("a note")
    return root / "mlruns"


def test_mlflow_file_store_is_imported_with_history_and_artifacts(
    tmp_path: Path, isolated_store: Path
) -> None:
    report = import_mlflow(str(make_mlruns(tmp_path)), str(isolated_store))
    assert report.copied == 2
    client = trialbook.TrackingClient(str(isolated_store))
    run = client.get_run(RUN)
    assert run.info.run_name == "name-0123"
    assert run.data.params == {"lr": "0.1"}
    assert run.data.tags["mlflow.runName"] == "name-0123"
    history = client.get_metric_history(RUN, "train/loss")
    assert [m.step for m in history] == list(range(50))
    assert history[0].timestamp == 1000
    assert [f.path for f in client.list_artifacts(RUN, "model")] == ["model/MLmodel"]
    child = client.get_run(CHILD)
    assert (child.info.status, child.info.parent_run_id) == (RunStatus.FAILED, RUN)
    assert child.info.description == "a note"
    experiment = client.get_experiment(run.info.experiment_id)
    assert (experiment.name, experiment.tags) == ("ml-exp", {"team": "vision"})


def test_importing_mlflow_twice_copies_nothing_twice(tmp_path: Path, isolated_store: Path) -> None:
    mlruns = make_mlruns(tmp_path)
    import_mlflow(str(mlruns), str(isolated_store))
    again = import_mlflow(str(mlruns), str(isolated_store))
    assert (again.copied, again.skipped) == (0, 2)
    client = trialbook.TrackingClient(str(isolated_store))
    assert len(client.get_metric_history(RUN, "train/loss")) == 50


def make_mlflow_db(path: Path, artifacts: Path) -> str:
    """The tables of MLflow's SQL store that the importer reads, with one run."""
    (artifacts / "plots").mkdir(parents=True)
    (artifacts / "plots" / "roc.txt").write_text("curve")
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT,
            artifact_location TEXT, lifecycle_stage TEXT, creation_time INTEGER,
            last_update_time INTEGER);
        CREATE TABLE experiment_tags (key TEXT, value TEXT, experiment_id INTEGER);
        CREATE TABLE runs (run_uuid TEXT PRIMARY KEY, name TEXT, source_type TEXT,
            source_name TEXT, entry_point_name TEXT, user_id TEXT, status TEXT,
            start_time INTEGER, end_time INTEGER, source_version TEXT, lifecycle_stage TEXT,
            artifact_uri TEXT, experiment_id INTEGER, deleted_time INTEGER);
        CREATE TABLE params (key TEXT, value TEXT, run_uuid TEXT);
        CREATE TABLE tags (key TEXT, value TEXT, run_uuid TEXT);
        CREATE TABLE metrics (key TEXT, value REAL, timestamp INTEGER, run_uuid TEXT,
            step INTEGER, is_nan BOOLEAN);
        """
    )
    db.execute("INSERT INTO experiments VALUES (0, 'Default', '', 'active', 1, 1)")
    db.execute(
        "INSERT INTO runs VALUES (?, 'sql-run', '', '', '', 'bob', 'FINISHED', 5, 9, '', "
        "'active', ?, 0, NULL)",
        (RUN, str(artifacts)),
    )
    db.execute("INSERT INTO params VALUES ('depth', '4', ?)", (RUN,))
    db.executemany(
        "INSERT INTO metrics VALUES ('acc', ?, ?, ?, ?, ?)",
        [(0.0 if s == 2 else s / 10, 100 + s, RUN, s, s == 2) for s in range(5)],
    )
    db.commit()
    db.close()
    return f"sqlite:///{path}"


def test_mlflow_database_is_imported(tmp_path: Path, isolated_store: Path) -> None:
    uri = make_mlflow_db(tmp_path / "mlflow.db", tmp_path / "mlartifacts")
    report = import_mlflow(uri, str(isolated_store))
    assert (report.copied, report.points, report.files) == (1, 5, 1)
    client = trialbook.TrackingClient(str(isolated_store))
    run = client.get_run(RUN)
    assert (run.info.run_name, run.info.user_id, run.info.end_time) == ("sql-run", "bob", 9)
    values = [m.value for m in client.get_metric_history(RUN, "acc")]
    assert math.isnan(values[2])
    assert values[4] == 0.4


def test_import_command_into_a_server(server_uri: str, tmp_path: Path) -> None:
    from trialbook.cli.main import cli

    mlruns = make_mlruns(tmp_path)
    result = CliRunner().invoke(cli, ["--tracking-uri", server_uri, "import-mlflow", str(mlruns)])
    assert result.exit_code == 0, result.output
    run = trialbook.TrackingClient(server_uri).get_run(CHILD)
    assert run.info.parent_run_id == RUN
