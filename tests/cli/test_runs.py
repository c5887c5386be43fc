from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import trialbook
from trialbook.cli import render
from trialbook.cli.main import cli
from trialbook.entities import LifecycleStage, Run
from trialbook.tracking import reproducibility


def log_run(name: str, lr: float, losses: list[float], **tags: str) -> Run:
    trialbook.set_experiment("exp")
    with trialbook.start_run(run_name=name, tags=tags) as run:
        trialbook.log_params({"lr": lr, "model": "rf"})
        for loss in losses:
            trialbook.log_metric("loss", loss)
    return trialbook.TrackingClient().get_run(run.info.run_id)


def line_with(output: str, text: str) -> str:
    return next(line for line in output.splitlines() if text in line)


def test_runs_list_shows_each_run_with_its_metrics(runner: CliRunner) -> None:
    runs = [log_run("slow", 0.1, [0.9, 0.5]), log_run("fast", 0.3, [0.7, 0.2])]

    result = runner.invoke(cli, ["runs", "list"])

    assert result.exit_code == 0, result.output
    for run in runs:
        row = line_with(result.output, render.short_id(run.info.run_id))
        assert run.info.run_name in row
        assert run.info.status.value in row
        assert render.number(run.data.metrics["loss"]) in row.split()


def test_runs_list_wide_adds_every_param(runner: CliRunner) -> None:
    run = log_run("slow", 0.1, [0.9, 0.5])

    result = runner.invoke(cli, ["runs", "list", "--output", "wide"])

    row = line_with(result.output, render.short_id(run.info.run_id))
    assert run.data.params["lr"] in row.split()
    assert run.data.params["model"] in row.split()
    assert render.number(run.data.metrics["loss"]) in row.split()


def test_runs_list_filter_keeps_only_matching_runs(runner: CliRunner) -> None:
    kept = log_run("kept", 0.1, [0.1])
    dropped = log_run("dropped", 0.3, [0.9])

    result = runner.invoke(cli, ["runs", "list", "--filter", "metrics.loss < 0.5"])

    assert render.short_id(kept.info.run_id) in result.output
    assert render.short_id(dropped.info.run_id) not in result.output


def test_runs_list_order_by_and_max_keep_the_best_runs(runner: CliRunner) -> None:
    runs = [log_run(f"r{i}", 0.1 * i, [loss]) for i, loss in enumerate([0.4, 0.1, 0.3])]
    best = sorted(runs, key=lambda r: r.data.metrics["loss"])[:2]
    worst = sorted(runs, key=lambda r: r.data.metrics["loss"])[2]

    result = runner.invoke(cli, ["runs", "list", "-o", "metrics.loss ASC", "--max", "2"])

    ids = [render.short_id(r.info.run_id) for r in best]
    positions = [result.output.index(i) for i in ids]
    assert positions == sorted(positions)
    assert render.short_id(worst.info.run_id) not in result.output


def test_runs_list_full_ids_shows_whole_run_ids(runner: CliRunner) -> None:
    run = log_run("one", 0.1, [0.5])

    result = runner.invoke(cli, ["runs", "list", "--full-ids"])

    assert run.info.run_id in result.output


def test_runs_list_columns_shows_the_chosen_tag(runner: CliRunner) -> None:
    run = log_run("tagged", 0.1, [0.5], team="vision")

    result = runner.invoke(cli, ["runs", "list", "--columns", "tags.team,params.model"])

    row = line_with(result.output, render.short_id(run.info.run_id))
    assert run.data.tags["team"] in row
    assert run.data.params["model"] in row
    assert "tags.team" in result.output


def test_runs_list_rejects_a_column_without_a_known_prefix(runner: CliRunner) -> None:
    log_run("one", 0.1, [0.5])

    result = runner.invoke(cli, ["runs", "list", "--columns", "lr"])

    assert result.exit_code == 2
    assert "'lr' is not params.<key>" in result.output


def test_runs_list_of_one_experiment_skips_the_others(runner: CliRunner) -> None:
    mine = log_run("mine", 0.1, [0.5])
    trialbook.set_experiment("other")
    with trialbook.start_run(run_name="theirs") as other:
        pass

    result = runner.invoke(cli, ["runs", "list", "--experiment", "exp"])

    assert render.short_id(mine.info.run_id) in result.output
    assert render.short_id(other.info.run_id) not in result.output


def test_runs_show_prints_info_params_and_metric_summaries(runner: CliRunner) -> None:
    run = log_run("detailed", 0.1, [0.9, 0.2, 0.5])
    (summary,) = trialbook.TrackingClient().get_metric_summaries(run.info.run_id)

    result = runner.invoke(cli, ["runs", "show", run.info.run_id])

    assert result.exit_code == 0, result.output
    assert run.info.run_name in line_with(result.output, "Name")
    assert run.info.artifact_uri in result.output
    assert run.data.params["lr"] in line_with(result.output, " lr ").split()
    row = line_with(result.output, " loss ").split()
    expected = [render.number(summary.latest), str(summary.step), render.number(summary.min)]
    assert row[1:4] == expected
    assert row[4:] == [render.number(summary.max), str(summary.count)]


