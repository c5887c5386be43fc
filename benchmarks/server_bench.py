"""Throughput of the tracking server: many client processes logging at once.

::

    python benchmarks/server_bench.py                        # 1, 4, 16, 32, 64 clients
    python benchmarks/server_bench.py --backend postgresql+psycopg://u:p@127.0.0.1/db
    python benchmarks/server_bench.py --clients 8 --points 100000 --workers 2

For each client count a fresh ``trialbook server`` starts on the backend (default:
``TRIALBOOK_TEST_POSTGRES_URI``, else a temporary SQLite file) and takes one small batch
(warm-up: lazy imports are not timed). Each client process imports trialbook, waits for a
common start signal (so interpreter start-up is not timed), then logs ``--params`` params
and ``--points`` metric points over ``--keys`` keys in a run and ends it (which waits until
everything is stored).

Reported per client count: points stored per second from the start signal to the last run
ended; the CPU time per point of the server (its process and its workers), of the
PostgreSQL backends serving the benchmark's database (their process titles name it; the
shared WAL writer and checkpointer are not counted) and of the clients (after the start
signal); the load average before and after. Every run's stored history is checked against
what its client sent: steps ``0..n-1`` exactly once per key (no loss, no duplicate); any
difference is printed and makes the exit status 1.

The machine's cores are shared by the clients, the server and the database, so the CPU
per point says more than points/s on a small or busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


def client(experiment: str, go: Path, params: int, points: int, keys: int) -> None:
    """One training process: wait for ``go``, log, end the run, print timings as JSON."""
    import trialbook

    trialbook.set_experiment(experiment)
    (go.parent / "ready" / uuid.uuid4().hex).touch()
    while not go.exists():
        time.sleep(0.005)
    started = time.time()
    cpu_before = _own_cpu_s()
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
                "per_key": per_key,
                "log_metric_us": call_us,
                "cpu_s": _own_cpu_s() - cpu_before,
            }
        ),
        flush=True,
    )


def _own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


# CPU of other processes, from /proc ---------------------------------------------------------

_TICK_S = 1 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (None: it is gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def _cpu_s(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) * _TICK_S  # utime, stime


def _all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _tree_cpu_s(root: int) -> float:
    """CPU seconds of ``root`` and every live descendant (uvicorn's worker processes)."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for pid in _all_pids():
        fields = _stat(pid)
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(pid)
            cpu[pid] = _cpu_s(fields)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def _database_backends_cpu_s(database: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to ``database``, by pid.

    A backend's process title is ``postgres: [<cluster>:] <user> <database> <client> <activity>``.
    """
    found = {}
    for pid in _all_pids():
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if title[:1] == [b"postgres:"] and database.encode() in title[2:4]:
            fields = _stat(pid)
            if fields is not None:
                found[pid] = _cpu_s(fields)
    return found


class _BackendWatch:
    """The CPU the database's backends use from now to :meth:`stop`, polled in a thread.

    Polled every 0.2 s, so a backend that exits meanwhile (a pool's overflow connection)
    still counts, less at most its last 0.2 s.
    """

    def __init__(self, database: str) -> None:
        self.database = database
        self.first = _database_backends_cpu_s(database) if database else {}
        self.last = dict(self.first)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self) -> None:
        while self.database and not self.done.wait(0.2):
            self.last.update(_database_backends_cpu_s(self.database))

    def stop(self) -> float:
        """CPU seconds used by the backends since the watch started."""
        self.done.set()
        self.thread.join()
        if self.database:
            self.last.update(_database_backends_cpu_s(self.database))
        return sum(v - self.first.get(pid, 0.0) for pid, v in self.last.items())


def _sessions(store: Any, database: str) -> int:
    """Connections ever opened to ``database`` (PostgreSQL 14+ counts them), else -1."""
    import sqlalchemy as sa

    query = sa.text("SELECT sessions FROM pg_stat_database WHERE datname = :name")
    try:
        with store.engine.connect() as conn:
            found = conn.execute(query, {"name": database}).scalar()
    except sa.exc.DBAPIError:
        return -1
    return -1 if found is None else int(found)


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# One client count --------------------------------------------------------------------------


def _warm_up(url: str) -> None:
    """One run and one small batch, so the server's lazy imports are not timed."""
    from trialbook import TrackingClient

    tracking = TrackingClient(url)
    experiment_id = tracking.create_experiment(f"warm-up-{uuid.uuid4().hex[:8]}")
    run_id = tracking.create_run(experiment_id).info.run_id
    tracking.log_param(run_id, "warm", "up")
    tracking.log_metric(run_id, "warm", 1.0, step=0)
    tracking.set_terminated(run_id)
    tracking.flush()


def _check(store: Any, results: list[dict[str, Any]], keys: int) -> list[str]:
    """What differs between what the clients sent and what is stored (empty: nothing)."""
    import numpy as np

    problems = []
    for result in results:
        expected = np.arange(result["per_key"])
        for key in range(keys):
            steps = np.sort(store.get_metric_arrays(result["run_id"], f"metric_{key}").steps)
            if len(steps) != len(expected) or not np.array_equal(steps, expected):
                problems.append(
                    f"run {result['run_id']} metric_{key}: {len(steps)} points stored, "
                    f"{len(expected)} sent (steps 0..{len(expected) - 1} once each)"
                )
    return problems


def bench(args: argparse.Namespace, clients: int, backend: str) -> dict[str, Any]:
    """Start a server and ``clients`` clients; return the measurements."""
    from trialbook.server.testing import ServerProcess
    from trialbook.store.sql import SqlStore

    work = Path(tempfile.mkdtemp(prefix="trialbook-server-bench-"))
    experiment = f"bench-{uuid.uuid4().hex[:8]}"
    go = work / "go"
    (work / "ready").mkdir()
    env = {**os.environ, "TRIALBOOK_DISABLE_CONTEXT": "1"}
    database = urlparse(backend).path.lstrip("/") if backend.startswith("postgresql") else ""
    server_args = ["--workers", str(args.workers)]
    store = SqlStore(backend, str(work))
    with ServerProcess(backend, work / "artifacts", args=server_args) as server:
        if server.process is None:
            raise SystemExit("the server did not start")
        _warm_up(server.url)
        env["TRIALBOOK_TRACKING_URI"] = server.url
        command = [sys.executable, __file__, "--client", experiment, str(go)]
        command += ["--params", str(args.params), "--points", str(args.points)]
        command += ["--keys", str(args.keys)]
        processes = [
            subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
            for _ in range(clients)
        ]
        deadline = time.monotonic() + 300
        while len(list((work / "ready").iterdir())) < clients:
            if time.monotonic() > deadline:
                raise SystemExit("the clients did not start within 300 s")
            time.sleep(0.05)
        load_before = _load()
        sessions = _sessions(store, database) if database else -1
        server_cpu = _tree_cpu_s(server.process.pid)
        backends = _BackendWatch(database)
        go.touch()
        outputs = [p.communicate(timeout=3600)[0] for p in processes]
        server_cpu = _tree_cpu_s(server.process.pid) - server_cpu
        database_cpu_s = backends.stop()
        load_after = _load()
        if database:
            sessions = _sessions(store, database) - sessions
    results = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
    try:
        problems = _check(store, results, args.keys)
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)  # the artifacts, the server's log, the signals
    first = min(r["started"] for r in results)
    last = max(r["ended"] for r in results)
    points = sum(r["points"] for r in results)
    client_cpu = sum(r["cpu_s"] for r in results)
    return {
        "clients": clients,
        "points_sent": points,
        "points_stored_ok": points if not problems else None,
        "seconds": round(last - first, 3),
        "points_per_second": round(points / (last - first)),
        "server_cpu_us_per_point": round(server_cpu / points * 1e6, 3),
        "database_cpu_us_per_point": round(database_cpu_s / points * 1e6, 3) if database else None,
        "client_cpu_us_per_point": round(client_cpu / points * 1e6, 3),
        "database_sessions_opened": sessions if database else None,
        "log_metric_us_median": round(
            sorted(r["log_metric_us"] for r in results)[len(results) // 2], 2
        ),
        "load_before": load_before,
        "load_after": load_after,
        "problems": problems,
    }


_COLUMNS = (
    ("clients", "clients", "{:d}"),
    ("points_sent", "points", "{:,d}"),
    ("seconds", "s", "{:.2f}"),
    ("points_per_second", "points/s", "{:,d}"),
    ("server_cpu_us_per_point", "server CPU us/pt", "{:.2f}"),
    ("database_cpu_us_per_point", "PG CPU us/pt", "{:.2f}"),
    ("client_cpu_us_per_point", "client CPU us/pt", "{:.2f}"),
    ("database_sessions_opened", "PG sessions", "{:,d}"),
    ("load_before", "load before", "{}"),
    ("load_after", "load after", "{}"),
)


def _line(cells: list[str]) -> str:
    return "  ".join(c.rjust(max(11, len(t))) for c, (_, t, _) in zip(cells, _COLUMNS, strict=True))


def _row(row: dict[str, Any]) -> str:
    return _line(["-" if row[k] is None else fmt.format(row[k]) for k, _, fmt in _COLUMNS])


def main() -> None:
    """Parse the arguments and run the benchmark (or one client)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--backend", default=None, help="Database URI of the server.")
    parser.add_argument("--clients", default="1,4,16,32,64", help="Client counts, comma-separated.")
    parser.add_argument("--params", type=int, default=50)
    parser.add_argument("--points", type=int, default=100_000, help="Points per client.")
    parser.add_argument("--keys", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1, help="Server processes.")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON only.")
    parser.add_argument(
        "--client", nargs=2, metavar=("EXPERIMENT", "GO_FILE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.client:
        client(args.client[0], Path(args.client[1]), args.params, args.points, args.keys)
        return
    backend = args.backend or os.environ.get("TRIALBOOK_TEST_POSTGRES_URI")
    backend = backend or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    rows = []
    if not args.json:
        print(f"{args.points:,} points per client, {args.keys} keys, {args.params} params")
        print(_line([title for _, title, _ in _COLUMNS]), flush=True)
    for count in (int(c) for c in args.clients.split(",")):
        rows.append(bench(args, count, backend))
        if not args.json:
            print(_row(rows[-1]), flush=True)
    summary = {
        "backend": backend.split("://")[0],
        "server_workers": args.workers,
        "points_per_client": args.points,
        "params_per_client": args.params,
        "keys": args.keys,
        "cores": os.cpu_count(),
        "results": rows,
    }
    if args.json:
        print(json.dumps(summary))
    problems = [p for row in rows for p in row["problems"]]
    for problem in problems:
        print("LOST OR DUPLICATED:", problem, file=sys.stderr)
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
