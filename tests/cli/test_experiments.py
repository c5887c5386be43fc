from __future__ import annotations

from click.testing import CliRunner

import trialbook
from trialbook.cli.main import cli
from trialbook.entities import LifecycleStage


def make_experiment(name: str, runs: int) -> trialbook.Experiment:
    experiment = trialbook.set_experiment(name)
    for _ in range(runs):
        with trialbook.start_run():
            trialbook.log_metric("loss", 1.0)
    return experiment


def row_of(output: str, text: str) -> str:
    return next(line for line in output.splitlines() if f" {text} " in line)


def test_experiments_list_shows_each_experiment_with_its_run_count(runner: CliRunner) -> None:
    first = make_experiment("first", runs=2)
    second = make_experiment("second", runs=1)
    stats = trialbook.TrackingClient().store.experiment_stats()

    result = runner.invoke(cli, ["experiments", "list"])

    assert result.exit_code == 0, result.output
    for experiment in (first, second):
        row = row_of(result.output, experiment.name)
        assert experiment.experiment_id in row.split()
        assert str(stats[experiment.experiment_id][0]) in row.split()
        assert experiment.artifact_location in row


def test_experiments_list_hides_deleted_experiments(runner: CliRunner) -> None:
    make_experiment("kept", runs=0)
    gone = make_experiment("gone", runs=0)
    trialbook.TrackingClient().delete_experiment(gone.experiment_id)

    result = runner.invoke(cli, ["experiments", "list"])

    assert result.exit_code == 0, result.output
    assert " kept " in result.output
    assert " gone " not in result.output


def test_experiments_list_deleted_shows_only_deleted_experiments(runner: CliRunner) -> None:
    make_experiment("kept", runs=0)
    gone = make_experiment("gone", runs=0)
    trialbook.TrackingClient().delete_experiment(gone.experiment_id)

    result = runner.invoke(cli, ["experiments", "list", "--deleted"])

    assert " gone " in result.output
    assert " kept " not in result.output


def test_experiments_list_all_shows_the_lifecycle_stage(runner: CliRunner) -> None:
    make_experiment("kept", runs=0)
    gone = make_experiment("gone", runs=0)
    trialbook.TrackingClient().delete_experiment(gone.experiment_id)

    result = runner.invoke(cli, ["experiments", "list", "--all"])

    assert LifecycleStage.DELETED.value in row_of(result.output, "gone")
    assert LifecycleStage.ACTIVE.value in row_of(result.output, "kept")


def test_experiments_create_makes_an_experiment_with_that_name(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["experiments", "create", "fresh"])

    assert result.exit_code == 0, result.output
    created = trialbook.TrackingClient().get_experiment_by_name("fresh")
    assert created is not None
    assert created.experiment_id in result.output


def test_experiments_create_with_a_taken_name_exits_1(runner: CliRunner) -> None:
    make_experiment("taken", runs=0)

    result = runner.invoke(cli, ["experiments", "create", "taken"])

    assert result.exit_code == 1
    assert "'taken' exists already" in result.stderr
    assert "Traceback" not in result.output


def test_experiments_rename_by_name_changes_the_name(runner: CliRunner) -> None:
    experiment = make_experiment("old", runs=0)

    result = runner.invoke(cli, ["experiments", "rename", "old", "new"])

    assert result.exit_code == 0, result.output
    assert trialbook.TrackingClient().get_experiment(experiment.experiment_id).name == "new"


def test_experiments_delete_then_restore_by_id_round_trips(runner: CliRunner) -> None:
    experiment = make_experiment("cycle", runs=1)
    client = trialbook.TrackingClient()

    deleted = runner.invoke(cli, ["experiments", "delete", experiment.experiment_id])
    stage_after_delete = client.get_experiment(experiment.experiment_id).lifecycle_stage
    restored = runner.invoke(cli, ["experiments", "restore", experiment.experiment_id])

    assert (deleted.exit_code, restored.exit_code) == (0, 0)
    assert stage_after_delete is LifecycleStage.DELETED
    assert client.get_experiment(experiment.experiment_id).lifecycle_stage is LifecycleStage.ACTIVE


def test_unknown_experiment_exits_1_naming_it(runner: CliRunner) -> None:
    make_experiment("real", runs=0)

    result = runner.invoke(cli, ["experiments", "delete", "imaginary"])

    assert result.exit_code == 1
    assert "'imaginary'" in result.stderr