def test_runs_show_lists_user_tags_before_trialbook_tags(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(reproducibility.DISABLE_ENV_VAR)
    run = log_run("tagged", 0.1, [0.5], team="vision")

    result = runner.invoke(cli, ["runs", "show", run.info.run_id])

    lines = [line.strip() for line in result.output.splitlines()]
    user_title = lines.index("Tags")
    own_title = next(i for i, line in enumerate(lines) if line.startswith("trialbook tags"))
    team_line = next(i for i, line in enumerate(lines) if line.startswith("team "))
    command_line = next(i for i, line in enumerate(lines) if reproducibility.SOURCE_COMMAND in line)
    assert user_title < team_line < own_title < command_line


def test_runs_show_draws_the_artifact_tree(runner: CliRunner, tmp_path: Path) -> None:
    trialbook.set_experiment("exp")
    with trialbook.start_run() as run:
        trialbook.log_text("hello", "notes/deep/readme.txt")

    result = runner.invoke(cli, ["runs", "show", run.info.run_id])

    tree = result.output[result.output.index("Artifacts") :]
    assert "notes/" in tree
    assert "deep/" in tree
    assert f"readme.txt  {render.size(len(b'hello'))}" in tree


def test_runs_show_accepts_a_unique_id_prefix(runner: CliRunner) -> None:
    run = log_run("prefixed", 0.1, [0.5])

    result = runner.invoke(cli, ["runs", "show", run.info.run_id[:6]])

    assert result.exit_code == 0, result.output
    assert f"Run {run.info.run_id}" in result.output


def test_runs_show_unknown_run_exits_1_naming_the_id(runner: CliRunner) -> None:
    log_run("real", 0.1, [0.5])

    result = runner.invoke(cli, ["runs", "show", "feedfacecafe"])

    assert result.exit_code == 1
    assert "'feedfacecafe'" in result.stderr
    assert "Traceback" not in result.output


def test_runs_delete_then_restore_round_trips(runner: CliRunner) -> None:
    runs = [log_run("a", 0.1, [0.5]), log_run("b", 0.2, [0.4])]
    ids = [r.info.run_id for r in runs]
    client = trialbook.TrackingClient()

    deleted = runner.invoke(cli, ["runs", "delete", *ids])
    stages_after_delete = {client.get_run(i).info.lifecycle_stage for i in ids}
    restored = runner.invoke(cli, ["runs", "restore", *ids])

    assert (deleted.exit_code, restored.exit_code) == (0, 0)
    assert stages_after_delete == {LifecycleStage.DELETED}
    assert {client.get_run(i).info.lifecycle_stage for i in ids} == {LifecycleStage.ACTIVE}


def test_runs_delete_with_one_unknown_id_deletes_nothing(runner: CliRunner) -> None:
    run = log_run("a", 0.1, [0.5])

    result = runner.invoke(cli, ["runs", "delete", run.info.run_id, "0123456789abcdef"])

    assert result.exit_code == 1
    assert "'0123456789abcdef'" in result.stderr
    lifecycle = trialbook.TrackingClient().get_run(run.info.run_id).info.lifecycle_stage
    assert lifecycle is LifecycleStage.ACTIVE


def test_runs_list_deleted_shows_deleted_runs_only(runner: CliRunner) -> None:
    kept, gone = log_run("kept", 0.1, [0.5]), log_run("gone", 0.2, [0.5])
    trialbook.TrackingClient().delete_run(gone.info.run_id)

    result = runner.invoke(cli, ["runs", "list", "--deleted"])

    assert render.short_id(gone.info.run_id) in result.output
    assert render.short_id(kept.info.run_id) not in result.output


def test_bad_filter_exits_1_pointing_at_the_column(runner: CliRunner) -> None:
    log_run("a", 0.1, [0.5])

    result = runner.invoke(cli, ["runs", "list", "--filter", "metrics.loss >"])

    assert result.exit_code == 1
    assert "column 15" in result.stderr
    assert "Traceback" not in result.output


def test_missing_store_exits_1_saying_where_it_looked(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"

    result = runner.invoke(cli, ["--tracking-uri", str(missing), "runs", "list"])

    assert result.exit_code == 1
    assert str(missing) in result.stderr
    assert not missing.exists()


def test_tracking_uri_option_overrides_the_environment(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = log_run("elsewhere", 0.1, [0.5])
    store = trialbook.get_tracking_uri()
    monkeypatch.setenv("TRIALBOOK_TRACKING_URI", str(tmp_path / "empty"))

    result = runner.invoke(cli, ["--tracking-uri", store, "runs", "list"])

    assert render.short_id(run.info.run_id) in result.output


def test_markup_in_a_run_name_prints_literally(runner: CliRunner) -> None:
    run = log_run("[bold]x[/bold]", 0.1, [0.5])

    result = runner.invoke(cli, ["runs", "show", run.info.run_id])

    assert "[bold]x[/bold]" in result.output


def log_many_metrics(runs: int, metrics: int) -> list[Run]:
    """Runs with long metric names; metric i is logged by the first runs - i runs (at least one)."""
    trialbook.set_experiment("wide")
    logged = []
    for index in range(runs):
        with trialbook.start_run(run_name=f"sweep-{index}") as run:
            trialbook.log_params({f"param_{k}": k * index for k in range(10)})
            for key in range(metrics):
                if index < max(1, runs - key):
                    trialbook.log_metric(f"accuracy_at_k{key:02d}", 0.5 + index / 7)
        logged.append(trialbook.TrackingClient().get_run(run.info.run_id))
    return logged


def headers_of(output: str) -> list[str]:
    header = next(line for line in output.splitlines() if "Run id" in line)
    return header.split()


@pytest.mark.parametrize("width", [80, 120, 160])
def test_runs_list_fits_the_terminal_with_whole_headers(runner: CliRunner, width: int) -> None:
    log_many_metrics(runs=6, metrics=12)

    result = runner.invoke(cli, ["runs", "list"], env={"COLUMNS": str(width)})

    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= width
    assert "…" not in result.output
    assert {"Run", "id", "Name", "Status", "Start", "Duration"} <= set(headers_of(result.output))
    if width >= 120:
        assert "accuracy_at_k00" in headers_of(result.output)


def test_runs_list_shows_more_metrics_on_a_wider_terminal(runner: CliRunner) -> None:
    log_many_metrics(runs=6, metrics=12)

    narrow = runner.invoke(cli, ["runs", "list"], env={"COLUMNS": "100"})
    wide = runner.invoke(cli, ["runs", "list"], env={"COLUMNS": "200"})

    assert len(headers_of(wide.output)) > len(headers_of(narrow.output))


def test_runs_list_prefers_the_metrics_most_runs_have(runner: CliRunner) -> None:
    log_many_metrics(runs=6, metrics=12)

    result = runner.invoke(cli, ["runs", "list"], env={"COLUMNS": "120"})

    shown = [h for h in headers_of(result.output) if h.startswith("accuracy_at_k")]
    assert shown[0] == "accuracy_at_k00"
    assert "accuracy_at_k11" not in shown


def test_runs_list_wide_shows_every_column_whatever_the_terminal(runner: CliRunner) -> None:
    log_many_metrics(runs=3, metrics=12)

    result = runner.invoke(cli, ["runs", "list", "--output", "wide"], env={"COLUMNS": "80"})

    headers = headers_of(result.output)
    assert "accuracy_at_k11" in headers
    assert "params.param_9" in headers
    assert "…" not in result.output


def test_runs_list_csv_has_whole_ids_and_the_chosen_columns(runner: CliRunner) -> None:
    runs = log_many_metrics(runs=3, metrics=2)

    result = runner.invoke(
        cli, ["runs", "list", "--output", "csv", "--columns", "params.param_1,metrics.nope"]
    )

    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {row["run_id"] for row in rows} == {run.info.run_id for run in runs}
    by_id = {row["run_id"]: row for row in rows}
    for run in runs:
        assert by_id[run.info.run_id]["params.param_1"] == run.data.params["param_1"]
        assert by_id[run.info.run_id]["metrics.nope"] == ""


def test_runs_list_json_has_every_param_and_metric(runner: CliRunner) -> None:
    runs = log_many_metrics(runs=2, metrics=3)

    result = runner.invoke(cli, ["runs", "list", "--output", "json"])

    records = {record["run_id"]: record for record in json.loads(result.output)}
    for run in runs:
        record = records[run.info.run_id]
        assert record["status"] == run.info.status.value
        for key, value in run.data.metrics.items():
            assert record[f"metrics.{key}"] == value
        for key, text in run.data.params.items():
            assert record[f"params.{key}"] == text


def test_runs_list_ranks_metrics_of_top_level_runs_before_a_searchs_children(
    runner: CliRunner,
) -> None:
    trialbook.set_experiment("search")
    with trialbook.start_run(run_name="search"):
        trialbook.log_metric("best_accuracy", 0.9)
        for index in range(5):
            with trialbook.start_run(run_name=f"candidate-{index}", nested=True):
                trialbook.log_metric("candidate_fit_time", 0.1 * index)

    result = runner.invoke(cli, ["runs", "list", "--output", "wide"])
    ranked = runner.invoke(cli, ["runs", "list"], env={"COLUMNS": "200"})

    assert "candidate_fit_time" in headers_of(result.output)
    shown = [h for h in headers_of(ranked.output) if h in ("best_accuracy", "candidate_fit_time")]
    assert shown[0] == "best_accuracy"
