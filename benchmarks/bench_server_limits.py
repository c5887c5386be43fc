"""Request bombs against a tracking server: what one small hostile request costs it (issue 12).

For each bomb a fresh ``trialbook server`` starts (default limits unless ``limit_mib`` is
given), answers one small request (warm-up), and then gets the bomb on
``POST /api/v1/runs/search``. Reported: the growth of the server's peak resident memory
(``VmHWM`` minus ``VmRSS`` before the bomb, from ``/proc``), as MB and as a multiple of
``max_decoded_bytes``, the time until its answer (a 413) and the server's CPU time for it.
Bombs:

* ``gzip``: a few hundred KiB of gzip decoding to 16 times the decoded limit;
* ``wide``: just under the decoded limit of ``{},`` (empty objects: past the element limit);
* ``deep``: just under the decoded limit of ``[`` (past the depth limit).

``hostile_searches`` measures the answer time of the searches issue 12 found hostile (a
``LIKE`` with 30 and 200 ``%``, an ``ILIKE`` alternating ``%a``, a filter of 1,001
comparisons, one of 70,000 characters) on a server over many runs with long names, and the
worst ``/health`` latency while the 200-``%`` search runs again and again.

trialbook only: MLflow's server is not measured here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness import UNAVAILABLE

MIB = 1 << 20


def _gzip(prefix: bytes, unit: bytes, size: int, suffix: bytes) -> bytes:
    """``prefix + unit * n + suffix`` of about ``size`` bytes, gzipped without holding it."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(prefix)]
    block = unit * (MIB // len(unit))
    for _ in range(size // len(block)):
        parts.append(packer.compress(block))
    parts.append(packer.compress(suffix))
    parts.append(packer.flush())
    return b"".join(parts)


def _bombs(limit: int) -> Iterator[tuple[str, bytes]]:
    yield "gzip", _gzip(b"[", b"0,", 16 * limit, b"0]")
    yield "wide", _gzip(b'{"experiment_ids": [', b"{},", limit - MIB, b"{}]}")
    yield "deep", _gzip(b'{"experiment_ids": ', b"[", limit - MIB, b"")


def _memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def _cpu_ms(pid: int) -> float:
    """CPU time (user + system) the process used so far, in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def _one(name: str, bomb: bytes, args: list[str], limit: int) -> dict[str, Any]:
    import httpx

    from trialbook.server.testing import ServerProcess

    with tempfile.TemporaryDirectory(prefix="bomb-") as tmp:
        root = Path(tmp)
        with ServerProcess(f"sqlite:///{root / 's.db'}", root / "artifacts", args=args) as server:
            if server.process is None:
                raise RuntimeError("the server did not start")
            pid = server.process.pid
            with httpx.Client(base_url=server.url, timeout=600) as http:
                http.post("/api/v1/runs/search", json={"experiment_ids": ["0"]})
                before = _memory_kib(pid, "VmRSS")
                cpu_before = _cpu_ms(pid)
                start = time.perf_counter()
                answer = http.post(
                    "/api/v1/runs/search",
                    content=bomb,
                    headers={"content-type": "application/json", "content-encoding": "gzip"},
                )
                seconds = time.perf_counter() - start
                cpu = _cpu_ms(pid) - cpu_before
            growth = max(0, _memory_kib(pid, "VmHWM") - before) * 1024
    return {
        f"{name}_compressed_kib": len(bomb) / 1024,
        f"{name}_status": answer.status_code,
        f"{name}_peak_growth_mb": growth / 1e6,
        f"{name}_growth_x_limit": growth / limit,
        f"{name}_answer_ms": seconds * 1000,
        f"{name}_server_cpu_ms": cpu,
    }


def tb_request_bombs(limit_mib: int | None) -> dict[str, Any]:
    """Peak memory growth and answer time of the server for each bomb."""
    if not Path("/proc/self/status").exists():
        return {UNAVAILABLE: "needs /proc (Linux) to read the server's peak memory"}
    from trialbook.store.rest.limits import Limits

    args: list[str] = []
    limit = Limits().max_decoded_bytes
    if limit_mib is not None:
        limit = limit_mib * MIB
        args = ["--limit", f"max_body_bytes={limit}", "--limit", f"max_decoded_bytes={limit}"]
    result: dict[str, Any] = {"max_decoded_mb": limit / 1e6, "notes": {}}
    for name, bomb in _bombs(limit):
        measured = _one(name, bomb, args, limit)
        if measured[f"{name}_status"] != 413:
            raise RuntimeError(f"the {name} bomb got {measured[f'{name}_status']}, not 413")
        result.update(measured)
        result["notes"][f"{name}_growth_x_limit"] = (
            f"{measured[f'{name}_compressed_kib']:,.0f} KiB sent; "
            f"{measured[f'{name}_growth_x_limit']:.2f}x max_decoded_bytes; "
            f"413 in {measured[f'{name}_answer_ms']:,.0f} ms "
            f"({measured[f'{name}_server_cpu_ms']:,.0f} ms of server CPU)"
        )
    return result


def mlflow_request_bombs(limit_mib: int | None) -> dict[str, Any]:
    """Not measured for MLflow."""
    return {UNAVAILABLE: "trialbook's server limits only"}


def _hostile_filters() -> dict[str, dict[str, Any]]:
    """The searches issue 12 found hostile, by name, as request bodies (experiment added)."""
    return {
        # 30 '%' took 39 s in a backtracking regex; 200 never answered.
        "like30": {"filter_string": "run_name LIKE '" + "%" * 30 + "b'"},
        "like200": {"filter_string": "run_name LIKE '" + "%" * 200 + "b'"},
        "ilike200": {"filter_string": "run_name ILIKE '" + "%a" * 100 + "%zzz'"},
        # Refused by the parser's limits before any SQL is built.
        "terms1001": {"filter_string": " or ".join(f"run_name = 'r{i}'" for i in range(1001))},
        "chars70k": {"filter_string": "run_name = '" + "r" * 70_000 + "'"},
    }


def tb_hostile_searches(runs: int, repeat: int) -> dict[str, Any]:
    """Answer time of hostile searches on a server over ``runs`` runs, and /health meanwhile.

    On SQLite; on PostgreSQL too (``pg_`` keys) when ``BENCH_POSTGRES_URI`` names a
    server where a throwaway database may be created.
    """
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        result = _hostile_on(f"sqlite:///{Path(tmp) / 's.db'}", Path(tmp), runs, repeat, "")
    postgres = os.environ.get("BENCH_POSTGRES_URI")
    if postgres:
        with _throwaway_database(postgres) as uri, tempfile.TemporaryDirectory() as tmp:
            measured = _hostile_on(uri, Path(tmp), runs, repeat, "pg_")
        result["notes"].update(measured.pop("notes"))
        result.update(measured)
    return result


@contextlib.contextmanager
def _throwaway_database(base_uri: str) -> Iterator[str]:
    import uuid

    import sqlalchemy as sa

    base = sa.make_url(base_uri)
    name = f"trialbook_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _hostile_on(database: str, root: Path, runs: int, repeat: int, prefix: str) -> dict[str, Any]:
    import statistics
    import threading

    import httpx

    from trialbook.server.testing import ServerProcess
    from trialbook.store.sql import SqlStore

    result: dict[str, Any] = {"notes": {}}
    store = SqlStore(database, str(root / "artifacts"))
    experiment_id = store.get_or_create_experiment("hostile").experiment_id
    for i in range(runs):  # Long names: the work of a backtracking matcher grows with them.
        store.create_run(experiment_id, f"run-{i:06d}-" + "a" * 200, 1)
    store.close()
    with (
        ServerProcess(database, root / "artifacts") as server,
        httpx.Client(base_url=server.url, timeout=600) as http,
    ):
        http.get("/health")
        for name, body in _hostile_filters().items():
            times, status = [], 0
            for _ in range(repeat):
                start = time.perf_counter()
                answer = http.post(
                    "/api/v1/runs/search", json={"experiment_ids": [experiment_id], **body}
                )
                times.append((time.perf_counter() - start) * 1000)
                status = answer.status_code
            result[f"{prefix}{name}_ms"] = statistics.median(times)
            result["notes"][f"{prefix}{name}_ms"] = f"answered {status}"
        # /health while the 200-'%' search runs again and again on another connection.
        stop = threading.Event()

        def hammer() -> None:
            body = {"experiment_ids": [experiment_id], **_hostile_filters()["like200"]}
            with httpx.Client(base_url=server.url, timeout=600) as other:
                while not stop.is_set():
                    other.post("/api/v1/runs/search", json=body)

        worker = threading.Thread(target=hammer)
        worker.start()
        health = []
        try:
            for _ in range(20 * repeat):
                start = time.perf_counter()
                http.get("/health")
                health.append((time.perf_counter() - start) * 1000)
        finally:
            stop.set()
            worker.join()
        result[f"{prefix}health_during_like200_max_ms"] = max(health)
    return result


def mlflow_hostile_searches(runs: int, repeat: int) -> dict[str, Any]:
    """Not measured for MLflow."""
    return {UNAVAILABLE: "trialbook's server limits only"}
