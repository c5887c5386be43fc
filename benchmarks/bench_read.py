"""The warm read path (issue 17): searches, DataFrames, REST pages and live visibility.

Every side builds ``runs`` finished runs with 10 params and 10 metrics each in one
experiment, then, in the same warm process, times:

* ``search_ms``: a filtered, ordered ``search_runs`` page of 100 runs
  (``metrics.m1 > 0.5 and params.p1 = 'x'``, ``metrics.m2 DESC``; a sixth of the runs match);
* ``frame_ms``: every run as a pandas DataFrame (the fluent ``search_runs``);
* ``rest_page_ms``: one page of 1,000 runs from a tracking server on the same store;
* ``rest_filtered_ms``: the filtered search above through that server;
* ``visible_ms``: while a run is running, the time from ``log_metric`` in this process to
  the point showing in ``get_metric_history`` in another process (median of 20 points).

Timings are the median of ``repeat`` calls after one warm-up call. MLflow runs the same
calls through ``MlflowClient``/``mlflow.search_runs`` and its own ``mlflow server``.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import finish_helper, median, spawn_helper, wait_for

FILTER = "metrics.m1 > 0.5 and params.p1 = 'x'"
ORDER = ["metrics.m2 DESC"]
KEYS = 10
VISIBILITY_POINTS = 20
VISIBILITY_GAP_S = 0.05
SERVER_START_S = 120.0


def _timed(func: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of ``repeat`` calls of ``func`` after one warm-up call."""
    func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return median(samples)


def _run_values(rng: random.Random, i: int) -> tuple[dict[str, float], dict[str, str]]:
    metrics = {f"m{k}": rng.random() for k in range(KEYS)}
    params = {"p1": rng.choice("xyz"), "p2": str(i % 7)}
    params.update({f"p{k}": str(rng.randint(0, 99)) for k in range(3, KEYS + 1)})
    return metrics, params


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(command: list[str], url: str, log: Path) -> subprocess.Popen[bytes]:
    """Start a server process and wait until ``url`` answers."""
    import urllib.request

    with open(log, "ab") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)

    def answers() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            return False

    if not wait_for(answers, SERVER_START_S, 0.1):
        proc.kill()
        raise RuntimeError(f"the server did not answer within {SERVER_START_S} s")
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# Visibility: a reader in another process ----------------------------------------------------


def _watch(count_points: Callable[[], list[float]], points: int, ready: str) -> dict[str, Any]:
    """Poll until ``points`` points are seen; each point's value is its logging wall time."""
    count_points()
    Path(ready).touch()
    latencies: list[float] = []
    seen = 0
    deadline = time.monotonic() + 120
    while seen < points and time.monotonic() < deadline:
        values = count_points()
        now = time.time()
        latencies += [(now - value) * 1000 for value in values[seen:]]
        seen = max(seen, len(values))
        time.sleep(0.001)
    return {"latencies_ms": latencies}


def tb_watch(run_id: str, points: int, ready: str) -> dict[str, Any]:
    """Reader process: poll trialbook's ``get_metric_history``."""
    from trialbook import TrackingClient

    client = TrackingClient()
    return _watch(
        lambda: [m.value for m in client.get_metric_history(run_id, "live")], points, ready
    )


def mlflow_watch(run_id: str, points: int, ready: str) -> dict[str, Any]:
    """Reader process: poll MLflow's ``get_metric_history``."""
    from mlflow import MlflowClient

    client = MlflowClient()
    return _watch(
        lambda: [m.value for m in client.get_metric_history(run_id, "live")], points, ready
    )


def _visibility(prefix: str, run_id: str, log: Callable[[float, int], None]) -> float:
    """Median ms from ``log`` in this process to the point seen by a reader process."""
    ready, out = Path("watch-ready"), Path("watch.json")
    for stale in (ready, out):
        stale.unlink(missing_ok=True)
    helper = spawn_helper(
        "bench_read",
        f"{prefix}_watch",
        {"run_id": run_id, "points": VISIBILITY_POINTS, "ready": str(ready)},
        out,
    )
    if not wait_for(ready.exists, 120):
        raise RuntimeError("the reader process did not start")
    rng = random.Random(1)
    for step in range(VISIBILITY_POINTS):
        log(time.time(), step)
        time.sleep(VISIBILITY_GAP_S + rng.random() * VISIBILITY_GAP_S)  # any phase of a flush
    result = finish_helper(helper, out, 180)
    if "error" in result:
        raise RuntimeError(result["error"])
    return median(result["latencies_ms"])


# trialbook -----------------------------------------------------------------------------------


def _tb_build(experiment_id: str, first: int, stop: int) -> None:
    """Add runs ``first`` to ``stop - 1`` to the experiment, through the store."""
    from trialbook import RunStatus, TrackingClient
    from trialbook.store.base import Batch

    store = TrackingClient().store
    rng = random.Random(first)
    now = int(time.time() * 1000)
    metrics: list[tuple[str, str, float, int, int]] = []
    params: list[tuple[str, str, str]] = []
    for i in range(first, stop):
        run_id = store.create_run(experiment_id, f"run-{i}", now + i, user_id="bench").info.run_id
        run_metrics, run_params = _run_values(rng, i)
        metrics += [(run_id, k, v, 0, now + i) for k, v in run_metrics.items()]
        params += [(run_id, k, v) for k, v in run_params.items()]
        store.update_run(run_id, status=RunStatus.FINISHED, end_time=now + i + 1)
        if len(params) >= 20_000:
            store.write_batch(Batch(metrics=metrics, params=params))
            metrics, params = [], []
    store.write_batch(Batch(metrics=metrics, params=params))


