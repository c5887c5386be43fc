"""Runs a process leaves behind: ended at exit, on SIGTERM, or recognised dead after kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import trialbook
from trialbook import RunStatus


def run_script(code: str, store: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, "TRIALBOOK_TRACKING_URI": str(store), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def start_until_ready(code: str, store: Path, ready: Path, **env: str) -> subprocess.Popen[bytes]:
    """Start ``code`` in a child process and wait (with a deadline) until it touches ``ready``."""
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, "TRIALBOOK_TRACKING_URI": str(store), **env},
    )
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert time.monotonic() < deadline, "the child never got ready"
        assert process.poll() is None, "the child exited early"
        time.sleep(0.02)
    return process


def only_run(store: Path) -> trialbook.Run:
    (run,) = trialbook.search_runs(output_format="list", run_view_type="all")
    return trialbook.get_run(run.info.run_id)


def test_run_left_open_ends_finished_at_clean_exit(isolated_store: Path) -> None:
    result = run_script(
        """
        import trialbook
        trialbook.start_run()
        for i in range(1000):
            trialbook.log_metric("m", i)
        """,
        isolated_store,
    )
    assert result.returncode == 0, result.stderr
    run = only_run(isolated_store)
    assert run.info.status is RunStatus.FINISHED
    assert len(trialbook.TrackingClient().get_metric_history(run.info.run_id, "m")) == 1000


def test_run_left_open_fails_on_uncaught_exception(isolated_store: Path) -> None:
    result = run_script(
        """
        import trialbook
        trialbook.log_param("p", 1)
        raise RuntimeError("boom")
        """,
        isolated_store,
    )
    assert result.returncode == 1
    assert "boom" in result.stderr
    assert only_run(isolated_store).info.status is RunStatus.FAILED


def test_sigterm_kills_the_run_after_flushing(isolated_store: Path) -> None:
    ready = isolated_store.parent / "ready"
    code = f"""
        import pathlib, time, trialbook
        trialbook.start_run()
        for i in range(500):
            trialbook.log_metric("m", i)
        pathlib.Path({str(ready)!r}).touch()
        time.sleep(60)
        """
    process = start_until_ready(code, isolated_store, ready, TRIALBOOK_FLUSH_INTERVAL="30")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == -signal.SIGTERM
    run = only_run(isolated_store)
    assert run.info.status is RunStatus.KILLED
    assert len(trialbook.TrackingClient().get_metric_history(run.info.run_id, "m")) == 500


def test_killed_process_keeps_its_points_and_its_run_is_marked_dead(
    isolated_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALBOOK_HEARTBEAT_TIMEOUT", "1")
    ready = isolated_store.parent / "ready"
    code = f"""
        import pathlib, time, trialbook
        run = trialbook.start_run()
        for i in range(300):
            trialbook.log_metric("m", i)
        client = trialbook.TrackingClient()
        # Wait until the background writer has stored every point, then signal.
        while len(client.store.get_metric_history(run.info.run_id, "m")[0]) < 300:
            time.sleep(0.01)
        pathlib.Path({str(ready)!r}).touch()
        time.sleep(60)
        """
    process = start_until_ready(code, isolated_store, ready, TRIALBOOK_HEARTBEAT_INTERVAL="0.2")
    process.kill()
    process.wait(timeout=30)
    client = trialbook.TrackingClient()
    (run,) = trialbook.search_runs(output_format="list")
    assert len(client.get_metric_history(run.info.run_id, "m")) == 300
    deadline = time.monotonic() + 30
    while True:
        client.store.reap_dead_runs_now()
        status = client.get_run(run.info.run_id).info.status
        if status is RunStatus.KILLED or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert status is RunStatus.KILLED


def test_points_become_visible_to_another_process_while_the_run_is_active(
    isolated_store: Path,
) -> None:
    with trialbook.start_run() as run:
        for i in range(100):
            trialbook.log_metric("m", i)
        code = f"""
            import time, trialbook
            client = trialbook.TrackingClient()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if len(client.store.get_metric_history({run.info.run_id!r}, "m")[0]) == 100:
                    raise SystemExit(0)
                time.sleep(0.01)
            raise SystemExit(1)
            """
        assert run_script(code, isolated_store).returncode == 0
