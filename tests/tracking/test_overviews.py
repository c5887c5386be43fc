"""Metric overviews are built off the logging path: when a run ends, and every so many points
of a live run (in the background), by the tracker in-process (the tracking server's part is in
tests/server/test_server_overviews.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import trialbook
from trialbook.store import MetricOverviews, upkeep
from trialbook.store.sql import chunks
from trialbook.tracking import background

POINTS = 5_000


def _chart_points(store: Any, run_id: str, key: str = "loss") -> int:
    assert isinstance(store, MetricOverviews)
    return len(store.get_metric_overviews([run_id], [key])[(run_id, key)])


def _submissions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of background work submitted from now on (the work still runs)."""
    keys: list[str] = []
    submit_once = background.submit_once

    def record(key: str, work: Callable[[], object]) -> None:
        keys.append(key)
        submit_once(key, work)

    monkeypatch.setattr(background, "submit_once", record)
    return keys


def test_an_ended_run_gets_its_overviews_in_the_background() -> None:
    with trialbook.start_run() as run:
        for step in range(POINTS):
            trialbook.log_metric("loss", 1.0 / (step + 1), step=step)
    trialbook.flush()  # waits for background work

    store = trialbook.TrackingClient().store
    assert _chart_points(store, run.info.run_id) < POINTS / 2
    assert len(trialbook.TrackingClient().get_metric_history(run.info.run_id, "loss")) == POINTS


def test_a_live_run_gets_overviews_every_so_many_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upkeep, "LIVE_OVERVIEW_POINTS", 5_000)
    monkeypatch.setattr(chunks, "STRETCH_POINTS", 4_000)
    trialbook.set_tracking_uri("live-store")  # a writer created after the patch
    run = trialbook.start_run()
    for step in range(12_000):
        trialbook.log_metric("loss", float(step % 97), step=step)
    trialbook.flush()
    background.wait()  # a build the last flush asked for

    assert trialbook.active_run() is not None
    assert _chart_points(trialbook.TrackingClient().store, run.info.run_id) < 12_000 / 2
    trialbook.end_run()


def test_a_short_run_asks_for_no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    submitted = _submissions(monkeypatch)
    with trialbook.start_run() as short:
        for step in range(50):
            trialbook.log_metric("loss", 1.0, step=step)
    with trialbook.start_run() as long:
        trialbook.TrackingClient().log_batch(
            long.info.run_id, metrics={f"m{k}": 0.5 for k in range(upkeep.MIN_OVERVIEW_POINTS)}
        )
    trialbook.flush()

    assert f"overviews:{short.info.run_id}" not in submitted
    assert f"overviews:{long.info.run_id}" in submitted
