"""Metric logging workloads: per-call cost, visibility to another process, durability, 1M points.

``tb_*`` functions run under trialbook's interpreter, ``mlflow_*`` under MLflow's, each in a
fresh process inside a fresh temporary folder. Helper processes (readers, the durability
writer) are started with the same interpreter through ``harness.spawn_helper``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import (
    finish_helper,
    median,
    peak_rss_mb,
    percentile,
    spawn_helper,
    stop_helper,
    wait_for,
)

HELPER_TIMEOUT_S = 300.0

Log = Callable[..., None]


def _timed_calls(log: Log, key: str, n: int) -> list[int]:
    """Call ``log(key, value, step=i)`` ``n`` times; return each call's nanoseconds."""
    clock = time.perf_counter_ns
    durations = [0] * n
    for i in range(n):
        value = i * 0.001
        start = clock()
        log(key, value, step=i)
        durations[i] = clock() - start
    return durations


def _untimed_calls(log: Log, key: str, n: int) -> float:
    """Call ``log(key, value, step=i)`` ``n`` times; return the loop's seconds."""
    start = time.perf_counter()
    for i in range(n):
        log(key, i * 0.001, step=i)
    return time.perf_counter() - start


# Readers and writers in other processes ------------------------------------------------------


def _poll(count_points: Callable[[], int], count: int, ready: str) -> dict[str, Any]:
    """Poll until ``count`` points are visible; write ``ready`` once warmed up."""
    count_points()
    Path(ready).touch()
    polls = []
    deadline = time.monotonic() + HELPER_TIMEOUT_S
    while time.monotonic() < deadline:
        start = time.perf_counter()
        seen = count_points()
        polls.append(time.perf_counter() - start)
        if seen >= count:
            return {"seen_at": time.time(), "last_poll_s": polls[-1], "polls": len(polls)}
        time.sleep(0.002)
    return {"error": f"never saw {count} points"}


def tb_poll_history(run_id: str, key: str, count: int, ready: str) -> dict[str, Any]:
    """Reader process: poll ``TrackingClient().get_metric_history`` until ``count`` points."""
    from trialbook import TrackingClient

    client = TrackingClient()
    return _poll(lambda: len(client.get_metric_history(run_id, key)), count, ready)


def mlflow_poll_history(run_id: str, key: str, count: int, ready: str) -> dict[str, Any]:
    """Reader process: poll ``MlflowClient().get_metric_history`` until ``count`` points."""
    from mlflow import MlflowClient

    client = MlflowClient()
    return _poll(lambda: len(client.get_metric_history(run_id, key)), count, ready)


def _durable_writer(tool: Any, n: int, out: str) -> dict[str, Any]:
    run_id = tool.start_run().info.run_id
    _untimed_calls(tool.log_metric, "durable", n)
    start = time.perf_counter()
    tool.end_run()
    end_run_ms = (time.perf_counter() - start) * 1000
    Path(out).write_text(f'{{"run_id": "{run_id}", "end_run_ms": {end_run_ms}}}')
    os._exit(0)  # no atexit hooks, no background thread: only what end_run wrote survives


def tb_durable_writer(n: int, out: str) -> dict[str, Any]:
    """Writer process: log ``n`` points, end_run, then exit at once."""
    import trialbook

    return _durable_writer(trialbook, n, out)


def mlflow_durable_writer(n: int, out: str) -> dict[str, Any]:
    """Writer process: log ``n`` points through MLflow, end_run, then exit at once."""
    import mlflow

    return _durable_writer(mlflow, n, out)


# log_metric, one call at a time ---------------------------------------------------------------