def _tb_measure(experiment_id: str, repeat: int, rest: bool) -> dict[str, Any]:
    import trialbook
    from trialbook import TrackingClient

    client = TrackingClient()
    result: dict[str, Any] = {}

    def search(on: Any) -> Callable[[], Any]:
        return lambda: on.search_runs([experiment_id], FILTER, max_results=100, order_by=ORDER)

    result["search_ms"] = _timed(search(client), repeat)
    result["search_found"] = len(search(client)().runs)
    result["frame_ms"] = _timed(lambda: trialbook.search_runs([experiment_id]), repeat)
    result["frame_rows"] = len(trialbook.search_runs([experiment_id]))
    if rest:
        from trialbook.server.testing import ServerProcess

        store_uri = os.environ["TRIALBOOK_TRACKING_URI"]
        with ServerProcess(store_uri, Path("server-artifacts").resolve()) as server:
            remote = TrackingClient(server.url)
            page = lambda: remote.search_runs([experiment_id], max_results=1000)  # noqa: E731
            result["rest_page_ms"] = _timed(page, repeat)
            result["rest_page_rows"] = len(page().runs)
            result["rest_filtered_ms"] = _timed(search(remote), repeat)
    return result


def _tb_visibility() -> float:
    import trialbook

    with trialbook.start_run() as run:
        return _visibility(
            "tb", run.info.run_id, lambda value, step: trialbook.log_metric("live", value, step)
        )


def tb_read(runs: int, repeat: int, rest: bool = True) -> dict[str, Any]:
    """trialbook's read path over ``runs`` runs (``rest``: through a server too)."""
    from trialbook import TrackingClient

    start = time.perf_counter()
    experiment_id = TrackingClient().create_experiment("read")
    _tb_build(experiment_id, 0, runs)
    result: dict[str, Any] = {"runs": runs, "build_s": time.perf_counter() - start}
    result.update(_tb_measure(experiment_id, repeat, rest))
    result["visible_ms"] = _tb_visibility()
    return result


def tb_read_growth(runs: int, more_runs: int, repeat: int) -> dict[str, Any]:
    """The same at ``runs`` runs, then again after growing the experiment to ``more_runs``.

    Values at the larger size end in ``_large``; ``*_growth_x`` is large over small.
    """
    from trialbook import TrackingClient

    experiment_id = TrackingClient().create_experiment("read")
    _tb_build(experiment_id, 0, runs)
    small = _tb_measure(experiment_id, repeat, rest=True)
    start = time.perf_counter()
    _tb_build(experiment_id, runs, more_runs)
    result: dict[str, Any] = {"runs": runs, "more_runs": more_runs}
    result["build_ms_per_run"] = (time.perf_counter() - start) / (more_runs - runs) * 1000
    large = _tb_measure(experiment_id, repeat, rest=True)
    for key, value in small.items():
        result[key] = value
        result[f"{key}_large"] = large[key]
        if key.endswith("_ms"):
            result[f"{key}_growth_x"] = large[key] / value
    return result


# MLflow --------------------------------------------------------------------------------------


def _mlflow_build(client: Any, runs: int) -> str:
    from mlflow.entities import Metric, Param, RunTag

    experiment_id = client.create_experiment("read")
    rng = random.Random(0)
    now = int(time.time() * 1000)
    for i in range(runs):
        run_id = client.create_run(experiment_id, start_time=now + i, run_name=f"run-{i}")
        run_id = run_id.info.run_id
        metrics, params = _run_values(rng, i)
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, now + i, 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
            tags=[RunTag("mlflow.user", "bench")],
        )
        client.set_terminated(run_id, end_time=now + i + 1)
    return str(experiment_id)


def mlflow_read(runs: int, repeat: int, rest: bool = True) -> dict[str, Any]:
    """MLflow's read path over the same runs, its server on the same SQLite database."""
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient()
    start = time.perf_counter()
    experiment_id = _mlflow_build(client, runs)
    result: dict[str, Any] = {"runs": runs, "build_s": time.perf_counter() - start}

    def search(on: Any) -> Callable[[], Any]:
        return lambda: on.search_runs([experiment_id], FILTER, max_results=100, order_by=ORDER)

    result["search_ms"] = _timed(search(client), repeat)
    result["frame_ms"] = _timed(lambda: mlflow.search_runs([experiment_id]), repeat)
    if rest:
        port = _free_port()
        store_uri = os.environ["MLFLOW_TRACKING_URI"]
        command = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", store_uri]
        command += ["--port", str(port), "--workers", "1", "--host", "127.0.0.1"]
        url = f"http://127.0.0.1:{port}"
        server = _serve(command, f"{url}/health", Path("server.log"))
        try:
            remote = MlflowClient(url)
            page = lambda: remote.search_runs([experiment_id], max_results=1000)  # noqa: E731
            result["rest_page_ms"] = _timed(page, repeat)
            result["rest_filtered_ms"] = _timed(search(remote), repeat)
        finally:
            _stop(server)

    with mlflow.start_run() as run:
        result["visible_ms"] = _visibility(
            "mlflow", run.info.run_id, lambda value, step: mlflow.log_metric("live", value, step)
        )
    return result
