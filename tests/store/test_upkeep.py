"""OverviewSchedule: which runs are due a build of their metric overviews."""

from __future__ import annotations

import pytest

from trialbook.store import OverviewSchedule, upkeep
from trialbook.store.base import Batch, MetricSeries


def _points(run_id: str, count: int) -> Batch:
    steps = list(range(count))
    return Batch(series=[MetricSeries(run_id, "loss", steps, [0.5] * count, steps)])


def test_a_live_run_is_due_each_time_it_logs_every_points_more() -> None:
    schedule = OverviewSchedule(every=100)
    assert schedule.written(_points("a", 60)) == []
    assert schedule.written(_points("a", 50)) == ["a"]
    assert schedule.written(_points("a", 99)) == []
    assert schedule.written(Batch(metrics=[("a", "acc", 1.0, 0, 0)])) == ["a"]


def test_an_ended_run_is_due_a_last_build_only_after_enough_points() -> None:
    schedule = OverviewSchedule(every=10**9)
    schedule.written(_points("long", upkeep.MIN_OVERVIEW_POINTS))
    schedule.written(_points("short", upkeep.MIN_OVERVIEW_POINTS - 1))
    assert schedule.ended("long")
    assert not schedule.ended("short")
    assert not schedule.ended("long")  # forgotten once ended


def test_runs_that_never_end_do_not_grow_the_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upkeep, "COUNTED_RUNS", 3)
    schedule = OverviewSchedule(every=10**9)
    for run_id in "abcde":
        schedule.written(_points(run_id, upkeep.MIN_OVERVIEW_POINTS))
    assert [schedule.ended(run_id) for run_id in "abcde"] == [False, False, True, True, True]
