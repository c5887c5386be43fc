"""Store growth under many small fits: bytes and files on disk per 1,000 autologged fits.

A helper process autologs ``fits`` ``LogisticRegression`` fits (models logged, default
settings) on the same small data set and exits normally; then everything it left in the
workload's folder (database, its journal files, artifacts) is counted: bytes allocated on
disk (hard-linked files counted once, folders included) and distinct files, both scaled to
1,000 fits.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from harness import UNAVAILABLE, finish_helper, spawn_helper

HELPER_OUT = "store-fits.json"


def store_fits(tool: str, fits: int) -> dict[str, Any]:
    """In a fresh process: enable ``tool``'s autolog, fit ``fits`` times, exit."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    x, y = make_classification(n_samples=200, n_features=10, random_state=0)
    if tool == "trialbook":
        import trialbook

        trialbook.autolog(strict=True)
    else:
        import mlflow

        mlflow.sklearn.autolog()
    start = time.perf_counter()
    for _ in range(fits):
        LogisticRegression(max_iter=200).fit(x, y)
    return {"fit_s": time.perf_counter() - start}


def disk_usage(folder: Path, skip: frozenset[str] = frozenset()) -> tuple[int, int]:
    """(bytes allocated, distinct files) under ``folder``; a hard-linked file counts once."""
    seen: set[tuple[int, int]] = set()
    allocated = files = 0
    for parent, dirs, names in os.walk(folder):
        for name in [*names, *dirs]:
            if name in skip:
                continue
            info = os.lstat(os.path.join(parent, name))
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            allocated += info.st_blocks * 512
            files += name in names
    return allocated, files


def _store_size(tool: str, fits: int) -> dict[str, Any]:
    workdir = Path.cwd()
    out = workdir / HELPER_OUT
    proc = spawn_helper("bench_store", "store_fits", {"tool": tool, "fits": fits}, out)
    result = finish_helper(proc, out, 3600)
    if "error" in result:
        raise RuntimeError(result["error"])
    allocated, files = disk_usage(workdir, skip=frozenset({HELPER_OUT, "result.json"}))
    scaled = f"{fits:,} fits measured, scaled to 1,000"
    return {
        "notes": {"store_mb_per_1000": scaled, "store_files_per_1000": scaled},
        "store_mb_per_1000": allocated / fits * 1000 / 1e6,
        "store_files_per_1000": files / fits * 1000,
        "store_ms_per_fit": result["fit_s"] / fits * 1000,
        "fits": fits,
    }


def tb_store_size(fits: int) -> dict[str, Any]:
    """Bytes and files trialbook leaves per 1,000 autologged LogisticRegression fits."""
    from bench_autolog import _tb_missing

    missing = _tb_missing("sklearn", "sklearn")
    if missing:
        return {UNAVAILABLE: missing}
    return _store_size("trialbook", fits)


def mlflow_store_size(fits: int) -> dict[str, Any]:
    """The same with ``mlflow.sklearn.autolog()`` on its SQLite store."""
    from bench_autolog import _missing

    missing = _missing("sklearn")
    if missing:
        return {UNAVAILABLE: missing}
    return _store_size("mlflow", fits)
