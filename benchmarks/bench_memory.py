"""Memory under long logging (issue 17): a client's RSS, and a server's as points pour in.

* ``tb_client_memory``: one process logs ``points`` metric points (10 keys) into a local
  store; reported: peak RSS and RSS growth after the first tenth of the points.
* ``tb_server_memory``: a ``trialbook server`` on SQLite takes ``points`` points from one
  client (in ``runs`` runs); its RSS is read from ``/proc`` after the first tenth and at the
  end. The growth per million points past the first tenth says how memory would grow to
  100M points (measured at the size given, extrapolated linearly: labelled so).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from harness import UNAVAILABLE, peak_rss_mb

KEYS = 10


def _rss_mb(pid: int | str = "self") -> float:
    """Current resident set size of a process, from ``/proc``, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


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


def tb_server_memory(points: int, runs: int) -> dict[str, Any]:
    """A server's RSS after a tenth of ``points`` and after all of them."""
    if not Path("/proc/self/status").exists():
        return {UNAVAILABLE: "needs /proc"}
    from trialbook import TrackingClient
    from trialbook.server.testing import ServerProcess

    with ServerProcess(
        f"sqlite:///{Path('server.db').resolve()}", Path("server-artifacts").resolve()
    ) as server:
        if server.process is None:
            raise RuntimeError("the server did not start")
        pid = server.process.pid
        client = TrackingClient(server.url)
        experiment_id = client.create_experiment("memory")
        samples: list[float] = []
        per_run = points // runs
        start = time.perf_counter()
        for index in range(runs):
            run_id = client.create_run(experiment_id).info.run_id
            for step in range(per_run // KEYS):
                for key in range(KEYS):
                    client.log_metric(run_id, f"m{key}", step * 0.5, step=step)
            client.set_terminated(run_id)
            client.flush()
            if index == runs // 10 - 1 or index == runs - 1:
                samples.append(_rss_mb(pid))
        seconds = time.perf_counter() - start
    growth = samples[-1] - samples[0]
    per_million = growth / (points * 0.9 / 1e6)
    note = f"{points:,} points measured; 100M extrapolated linearly from the growth"
    return {
        "points": points,
        "seconds": seconds,
        "server_rss_at_tenth_mb": samples[0],
        "server_rss_end_mb": samples[-1],
        "server_growth_mb_per_million": per_million,
        "server_rss_at_100m_mb": samples[-1] + per_million * (100 - points / 1e6),
        "notes": {"server_rss_at_100m_mb": note},
    }
