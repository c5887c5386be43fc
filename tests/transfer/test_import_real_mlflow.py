"""``import-mlflow`` against stores written by real MLflow (file store and SQLite).

The stores and their ``expected.json`` (what was logged, with the ids MLflow chose) come from
``fixtures/make_mlflow_stores.py``; regenerate them with that script. The importer keeps the
ids of finished active runs, leaves running ones for later, skips deleted runs and deleted
experiments, and copies MLflow 3 logged models into their run's artifacts under their name.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import trialbook
from trialbook.entities import RunStatus, ViewType
from trialbook.tracking import reproducibility
from trialbook.transfer.copy import COPIED_TAG, Report
from trialbook.transfer.mlflow import import_mlflow

FIXTURES = Path(__file__).parent / "fixtures" / "mlflow-3.17.2"
TERMINAL = {"FINISHED", "FAILED", "KILLED"}


@dataclass(frozen=True)
class Source:
    """A copy of one fixture store: its URI and the generator's record of it."""

    kind: str
    uri: str
    expected: dict[str, Any]

    def runs(self, imported: bool = True) -> list[dict[str, Any]]:
        """The logged runs the importer copies (or, with ``imported=False``, leaves out)."""
        deleted = set(self.expected["deleted_experiments"].values())
        return [
            run
            for run in self.expected["runs"]
            if imported
            == (
                run["lifecycle_stage"] == "active"
                and run["status"] in TERMINAL
                and run["experiment_id"] not in deleted
            )
        ]


@pytest.fixture(autouse=True)
def no_context_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(reproducibility.DISABLE_ENV_VAR, "1")