def _log_metric(
    tool: Any,
    history: Callable[[str, str], int],
    prefix: str,
    n: int,
    visibility_n: int,
    durable_n: int,
) -> dict[str, Any]:
    result: dict[str, Any] = {"n": n}
    tool.start_run()
    tool.log_metric("warm-up", 0.0)
    durations = _timed_calls(tool.log_metric, "loss", n)
    start = time.perf_counter()
    tool.end_run()
    result["end_run_ms"] = (time.perf_counter() - start) * 1000
    result["median_us"] = median(durations) / 1000
    result["p99_us"] = percentile(durations, 99) / 1000
    result["mean_us"] = sum(durations) / n / 1000

    # Visibility: another process polls while this one logs into an active run.
    run_id = tool.start_run().info.run_id
    tool.log_metric("warm-up", 0.0)
    ready, out = Path("poll-ready"), Path("poll.json")
    helper = spawn_helper(
        "bench_metrics",
        f"{prefix}_poll_history",
        {"run_id": run_id, "key": "seen", "count": visibility_n, "ready": str(ready)},
        out,
    )
    if not wait_for(lambda: ready.exists() or helper.poll() is not None, HELPER_TIMEOUT_S):
        raise RuntimeError(f"the reader process is stuck: {stop_helper(helper)}")
    if not ready.exists():
        raise RuntimeError(f"the reader process failed: {stop_helper(helper)}")
    _untimed_calls(tool.log_metric, "seen", visibility_n)
    last_call = time.time()
    poll = finish_helper(helper, out, HELPER_TIMEOUT_S)
    tool.end_run()
    if "error" in poll:
        raise RuntimeError(poll["error"])
    result["visible_after_s"] = max(0.0, poll["seen_at"] - last_call)
    result["reader_poll_ms"] = poll["last_poll_s"] * 1000

    # Durability: a writer process logs, ends its run and exits without any exit hook.
    out = Path("durable.json")
    kwargs = {"n": durable_n, "out": str(out)}
    writer = spawn_helper("bench_metrics", f"{prefix}_durable_writer", kwargs, out)
    written = finish_helper(writer, out, HELPER_TIMEOUT_S)
    if "error" in written:
        raise RuntimeError(written["error"])
    stored = history(written["run_id"], "durable")
    result["durable_points"] = stored
    result["durable_end_run_ms"] = written["end_run_ms"]
    result["durable"] = 1.0 if stored == durable_n else 0.0
    notes = {}
    if visibility_n != n:
        notes["visible_after_s"] = f"over {visibility_n:,} points"
    if durable_n != n:
        notes["durable"] = notes["durable_end_run_ms"] = f"over {durable_n:,} points"
    if notes:
        result["notes"] = notes
    return result


def tb_log_metric(n: int, visibility_n: int, durable_n: int) -> dict[str, Any]:
    """``trialbook.log_metric`` one call at a time: per-call cost, visibility, durability."""
    import trialbook

    client = trialbook.TrackingClient()
    return _log_metric(
        trialbook,
        lambda run_id, key: len(client.get_metric_history(run_id, key)),
        "tb",
        n,
        visibility_n,
        durable_n,
    )


def mlflow_log_metric(n: int, visibility_n: int, durable_n: int) -> dict[str, Any]:
    """``mlflow.log_metric`` one call at a time, for the same measurements."""
    import mlflow

    client = mlflow.MlflowClient()
    return _log_metric(
        mlflow,
        lambda run_id, key: len(client.get_metric_history(run_id, key)),
        "mlflow",
        n,
        visibility_n,
        durable_n,
    )


# A million points ----------------------------------------------------------------------------


def tb_million(n: int) -> dict[str, Any]:
    """Log ``n`` points one call at a time: loop time, time until stored, peak memory."""
    import trialbook

    client = trialbook.TrackingClient()
    run_id = trialbook.start_run().info.run_id
    trialbook.log_metric("warm-up", 0.0)
    rss_before = peak_rss_mb()
    loop_s = _untimed_calls(trialbook.log_metric, "m", n)
    start = time.perf_counter()
    client.flush()
    stored_s = time.perf_counter() - start
    rss_after = peak_rss_mb()
    summaries = {s.key: s.count for s in client.get_metric_summaries(run_id)}
    trialbook.end_run()
    return {
        "n": n,
        "loop_s": loop_s,
        "per_call_us": loop_s / n * 1e6,
        "stored_after_s": stored_s,
        "peak_rss_mb": rss_after,
        "rss_growth_mb": rss_after - rss_before,
        "stored_points": summaries.get("m", 0),
    }


def mlflow_million(n: int, target: int) -> dict[str, Any]:
    """Log ``n`` points through MLflow and extrapolate the loop to ``target`` points."""
    import mlflow

    mlflow.start_run()
    mlflow.log_metric("warm-up", 0.0)
    loop_s = _untimed_calls(mlflow.log_metric, "m", n)
    mlflow.end_run()
    note = f"extrapolated from {n:,} calls"
    return {
        "n": n,
        "loop_s": loop_s * target / n,
        "per_call_us": loop_s / n * 1e6,
        "stored_after_s": 0.0,
        "notes": {
            "loop_s": note,
            "per_call_us": f"measured over {n:,} calls",
            "stored_after_s": "synchronous: stored when each call returns",
        },
    }
