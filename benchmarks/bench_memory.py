"""Memory under long logging (issue 17): a client's RSS, and a server's as points pour in.

* ``tb_client_memory``: one process logs ``points`` metric points (10 keys) into a local
  store; reported: peak RSS and RSS growth after the first tenth of the points.
* ``tb_server_memory``: a ``trialbook server`` (SQLite, or PostgreSQL with
  ``BENCH_POSTGRES_URI``) takes metric points as fast as it can, in whole request batches
  from two sender threads; its RSS is read from ``/proc`` once each of ``sizes`` points
  (e.g. 1M, 10M, 100M) are stored, and its peak at the end. Flat means the RSS at 100M is
  the RSS at 1M. Also reported: points/s and the server's CPU per point with full batches.

Run by hand: ``python benchmarks/run.py --only "server memory"``, or
``python -c "import bench_memory as b; print(b.tb_server_memory([10**6, 10**7, 10**8]))"``
from ``benchmarks/``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from harness import UNAVAILABLE, peak_rss_mb

KEYS = 10


def _rss_mb(pid: int | str = "self") -> float:
    """Current resident set size of a process, from ``/proc``, in MB."""
    return _status_mb(pid, "VmRSS")


def _log(log_metric: Any, points: int, on_tenth: Any) -> None:
    per_key = points // KEYS
    tenth = per_key // 10
    keys = [f"m{k}" for k in range(KEYS)]
    for step in range(per_key):
        for key in keys:
            log_metric(key, step * 0.5, step=step)
        if step == tenth:
            on_tenth()


def tb_client_memory(points: int) -> dict[str, Any]:
    """Peak RSS of a process logging ``points`` points through the fluent API."""
    if not Path("/proc/self/status").exists():
        return {UNAVAILABLE: "needs /proc"}
    import trialbook

    trialbook.start_run()
    trialbook.log_metric("warm-up", 0.0)
    seen: dict[str, float] = {}
    start = time.perf_counter()
    _log(trialbook.log_metric, points, lambda: seen.setdefault("rss", _rss_mb()))
    trialbook.end_run()
    return {
        "points": points,
        "seconds": time.perf_counter() - start,
        "client_peak_rss_mb": peak_rss_mb(),
        "client_rss_growth_mb": _rss_mb() - seen["rss"],
    }


def tb_server_memory(sizes: list[int], runs: int = 100, senders: int = 2) -> dict[str, Any]:
    """A server's RSS after each of ``sizes`` metric points (``server_rss_<i>_mb``), and its peak.

    The points come as whole request batches of packed columns (numpy arrays, 10 keys,
    ``CLIENT_BATCH_POINTS`` a request) from ``senders`` threads, over ``runs`` runs, so the
    clients cost little and the server ingests as fast as it can. On SQLite, or on
    PostgreSQL in a throwaway database when ``BENCH_POSTGRES_URI`` is set.
    """
    if not Path("/proc/self/status").exists():
        return {UNAVAILABLE: "needs /proc"}
    import contextlib
    import os

    postgres = os.environ.get("BENCH_POSTGRES_URI")
    with contextlib.ExitStack() as stack:
        if postgres:
            from bench_server_limits import _throwaway_database

            backend = stack.enter_context(_throwaway_database(postgres))
        else:
            backend = f"sqlite:///{Path('server.db').resolve()}"
        result = _server_memory(backend, sorted(sizes), runs, senders)
    result["backend"] = "postgresql" if postgres else "sqlite"
    return result


def _server_memory(backend: str, sizes: list[int], runs: int, senders: int) -> dict[str, Any]:
    import threading
    import uuid

    import numpy as np

    from trialbook import TrackingClient
    from trialbook.server.testing import ServerProcess
    from trialbook.store.base import Batch, MetricSeries
    from trialbook.store.rest.limits import CLIENT_BATCH_POINTS
    from trialbook.store.rest.store import RestStore

    per_key = CLIENT_BATCH_POINTS // KEYS
    base_steps = np.arange(per_key, dtype=np.int64)
    values = np.sin(base_steps * 0.001)  # realistic floats: they do not compress
    with ServerProcess(backend, Path("server-artifacts").resolve()) as server:
        if server.process is None:
            raise RuntimeError("the server did not start")
        pid = server.process.pid
        tracking = TrackingClient(server.url)
        experiment_id = tracking.create_experiment("memory")
        run_ids = [tracking.create_run(experiment_id).info.run_id for _ in range(runs)]
        tracking.flush()
        samples: dict[int, float] = {}
        lock = threading.Lock()
        sent = [0]
        total = sizes[-1]
        rss_before = _rss_mb(pid)
        cpu_before = _cpu_s(pid)

        def send(first: int) -> None:
            store = RestStore(server.url)
            index = first
            while True:
                with lock:
                    if sent[0] >= total:
                        return
                    sent[0] += CLIENT_BATCH_POINTS
                    turn = sent[0]
                run_id = run_ids[index % runs]
                steps = base_steps + (index // runs) * per_key
                series = [MetricSeries(run_id, f"m{k}", steps, values, steps) for k in range(KEYS)]
                store.write_batch(Batch(series=series, batch_id=uuid.uuid4().hex))
                index += senders
                with lock:  # every size this request completes (with the other in flight)
                    for size in sizes:
                        if size not in samples and turn >= size:
                            samples[size] = _rss_mb(pid)

        start = time.perf_counter()
        threads = [threading.Thread(target=send, args=(i,)) for i in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
        cpu = _cpu_s(pid) - cpu_before
        peak = _status_mb(pid, "VmHWM")
        stored = sum(
            summary.count
            for summaries in tracking.store.get_metric_summaries(run_ids).values()
            for summary in summaries
        )
    result: dict[str, Any] = {
        "points": total,
        "points_stored": stored,
        "seconds": seconds,
        "points_per_second": total / seconds,
        "server_cpu_us_per_point": cpu / total * 1e6,
        "server_rss_before_mb": rss_before,
        "server_peak_rss_mb": peak,
    }
    for index, size in enumerate(sizes):
        result[f"server_rss_{index}_mb"] = samples.get(size)
    result["server_rss_growth_mb"] = samples[sizes[-1]] - samples[sizes[0]]
    return result


def _status_mb(pid: int | str, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def _cpu_s(pid: int) -> float:
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
