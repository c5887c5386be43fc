"""The tracking server builds the metric overviews of its clients' runs after responding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import trialbook
from tests.polling import eventually
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
        eventually(
            lambda: _chart_points(store, run.info.run_id) < POINTS / 2, "the server's overview"
        )
    finally:
        store.close()


def _chart_points(store: SqlStore, run_id: str) -> int:
    return len(store.get_metric_overviews([run_id], ["loss"])[(run_id, "loss")])


def test_a_failed_build_after_a_runs_end_is_logged_and_the_end_stands(
    make_app: Callable[..., Any],
    api_of: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from trialbook.errors import StoreLockedError

    app = make_app()
    api = api_of(app)
    store = app.state.trialbook_server.store

    def locked(run_id: str) -> int:
        raise StoreLockedError(f"database is locked while summarising {run_id}")

    monkeypatch.setattr(store, "build_overviews", locked)
    experiment = api.post("/api/v1/experiments", json={"name": "e"}).json()["experiment_id"]
    body = {"experiment_id": experiment, "run_name": "r", "start_time": 0}
    run_id = api.post("/api/v1/runs", json=body).json()["info"]["run_id"]

    with caplog.at_level("WARNING", logger="trialbook.server.state"):
        ended = api.patch(f"/api/v1/runs/{run_id}", json={"status": "FINISHED", "end_time": 1})

    assert ended.status_code == 200
    assert store.get_run(run_id).info.status.value == "FINISHED"
    assert f"no overviews built for run {run_id}" in caplog.text
