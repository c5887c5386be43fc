"""trialbook's threads run only while there is work, and stopping them loses nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import trialbook
from tests.polling import eventually
from trialbook.tracking import background
from trialbook.tracking.tracker import get_tracker


def trialbook_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("trialbook-")]


def no_trialbook_thread() -> bool:
    return not trialbook_threads()


def stored_points(run_id: str, key: str) -> int:
    """Points in the store itself (the client's reads would flush first)."""
    store = get_tracker(trialbook.get_tracking_uri()).store
    points, _ = store.get_metric_history(run_id, key)
    return len(points)


def test_no_trialbook_thread_remains_after_a_run_block_ends() -> None:
    with trialbook.start_run():
        for step in range(10):
            trialbook.log_metric("loss", 1 / (step + 1))
        assert trialbook_threads()
    eventually(no_trialbook_thread, f"threads ended, left: {trialbook_threads()}")


def test_the_reproducibility_capture_is_written_before_its_thread_ends() -> None:
    with trialbook.start_run() as run:
        pass
    eventually(no_trialbook_thread, "threads ended")
    stored = get_tracker(trialbook.get_tracking_uri()).store.get_run(run.info.run_id)
    assert "trialbook.platform" in stored.data.tags
    paths = [f.path for f in trialbook.TrackingClient().list_artifacts(run.info.run_id)]
    assert "reproducibility" in paths


def test_logging_without_an_active_run_starts_the_writer_which_writes_then_ends() -> None:
    with trialbook.start_run() as run:
        pass
    eventually(no_trialbook_thread, "threads ended after the run")
    client = trialbook.TrackingClient()
    for step in range(5):
        client.log_metric(run.info.run_id, "eval", float(step))
    assert [t.name for t in trialbook_threads()] == ["trialbook-writer"]
    eventually(lambda: stored_points(run.info.run_id, "eval") == 5, "points written")
    eventually(no_trialbook_thread, "writer ended once idle")


def test_stop_writes_what_is_pending_and_ends_each_thread_now() -> None:
    with trialbook.start_run() as run:
        for step in range(20):
            trialbook.log_metric("loss", float(step))
        trialbook.set_tag("phase", "train")
    for thread in trialbook_threads():
        thread.stop()  # type: ignore[attr-defined]
        assert not thread.is_alive()
    assert stored_points(run.info.run_id, "loss") == 20


def test_many_start_stop_cycles_leave_no_thread_and_lose_no_point() -> None:
    run_ids = []
    for cycle in range(25):
        with trialbook.start_run() as run:
            trialbook.log_metric("m", float(cycle))
            trialbook.log_param("cycle", cycle)
        run_ids.append(run.info.run_id)
        assert len(trialbook_threads()) <= 2
        for thread in trialbook_threads():
            thread.stop()  # type: ignore[attr-defined]
    assert not trialbook_threads()
    assert [stored_points(run_id, "m") for run_id in run_ids] == [1] * len(run_ids)


def test_stopping_threads_while_another_thread_logs_loses_no_point() -> None:
    client = trialbook.TrackingClient()
    run = client.create_run(trialbook.get_experiment_id())
    total = 20_000
    done = threading.Event()

    def log_everything() -> None:
        for step in range(total):
            client.log_metric(run.info.run_id, "x", float(step), step=step)
        done.set()

    logger = threading.Thread(target=log_everything)
    logger.start()
    writer = get_tracker(trialbook.get_tracking_uri()).writer
    while not done.is_set():
        writer.stop_thread()
        background.stop()
    logger.join()
    eventually(lambda: stored_points(run.info.run_id, "x") == total, "every point written")
    eventually(no_trialbook_thread, "threads ended")


def test_flush_waits_for_the_capture_and_writes_everything() -> None:
    with trialbook.start_run() as run:
        trialbook.log_metric("m", 1.0)
    trialbook.flush()
    stored = get_tracker(trialbook.get_tracking_uri()).store.get_run(run.info.run_id)
    assert "trialbook.platform" in stored.data.tags
    assert stored_points(run.info.run_id, "m") == 1


def test_exit_right_after_logging_without_a_run_loses_nothing(isolated_store: Path) -> None:
    script = textwrap.dedent(
        """
        import trialbook
        client = trialbook.TrackingClient()
        with trialbook.start_run() as run:
            pass
        for step in range(50):
            client.log_metric(run.info.run_id, "late", float(step))
        client.set_tag(run.info.run_id, "late", "yes")
        print(run.info.run_id)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    run_id = done.stdout.strip()
    trialbook.set_tracking_uri(isolated_store)
    client = trialbook.TrackingClient()
    assert len(client.get_metric_history(run_id, "late")) == 50
    run = client.get_run(run_id)
    assert run.data.tags["late"] == "yes"
    assert "trialbook.platform" in run.data.tags  # the capture finished before exit


@pytest.mark.sklearn
def test_no_trialbook_thread_remains_after_an_autologged_fit() -> None:
    datasets = pytest.importorskip("sklearn.datasets")
    linear_model = pytest.importorskip("sklearn.linear_model")
    x, y = datasets.make_classification(n_samples=60, n_features=4, random_state=0)
    trialbook.autolog(strict=True)
    try:
        linear_model.LogisticRegression().fit(x, y)
    finally:
        trialbook.autolog(disable=True)
    eventually(no_trialbook_thread, f"threads ended, left: {trialbook_threads()}")
    run = trialbook.last_active_run()
    assert run is not None
    assert "trialbook.platform" in run.data.tags


def test_an_idle_active_run_keeps_its_heartbeat_going(monkeypatch: pytest.MonkeyPatch) -> None:
    from trialbook.tracking import writer as writer_module

    monkeypatch.setattr(writer_module, "IDLE_EXIT_S", 0.0)
    monkeypatch.setenv("TRIALBOOK_HEARTBEAT_INTERVAL", "0.05")
    store = get_tracker(trialbook.get_tracking_uri()).store
    beats: list[list[str]] = []
    original = store.heartbeat

    def counting(run_ids: list[str], now: int) -> None:
        beats.append(list(run_ids))
        original(run_ids, now)

    monkeypatch.setattr(store, "heartbeat", counting)
    with trialbook.start_run() as run:
        eventually(lambda: len(beats) >= 3, "three heartbeats of a run that logs nothing")
    assert all(ids == [run.info.run_id] for ids in beats)
    eventually(no_trialbook_thread, "threads ended after the run")
