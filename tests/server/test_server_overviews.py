"""The tracking server builds the metric overviews of its clients' runs after responding."""

from __future__ import annotations

import time
from collections.abc import Callable

import trialbook
from trialbook.server.testing import ServerProcess
from trialbook.store.sql import SqlStore

POINTS = 5_000


def test_the_server_builds_the_overviews_of_its_clients_runs(
    live_server: ServerProcess, server_uri: str
) -> None:
    with trialbook.start_run() as run:
        for step in range(POINTS):
            trialbook.log_metric("loss", 1.0 / (step + 1), step=step)
    # The server builds after its response to the run's end: reads see it once it is done.
    store = SqlStore(live_server.backend_store_uri, live_server.artifacts_destination)
    try:
        _eventually(lambda: _chart_points(store, run.info.run_id) < POINTS / 2)
    finally:
        store.close()


def _eventually(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Poll ``condition`` (work done after a response) until it holds, failing after a while."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not done after {seconds} s"
        time.sleep(0.05)


def _chart_points(store: SqlStore, run_id: str) -> int:
    return len(store.get_metric_overviews([run_id], ["loss"])[(run_id, "loss")])
