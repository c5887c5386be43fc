"""Throughput of the tracking server: many client processes logging at once.

::

    python benchmarks/server_bench.py                        # 32 clients x 5,000 points
    python benchmarks/server_bench.py --backend postgresql+psycopg://u:p@127.0.0.1/db
    python benchmarks/server_bench.py --clients 8 --points 100000 --workers 2

A ``trialbook server`` starts on the backend (default: ``TRIALBOOK_TEST_POSTGRES_URI``,
else a temporary SQLite file); each client process imports trialbook, waits for a common
start signal (so interpreter start-up is not timed), then logs ``--params`` params and
``--points`` metric points over ``--keys`` keys in a run and ends it (which waits until
everything is stored). Reported: points stored per second from the start signal to the
last run ended, and the time a ``log_metric`` call takes in the clients.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


def client(experiment: str, go: Path, params: int, points: int, keys: int) -> None:
    """One training process: wait for ``go``, log, end the run, print timings as JSON."""
    import trialbook

    trialbook.set_experiment(experiment)
    (go.parent / "ready" / uuid.uuid4().hex).touch()
    while not go.exists():
        time.sleep(0.005)
    started = time.time()
    with trialbook.start_run() as run:
        trialbook.log_params({f"param_{i}": i for i in range(params)})
        per_key = points // keys
        logging_started = time.perf_counter()
        for step in range(per_key):
            for key in range(keys):
                trialbook.log_metric(f"metric_{key}", step * 0.5, step=step)
        call_us = (time.perf_counter() - logging_started) / max(1, per_key * keys) * 1e6
    print(
        json.dumps(
            {
                "run_id": run.info.run_id,
                "started": started,
                "ended": time.time(),
                "points": per_key * keys,
                "log_metric_us": call_us,
            }
        ),
        flush=True,
    )


def bench(args: argparse.Namespace) -> dict[str, Any]:
    """Start a server and the clients; return the measurements."""
    from trialbook.server.testing import ServerProcess
    from trialbook.store.sql import SqlStore

    work = Path(tempfile.mkdtemp(prefix="trialbook-server-bench-"))
    backend = args.backend or os.environ.get("TRIALBOOK_TEST_POSTGRES_URI")
    backend = backend or f"sqlite:///{work / 'bench.db'}"
    experiment = f"bench-{uuid.uuid4().hex[:8]}"
    go = work / "go"
    (work / "ready").mkdir()
    env = {
        **os.environ,
        "TRIALBOOK_DISABLE_CONTEXT": "1",
        "TRIALBOOK_TRACKING_URI": "",
    }
    server_args = ["--workers", str(args.workers)]
    with ServerProcess(backend, work / "artifacts", args=server_args) as server:
        env["TRIALBOOK_TRACKING_URI"] = server.url
        command = [sys.executable, __file__, "--client", experiment, str(go)]
        command += ["--params", str(args.params), "--points", str(args.points)]
        command += ["--keys", str(args.keys)]
        clients = [
            subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
            for _ in range(args.clients)
        ]
        store = SqlStore(backend, str(work))
        try:
            deadline = time.monotonic() + 300
            while len(list((work / "ready").iterdir())) < args.clients:
                if time.monotonic() > deadline:
                    raise SystemExit("the clients did not start within 300 s")
                time.sleep(0.05)
            go.touch()
            outputs = [c.communicate(timeout=1800)[0] for c in clients]
            results = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
            stored = sum(
                len(store.get_metric_arrays(r["run_id"], f"metric_{k}"))
                for r in results
                for k in range(args.keys)
            )
        finally:
            store.close()
    first = min(r["started"] for r in results)
    last = max(r["ended"] for r in results)
    points = sum(r["points"] for r in results)
    return {
        "backend": backend.split("://")[0],
        "clients": args.clients,
        "server_workers": args.workers,
        "points_per_client": args.points,
        "params_per_client": args.params,
        "points_logged": points,
        "points_stored": stored,
        "seconds": round(last - first, 3),
        "points_per_second": round(points / (last - first)),
        "log_metric_us_median": round(
            sorted(r["log_metric_us"] for r in results)[len(results) // 2], 2
        ),
    }


def main() -> None:
    """Parse the arguments and run the benchmark (or one client)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--backend", default=None, help="Database URI of the server.")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--params", type=int, default=50)
    parser.add_argument("--points", type=int, default=5000)
    parser.add_argument("--keys", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1, help="Server processes.")
    parser.add_argument("--json", action="store_true", help="Print the result as JSON only.")
    parser.add_argument(
        "--client", nargs=2, metavar=("EXPERIMENT", "GO_FILE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.client:
        client(args.client[0], Path(args.client[1]), args.params, args.points, args.keys)
        return
    result = bench(args)
    if args.json:
        print(json.dumps(result))
        return
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
