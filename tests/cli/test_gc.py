from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import trialbook
from trialbook.cli.gc import parse_age
from trialbook.cli.main import cli
from trialbook.entities import RunStatus, ViewType
from trialbook.errors import RunNotFoundError


def log_run_with_artifact() -> str:
    trialbook.set_experiment("exp")
    with trialbook.start_run() as run:
        trialbook.log_param("p", 1)
        trialbook.log_metric("m", 1.0)
        trialbook.log_text("data", "files/data.txt")
    return run.info.run_id


def artifact_folder(run_id: str) -> Path:
    return Path(trialbook.TrackingClient().get_run(run_id).info.artifact_uri)


def test_gc_purges_the_rows_of_deleted_runs_only(runner: CliRunner) -> None:
    kept, purged = log_run_with_artifact(), log_run_with_artifact()
    client = trialbook.TrackingClient()
    client.delete_run(purged)

    result = runner.invoke(cli, ["gc"])

    assert result.exit_code == 0, result.output
    with pytest.raises(RunNotFoundError):
        client.get_run(purged)
    assert client.get_run(kept).data.params == {"p": "1"}
    assert client.get_metric_history(kept, "m")


def test_gc_removes_the_artifacts_of_deleted_runs_only(runner: CliRunner) -> None:
    kept, purged = log_run_with_artifact(), log_run_with_artifact()
    kept_folder, purged_folder = artifact_folder(kept), artifact_folder(purged)
    trialbook.TrackingClient().delete_run(purged)

    runner.invoke(cli, ["gc"])

    assert not purged_folder.parent.exists()
    assert (kept_folder / "files" / "data.txt").read_text() == "data"


def test_gc_purges_the_runs_of_deleted_experiments(runner: CliRunner) -> None:
    run_id = log_run_with_artifact()
    client = trialbook.TrackingClient()
    client.delete_experiment(client.get_run(run_id).info.experiment_id)

    runner.invoke(cli, ["gc"])

    with pytest.raises(RunNotFoundError):
        client.get_run(run_id)


def test_gc_dry_run_lists_runs_and_changes_nothing(runner: CliRunner) -> None:
    run_id = log_run_with_artifact()
    folder = artifact_folder(run_id)
    client = trialbook.TrackingClient()
    client.delete_run(run_id)

    result = runner.invoke(cli, ["gc", "--dry-run"])

    assert run_id in result.output
    assert client.get_run(run_id).info.run_id == run_id
    assert folder.exists()


def test_gc_older_than_keeps_recently_deleted_runs(runner: CliRunner) -> None:
    run_id = log_run_with_artifact()
    client = trialbook.TrackingClient()
    client.delete_run(run_id)

    result = runner.invoke(cli, ["gc", "--older-than", "1d"])

    assert result.exit_code == 0, result.output
    assert client.get_run(run_id).info.run_id == run_id


def test_gc_marks_runs_whose_process_died_as_killed(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = trialbook.TrackingClient()
    experiment = trialbook.set_experiment("exp")
    monkeypatch.setenv("TRIALBOOK_HEARTBEAT_TIMEOUT", str(10 * 86400))  # alive while created
    two_hours_ago = int(time.time() * 1000) - 2 * 3600 * 1000
    orphan = client.create_run(experiment.experiment_id, start_time=two_hours_ago)
    monkeypatch.setenv("TRIALBOOK_HEARTBEAT_TIMEOUT", "60")

    result = runner.invoke(cli, ["gc"])

    assert result.exit_code == 0, result.output
    assert "Marked 1 run whose process died as KILLED" in result.output
    found = client.search_runs([experiment.experiment_id], run_view_type=ViewType.ALL).runs
    assert [r.info.status for r in found if r.info.run_id == orphan.info.run_id] == [
        RunStatus.KILLED
    ]


@pytest.mark.parametrize(
    ("text", "seconds"), [("30d", 30 * 86400), ("12h", 43200), ("2w", 1209600)]
)
def test_parse_age_reads_a_number_and_a_unit(text: str, seconds: float) -> None:
    assert parse_age(text) == seconds


def test_gc_rejects_a_malformed_age(runner: CliRunner) -> None:
    log_run_with_artifact()

    result = runner.invoke(cli, ["gc", "--older-than", "soon"])

    assert result.exit_code == 2
    assert "'soon' is not an age" in result.output


def deleted_run_with_registered_model() -> str:
    """A deleted run whose model is version 1 of the registered model ``fraud``."""
    with trialbook.start_run() as run:
        info = trialbook.log_model({"weights": [1, 2]}, "model")
    trialbook.register_model(info.model_uri, "fraud")
    trialbook.TrackingClient().delete_run(run.info.run_id)
    return run.info.run_id


def test_gc_keeps_a_deleted_run_whose_model_is_registered(runner: CliRunner) -> None:
    run_id = deleted_run_with_registered_model()

    result = runner.invoke(cli, ["gc"])

    assert result.exit_code == 0, result.output
    assert "fraud v1" in result.output
    assert trialbook.load_model("models:/fraud/1") == {"weights": [1, 2]}
    assert trialbook.TrackingClient().get_run(run_id).info.run_id == run_id


def test_gc_purges_that_run_once_its_version_is_deleted(runner: CliRunner) -> None:
    run_id = deleted_run_with_registered_model()
    trialbook.TrackingClient().delete_model_version("fraud", 1)

    runner.invoke(cli, ["gc"])

    with pytest.raises(RunNotFoundError):
        trialbook.TrackingClient().get_run(run_id)
