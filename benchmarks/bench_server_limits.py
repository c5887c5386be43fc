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

trialbook only: MLflow's server is not measured here.
"""

from __future__ import annotations

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