@pytest.fixture(params=["file", "sqlite"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Source:
    import json

    folder = tmp_path / "mlflow"
    shutil.copytree(FIXTURES / request.param, folder)
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    if request.param == "file":
        return Source("file", str(folder / "mlruns"), expected)
    return Source("sqlite", f"sqlite:///{folder / 'mlflow.db'}", expected)


@pytest.fixture
def report(source: Source, isolated_store: Path) -> Report:
    return import_mlflow(source.uri, str(isolated_store))


@pytest.fixture
def client(report: Report, isolated_store: Path) -> trialbook.TrackingClient:
    return trialbook.TrackingClient(str(isolated_store))


def bits(value: float) -> bytes:
    return struct.pack("<d", value)


def logged_points(source: Source, points: list[Any]) -> list[tuple[int, bytes, int]]:
    """(step, value bits, timestamp) of logged points, as the store can hold them.

    SQLite keeps no sign on zero, so MLflow's SQLite store holds -0.0 as 0.0; every other
    value, NaN and +/-inf included, must come through bit for bit.
    """
    expected = []
    for step, text, timestamp in points:
        value = float.fromhex(text)
        if source.kind == "sqlite" and value == 0.0:
            value = 0.0
        expected.append((step, bits(value), timestamp))
    return expected


def artifact_digests(client: trialbook.TrackingClient, run_id: str) -> dict[str, Any]:
    """Every artifact file of a run: {path: {size, sha256}}."""
    repo = client.artifact_repository(run_id)
    found: dict[str, Any] = {}
    pending = [""]
    while pending:
        for entry in client.list_artifacts(run_id, pending.pop() or None):
            if entry.is_dir:
                pending.append(entry.path)
                continue
            with repo.open(entry.path) as handle:
                data = handle.read()
            found[entry.path] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return found


def test_report_counts_the_copied_and_the_running_runs(source: Source, report: Report) -> None:
    points = sum(len(h) for run in source.runs() for h in run["metrics"].values())
    files = sum(len(run["artifacts"]) for run in source.runs())
    assert (report.copied, report.skipped, report.running) == (len(source.runs()), 0, 1)
    assert (report.points, report.files, report.problems) == (points, files, [])


def test_active_experiments_are_imported_with_their_tags(
    source: Source, client: trialbook.TrackingClient
) -> None:
    for logged in source.expected["experiments"]:
        experiment = client.get_experiment_by_name(logged["name"])
        assert experiment is not None
        assert dict(experiment.tags) == logged["tags"]


def test_deleted_experiments_are_not_imported(
    source: Source, client: trialbook.TrackingClient
) -> None:
    names = {e.name for e in client.search_experiments(ViewType.ALL)}
    assert names.isdisjoint(source.expected["deleted_experiments"])


def test_runs_keep_their_ids_names_experiments_and_times(
    source: Source, client: trialbook.TrackingClient
) -> None:
    for logged in source.runs():
        run = client.get_run(logged["run_id"])
        experiment = client.get_experiment(run.info.experiment_id)
        logged_experiment = next(
            e
            for e in source.expected["experiments"]
            if e["experiment_id"] == logged["experiment_id"]
        )
        assert run.info.run_name == logged["run_name"]
        assert experiment.name == logged_experiment["name"]
        assert (run.info.start_time, run.info.end_time) == (
            logged["start_time"],
            logged["end_time"],
        )
        assert run.info.user_id == logged["user_id"]


def test_runs_keep_their_final_status(source: Source, client: trialbook.TrackingClient) -> None:
    statuses = {run["run_id"]: RunStatus(run["status"]) for run in source.runs()}
    assert {run_id: client.get_run(run_id).info.status for run_id in statuses} == statuses
    assert set(statuses.values()) == {RunStatus.FINISHED, RunStatus.FAILED, RunStatus.KILLED}


def test_child_run_points_to_its_parent(source: Source, client: trialbook.TrackingClient) -> None:
    children = [run for run in source.runs() if run["parent_run_id"]]
    assert children
    for logged in children:
        assert client.get_run(logged["run_id"]).info.parent_run_id == logged["parent_run_id"]


def test_note_becomes_the_description(source: Source, client: trialbook.TrackingClient) -> None:
    for logged in source.runs():
        assert client.get_run(logged["run_id"]).info.description == logged["description"]


def test_deleted_runs_and_runs_of_deleted_experiments_are_not_imported(
    source: Source, client: trialbook.TrackingClient
) -> None:
    left_out = {run["run_name"] for run in source.runs(imported=False)}
    assert left_out == {"discarded", "in-progress", "orphan"}
    everything = {e.experiment_id for e in client.search_experiments(ViewType.ALL)}
    runs = client.search_runs(sorted(everything), run_view_type=ViewType.ALL).runs
    imported = {run.info.run_id for run in runs}
    assert imported == {run["run_id"] for run in source.runs()}


def test_params_are_imported_whole(source: Source, client: trialbook.TrackingClient) -> None:
    for logged in source.runs():
        assert dict(client.get_run(logged["run_id"]).data.params) == logged["params"]
    assert any(len(v) == 5000 for run in source.runs() for v in run["params"].values())


def test_tags_are_imported_and_marked_copied(
    source: Source, client: trialbook.TrackingClient
) -> None:
    for logged in source.runs():
        tags = dict(client.get_run(logged["run_id"]).data.tags)
        assert COPIED_TAG in tags
        del tags[COPIED_TAG]
        assert tags == logged["tags"]


def test_metric_histories_are_bit_exact(source: Source, client: trialbook.TrackingClient) -> None:
    for logged in source.runs():
        run_id = logged["run_id"]
        keys = {s.key for s in client.get_metric_summaries(run_id)}
        assert keys == set(logged["metrics"])
        for key, points in logged["metrics"].items():
            history = client.get_metric_history(run_id, key)
            got = [(m.step, bits(m.value), m.timestamp) for m in history]
            assert got == logged_points(source, points), key


def test_artifacts_are_imported_byte_for_byte(
    source: Source, client: trialbook.TrackingClient
) -> None:
    for logged in source.runs():
        assert artifact_digests(client, logged["run_id"]) == logged["artifacts"]


def test_logged_model_lands_in_its_run_artifacts(
    source: Source, client: trialbook.TrackingClient
) -> None:
    model = source.expected["model"]
    if model is None:
        pytest.skip("the fixture was generated without scikit-learn")
    names = [f.path for f in client.list_artifacts(model["run_id"], model["name"])]
    assert f"{model['name']}/MLmodel" in names


def test_importing_twice_creates_nothing_twice(
    source: Source, client: trialbook.TrackingClient, isolated_store: Path
) -> None:
    experiments = client.search_experiments(ViewType.ALL)
    again = import_mlflow(source.uri, str(isolated_store))
    assert (again.copied, again.skipped, again.points, again.files) == (
        0,
        len(source.runs()),
        0,
        0,
    )
    assert client.search_experiments(ViewType.ALL) == experiments
    for logged in source.runs():
        for key, points in logged["metrics"].items():
            assert len(client.get_metric_history(logged["run_id"], key)) == len(points)
        assert artifact_digests(client, logged["run_id"]) == logged["artifacts"]


def test_import_command_copies_the_store(source: Source, isolated_store: Path) -> None:
    from trialbook.cli.main import cli

    result = CliRunner().invoke(
        cli, ["--tracking-uri", str(isolated_store), "import-mlflow", source.uri]
    )
    assert result.exit_code == 0, result.output
    assert f"Copied {len(source.runs())} run(s)" in result.output
    client = trialbook.TrackingClient(str(isolated_store))
    for logged in source.runs():
        assert client.get_run(logged["run_id"]).info.status is RunStatus(logged["status"])


def test_nan_and_infinities_are_imported_as_logged(
    source: Source, client: trialbook.TrackingClient
) -> None:
    for logged in source.runs():
        for key, points in logged["metrics"].items():
            special = {(s, v) for s, v, _t in points if v in ("nan", "inf", "-inf")}
            history = client.get_metric_history(logged["run_id"], key)
            got = {(m.step, float(m.value).hex()) for m in history}
            assert special <= got, key
