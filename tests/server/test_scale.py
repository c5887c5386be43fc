"""Many processes, a restarted server, a killed client: every point stored exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from trialbook.entities import RunStatus
from trialbook.server.testing import ServerProcess
from trialbook.store.sql import SqlStore

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CLIENT = Path(__file__).with_name("logging_client.py")
DEADLINE_S = 240.0


def client_env(url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "TRIALBOOK_TRACKING_URI": url,
        "TRIALBOOK_DISABLE_CONTEXT": "1",
        **extra,
    }


def start_client(url: str, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CLIENT), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=client_env(url, **env),
    )


RETRY_NOTICE = "trialbook could not reach the store, will retry"


def finish(client: subprocess.Popen[str]) -> tuple[str, int]:
    """Wait for a client; return its run id and point count, failing on any error output."""
    out, err = client.communicate(timeout=DEADLINE_S)
    assert client.returncode == 0, err[-3000:]
    unexpected = [line for line in err.splitlines() if RETRY_NOTICE not in line]
    assert unexpected == [], err[-3000:]
    lines = out.split()
    return lines[lines.index("run") + 1], int(lines[lines.index("done") + 1])


def assert_exactly_once(store: SqlStore, run_id: str, key: str, steps: int) -> None:
    arrays = store.get_metric_arrays(run_id, key)
    assert len(arrays) == steps
    assert np.array_equal(arrays.steps, np.arange(steps))


@pytest.fixture
def database(session_postgres_uri: str, tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore(session_postgres_uri, str(tmp_path / "unused"))
    yield store
    store.close()


def test_32_processes_log_through_the_server_exactly_once(
    pg_server: ServerProcess, database: SqlStore
) -> None:
    experiment = f"scale-{uuid.uuid4().hex[:8]}"
    clients = [
        start_client(pg_server.url, "burst", experiment, "50", "5000", "5") for _ in range(32)
    ]
    results = [finish(client) for client in clients]
    assert len({run_id for run_id, _ in results}) == 32
    for run_id, count in results:
        assert count == 5000
        run = database.get_run(run_id)
        assert run.info.status is RunStatus.FINISHED
        assert len(run.data.params) == 50
        for key in range(5):
            assert_exactly_once(database, run_id, f"metric_{key}", 1000)


@pytest.mark.parametrize("kill", [False, True], ids=["graceful", "killed"])
def test_server_restart_while_clients_log_loses_and_duplicates_nothing(
    session_postgres_uri: str, database: SqlStore, tmp_path: Path, kill: bool
) -> None:
    experiment = f"restart-{uuid.uuid4().hex[:8]}"
    stop = tmp_path / "stop"
    with ServerProcess(session_postgres_uri, tmp_path / "artifacts") as server:
        clients = [start_client(server.url, "until-stop", experiment, str(stop)) for _ in range(4)]
        wait_for_points(database, experiment, clients=4, points=500)
        server.restart(kill=kill)
        wait_for_points(database, experiment, clients=4, points=2000)
        stop.touch()
        results = [finish(client) for client in clients]
    for run_id, count in results:
        assert_exactly_once(database, run_id, "m", count)
        assert database.get_run(run_id).info.status is RunStatus.FINISHED


def wait_for_points(store: SqlStore, experiment: str, clients: int, points: int) -> None:
    """Poll until every client's run has at least ``points`` points stored."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        found = store.get_experiment_by_name(experiment)
        if found is not None:
            page = store.search_runs([found.experiment_id])
            counts = [
                next((s.count for s in page.summaries.get(r.info.run_id, [])), 0) for r in page.runs
            ]
            if len(counts) == clients and min(counts) >= points:
                return
        time.sleep(0.2)
    pytest.fail(f"the clients did not log {points} points each within {DEADLINE_S} s")


def test_killed_client_keeps_its_points_and_its_run_is_marked_dead(
    session_postgres_uri: str, database: SqlStore, tmp_path: Path
) -> None:
    env = {"TRIALBOOK_HEARTBEAT_TIMEOUT": "3"}
    with ServerProcess(session_postgres_uri, tmp_path / "artifacts", env=env) as server:
        client = start_client(
            server.url,
            "progress",
            f"kill-{uuid.uuid4().hex[:8]}",
            TRIALBOOK_HEARTBEAT_INTERVAL="0.5",
        )
        assert client.stdout is not None
        run_id = client.stdout.readline().split()[1]
        progress: list[tuple[int, float]] = []
        while not progress or progress[-1][1] - progress[0][1] < 3.0:
            step, when = client.stdout.readline().split()
            progress.append((int(step), float(when)))
        killed_at = time.time()
        client.send_signal(signal.SIGKILL)
        client.communicate(timeout=30)
        logged_before = max(step for step, when in progress if when <= killed_at - 1.0)
        stored = database.get_metric_arrays(run_id, "m")
        assert len(stored) >= logged_before + 1
        assert np.array_equal(stored.steps, np.arange(len(stored)))
        deadline = time.monotonic() + 60
        while database.get_run(run_id).info.status is RunStatus.RUNNING:
            assert time.monotonic() < deadline, "the dead run is still RUNNING"
            server_store_reap(server.url)
            time.sleep(0.5)
        assert database.get_run(run_id).info.status is RunStatus.KILLED


def server_store_reap(url: str) -> None:
    """Ask the server to apply the heartbeat rule now (what any read does every 10 s)."""
    from trialbook.store.rest.store import RestStore

    store = RestStore(url)
    try:
        store.reap_dead_runs_now()
    finally:
        store.close()
