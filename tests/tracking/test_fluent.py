"""The module-level API: runs, their lifecycle inside a process, and logging."""

from __future__ import annotations

import math

import numpy as np
import pytest

import trialbook
from trialbook import RunStatus


def test_with_block_ends_the_run_finished() -> None:
    with trialbook.start_run() as run:
        assert trialbook.active_run() == run
    assert trialbook.get_run(run.info.run_id).info.status is RunStatus.FINISHED
    assert trialbook.active_run() is None


def test_exception_in_with_block_fails_the_run_and_propagates() -> None:
    with pytest.raises(ZeroDivisionError), trialbook.start_run() as run:
        1 / 0  # noqa: B018
    assert trialbook.get_run(run.info.run_id).info.status is RunStatus.FAILED


def test_keyboard_interrupt_kills_the_run() -> None:
    with pytest.raises(KeyboardInterrupt), trialbook.start_run() as run:
        raise KeyboardInterrupt
    assert trialbook.get_run(run.info.run_id).info.status is RunStatus.KILLED


def test_end_run_records_the_given_status() -> None:
    run = trialbook.start_run()
    trialbook.end_run(status="KILLED")
    info = trialbook.get_run(run.info.run_id).info
    assert info.status is RunStatus.KILLED
    assert info.end_time is not None


def test_second_run_without_nested_raises() -> None:
    with trialbook.start_run(), pytest.raises(trialbook.ActiveRunError, match="nested=True"):
        trialbook.start_run()


def test_nested_run_records_its_parent() -> None:
    with trialbook.start_run() as parent, trialbook.start_run(nested=True) as child:
        assert trialbook.active_run() == child
    assert trialbook.get_run(child.info.run_id).info.parent_run_id == parent.info.run_id


def test_run_is_resumed_by_id() -> None:
    with trialbook.start_run() as run:
        trialbook.log_metric("m", 1.0)
    with trialbook.start_run(run_id=run.info.run_id):
        trialbook.log_metric("m", 2.0)
    history = trialbook.TrackingClient().get_metric_history(run.info.run_id, "m")
    assert [(p.step, p.value) for p in history] == [(0, 1.0), (1, 2.0)]


def test_run_name_and_tags_are_recorded() -> None:
    with trialbook.start_run(run_name="baseline", tags={"team": "vision"}) as run:
        pass
    stored = trialbook.get_run(run.info.run_id)
    assert stored.info.run_name == "baseline"
    assert stored.data.tags["team"] == "vision"


def test_generated_run_names_are_readable() -> None:
    with trialbook.start_run() as run:
        pass
    assert len(run.info.run_name.split("-")) == 3


def test_logging_without_a_run_starts_one() -> None:
    trialbook.log_param("p", 1)
    run = trialbook.active_run()
    assert run is not None
    assert trialbook.get_run(run.info.run_id).data.params == {"p": "1"}


def test_set_experiment_creates_it_and_runs_go_there() -> None:
    experiment = trialbook.set_experiment("vision")
    with trialbook.start_run() as run:
        pass
    assert run.info.experiment_id == experiment.experiment_id
    assert trialbook.set_experiment("vision").experiment_id == experiment.experiment_id


def test_metric_steps_default_to_one_past_the_last() -> None:
    with trialbook.start_run() as run:
        trialbook.log_metric("loss", 3.0)
        trialbook.log_metric("loss", 2.0)
        trialbook.log_metric("loss", 1.0, step=10)
        trialbook.log_metric("loss", 0.5)
    steps = [p.step for p in trialbook.TrackingClient().get_metric_history(run.info.run_id, "loss")]
    assert steps == [0, 1, 10, 11]


def test_numpy_scalars_and_zero_d_arrays_are_numbers() -> None:
    with trialbook.start_run() as run:
        trialbook.log_metric("a", np.float32(0.5))
        trialbook.log_metric("b", np.int64(3))
        trialbook.log_metric("c", np.array(1.25))
        trialbook.log_metrics({"d": np.float64(2.0)}, step=np.int64(4))
    metrics = trialbook.get_run(run.info.run_id).data.metrics
    assert metrics == {"a": 0.5, "b": 3.0, "c": 1.25, "d": 2.0}


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_metrics_are_kept(value: float) -> None:
    with trialbook.start_run() as run:
        trialbook.log_metric("x", value)
    (point,) = trialbook.TrackingClient().get_metric_history(run.info.run_id, "x")
    assert math.isnan(point.value) if math.isnan(value) else point.value == value


