from __future__ import annotations

import math
from typing import Any

import pytest
from click.testing import CliRunner

import trialbook
from trialbook.cli import render
from trialbook.cli.compare import DIFFERS, PARTIAL
from trialbook.cli.main import cli
from trialbook.entities import Run


def log_run(params: dict[str, Any], metrics: dict[str, float]) -> Run:
    trialbook.set_experiment("exp")
    with trialbook.start_run() as run:
        trialbook.log_params(params)
        trialbook.log_metrics(metrics)
    return trialbook.TrackingClient().get_run(run.info.run_id)


def key_row(output: str, key: str) -> list[str]:
    line = next(line for line in output.splitlines() if f" {key} " in f"{line} ")
    return line.split()


@pytest.fixture
def pair() -> tuple[Run, Run]:
    first = log_run({"lr": 0.1, "model": "rf", "depth": 3}, {"acc": 0.8, "loss": 0.25})
    second = log_run({"lr": 0.2, "model": "rf"}, {"acc": 0.9, "loss": 0.25})
    return first, second


def test_compare_marks_params_that_differ(runner: CliRunner, pair: tuple[Run, Run]) -> None:
    result = runner.invoke(cli, ["runs", "compare", *(r.info.run_id for r in pair)])

    assert result.exit_code == 0, result.output
    assert key_row(result.output, "lr") == [DIFFERS, "lr", *(r.data.params["lr"] for r in pair)]
    assert key_row(result.output, "model") == ["model", *(r.data.params["model"] for r in pair)]


def test_compare_marks_rows_only_some_runs_have(runner: CliRunner, pair: tuple[Run, Run]) -> None:
    result = runner.invoke(cli, ["runs", "compare", *(r.info.run_id for r in pair)])

    first, _ = pair
    assert key_row(result.output, "depth") == [
        PARTIAL,
        "depth",
        first.data.params["depth"],
        render.MISSING,
    ]


def test_compare_shows_the_final_metric_values(runner: CliRunner, pair: tuple[Run, Run]) -> None:
    result = runner.invoke(cli, ["runs", "compare", *(r.info.run_id for r in pair)])

    expected = [render.number(r.data.metrics["acc"], precise=True) for r in pair]
    assert key_row(result.output, "acc") == [DIFFERS, "acc", *expected]
    assert key_row(result.output, "loss")[0] == "loss"


def test_compare_treats_nan_as_equal_to_nan(runner: CliRunner) -> None:
    runs = [log_run({}, {"score": math.nan}) for _ in range(2)]

    result = runner.invoke(cli, ["runs", "compare", *(r.info.run_id for r in runs)])

    assert key_row(result.output, "score") == ["score", "nan", "nan"]


def test_compare_highlights_differing_values_in_colour(
    runner: CliRunner, pair: tuple[Run, Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")

    result = runner.invoke(cli, ["runs", "compare", *(r.info.run_id for r in pair)])

    lines = result.output.splitlines()
    differing = next(line for line in lines if " lr " in line)
    equal = next(line for line in lines if " model " in line)
    assert "\x1b[1;33m" in differing  # render.DIFF_STYLE: bold yellow
    assert "\x1b[" not in equal


def test_compare_diff_only_hides_equal_rows(runner: CliRunner, pair: tuple[Run, Run]) -> None:
    result = runner.invoke(cli, ["runs", "compare", "--diff-only", *(r.info.run_id for r in pair)])

    assert " lr " in result.output
    assert " model " not in result.output
    assert " loss " not in result.output


def test_compare_needs_two_runs(runner: CliRunner, pair: tuple[Run, Run]) -> None:
    result = runner.invoke(cli, ["runs", "compare", pair[0].info.run_id])

    assert result.exit_code == 2
    assert "at least two" in result.output


def test_compare_with_an_unknown_run_exits_1_naming_it(
    runner: CliRunner, pair: tuple[Run, Run]
) -> None:
    result = runner.invoke(cli, ["runs", "compare", pair[0].info.run_id, "nosuchrun"])

    assert result.exit_code == 1
    assert "'nosuchrun'" in result.stderr
