from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import trialbook
from trialbook.cli.export import run_record
from trialbook.cli.main import cli


@pytest.fixture
def logged() -> list[str]:
    trialbook.set_experiment("exp")
    ids = []
    for lr, losses in ((0.1, [0.9, 0.4]), (0.2, [0.8, math.nan])):
        with trialbook.start_run(tags={"team": "x"}) as run:
            trialbook.log_params({"lr": lr, "model": "rf"})
            for loss in losses:
                trialbook.log_metric("loss", loss)
        ids.append(run.info.run_id)
    return ids


def expected_frame() -> Any:
    return trialbook.search_runs(experiment_names=["exp"])


def test_csv_export_parses_back_equal_to_search_runs(runner: CliRunner, logged: list[str]) -> None:
    expected = expected_frame()

    result = runner.invoke(cli, ["runs", "export", "--experiment", "exp", "--format", "csv"])

    assert result.exit_code == 0, result.output
    text_columns = {c: str for c in expected.columns if not c.startswith("metrics.")}
    parsed = pd.read_csv(io.StringIO(result.stdout), dtype=text_columns, keep_default_na=False)
    for column in ("start_time", "end_time"):
        parsed[column] = pd.to_datetime(parsed[column], utc=True)
    for column in expected.columns:
        if column.startswith("metrics."):
            parsed[column] = pd.to_numeric(parsed[column].replace("", math.nan))
    pd.testing.assert_frame_equal(parsed, expected, check_dtype=False)


def test_json_export_parses_back_equal_to_the_runs(runner: CliRunner, logged: list[str]) -> None:
    runs = trialbook.search_runs(experiment_names=["exp"], output_format="list")

    result = runner.invoke(cli, ["runs", "export", "-e", "exp", "--format", "json"])

    parsed = json.loads(result.stdout)
    assert [r["info"]["run_id"] for r in parsed] == [r.info.run_id for r in runs]
    assert json.dumps(parsed) == json.dumps([run_record(r) for r in runs])


def test_json_export_keeps_every_field_of_a_run(runner: CliRunner, logged: list[str]) -> None:
    run = trialbook.TrackingClient().get_run(logged[0])

    result = runner.invoke(cli, ["runs", "export", "--format", "json"])

    (record,) = [r for r in json.loads(result.stdout) if r["info"]["run_id"] == logged[0]]
    assert record["params"] == dict(run.data.params)
    assert record["metrics"] == dict(run.data.metrics)
    assert record["tags"] == dict(run.data.tags)
    assert record["info"]["status"] == run.info.status.value
    assert record["info"]["start_time"] == run.info.start_time


def test_json_export_with_history_includes_every_metric_point(
    runner: CliRunner, logged: list[str]
) -> None:
    client = trialbook.TrackingClient()

    result = runner.invoke(cli, ["runs", "export", "--format", "json", "--with-history"])

    for record in json.loads(result.stdout):
        history = client.get_metric_history(record["info"]["run_id"], "loss")
        points = record["metric_history"]["loss"]
        assert [(p["step"], p["timestamp"]) for p in points] == [
            (m.step, m.timestamp) for m in history
        ]
        assert json.dumps([p["value"] for p in points]) == json.dumps([m.value for m in history])


def test_export_to_a_file_writes_the_file(
    runner: CliRunner, logged: list[str], tmp_path: Path
) -> None:
    target = tmp_path / "runs.json"

    result = runner.invoke(cli, ["runs", "export", "--format", "json", "--output", str(target)])

    assert result.exit_code == 0, result.output
    assert {r["info"]["run_id"] for r in json.loads(target.read_text())} == set(logged)


def test_export_with_history_needs_json(runner: CliRunner, logged: list[str]) -> None:
    result = runner.invoke(cli, ["runs", "export", "--format", "csv", "--with-history"])

    assert result.exit_code == 2
    assert "--with-history needs --format json" in result.output


def test_export_filter_keeps_only_matching_runs(runner: CliRunner, logged: list[str]) -> None:
    result = runner.invoke(
        cli, ["runs", "export", "--format", "json", "--filter", "params.lr = '0.1'"]
    )

    assert [r["info"]["run_id"] for r in json.loads(result.stdout)] == logged[:1]