@pytest.mark.parametrize(
    "key", ["", "a" * 251, "../escape", "a/../b", "/root", "tab\there", "new\nline", "semi;colon"]
)
def test_bad_keys_are_rejected_and_nothing_is_written(key: str) -> None:
    with trialbook.start_run() as run:
        with pytest.raises(trialbook.InvalidKeyError):
            trialbook.log_metric(key, 1.0)
        with pytest.raises(trialbook.InvalidKeyError):
            trialbook.log_params({"fine": 1, key: 2})
    stored = trialbook.get_run(run.info.run_id)
    assert stored.data.metrics == {}
    assert stored.data.params == {}


@pytest.mark.parametrize("value", ["0.5", b"1", [1.0], np.array([1.0, 2.0]), object()])
def test_non_numeric_metric_values_are_rejected(value: object) -> None:
    with trialbook.start_run(), pytest.raises(trialbook.InvalidValueError, match="'m'"):
        trialbook.log_metric("m", value)  # type: ignore[arg-type]


def test_changing_a_param_raises_naming_both_values_and_keeps_the_first() -> None:
    with trialbook.start_run() as run:
        trialbook.log_param("lr", 0.1)
        trialbook.log_param("lr", 0.1)
        with pytest.raises(trialbook.ParamConflictError, match=r"'0\.1'.*'0\.2'"):
            trialbook.log_param("lr", 0.2)
        trialbook.log_metric("after", 1.0)
    stored = trialbook.get_run(run.info.run_id)
    assert stored.data.params == {"lr": "0.1"}
    assert stored.data.metrics == {"after": 1.0}


def test_tags_can_be_overwritten() -> None:
    with trialbook.start_run() as run:
        trialbook.set_tag("stage", "a")
        trialbook.set_tags({"stage": "b", "other": 1})
    tags = trialbook.get_run(run.info.run_id).data.tags
    assert (tags["stage"], tags["other"]) == ("b", "1")


def test_search_runs_returns_a_frame_with_prefixed_columns() -> None:
    for lr in (0.1, 0.2):
        with trialbook.start_run():
            trialbook.log_param("lr", lr)
            trialbook.log_metric("acc", lr * 4)
            trialbook.set_tag("kind", "grid")
    frame = trialbook.search_runs(filter_string="metrics.acc > 0.5", order_by=["metrics.acc DESC"])
    assert list(frame["params.lr"]) == ["0.2"]
    assert {"run_id", "run_name", "experiment_id", "status", "start_time", "end_time"} <= set(
        frame.columns
    )
    assert frame["metrics.acc"].iloc[0] == pytest.approx(0.8)
    assert frame["tags.kind"].iloc[0] == "grid"


def test_search_runs_by_experiment_name_and_as_list() -> None:
    trialbook.set_experiment("other")
    with trialbook.start_run() as run:
        pass
    found = trialbook.search_runs(experiment_names=["other"], output_format="list")
    assert [r.info.run_id for r in found] == [run.info.run_id]


def test_search_syntax_error_points_at_the_column() -> None:
    with pytest.raises(trialbook.SearchSyntaxError) as raised:
        trialbook.search_runs(filter_string="metrics.acc >")
    assert raised.value.column >= 13


def test_search_experiments_lists_created_ones() -> None:
    trialbook.set_experiment("a-exp")
    trialbook.set_experiment("b-exp")
    names = [e.name for e in trialbook.search_experiments()]
    assert names == ["a-exp", "b-exp"]


def test_changing_tracking_uri_during_a_run_raises(tmp_path: object) -> None:
    with trialbook.start_run(), pytest.raises(trialbook.ActiveRunError):
        trialbook.set_tracking_uri("elsewhere")


def test_set_tracking_uri_switches_stores(tmp_path: object) -> None:
    trialbook.set_tracking_uri("sqlite:///second.db")
    with trialbook.start_run() as run:
        trialbook.log_metric("m", 1.0)
    assert trialbook.get_tracking_uri() == "sqlite:///second.db"
    client = trialbook.TrackingClient("sqlite:///second.db")
    assert client.get_run(run.info.run_id).data.metrics == {"m": 1.0}
