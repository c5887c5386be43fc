"""Core tracking workloads: import, start_run and params, search (issue 2).

Each ``tb_*`` function runs under trialbook's interpreter and each ``mlflow_*`` function under
MLflow's, in a fresh process whose working directory is a fresh temporary folder (see
``harness.run_side``). They return flat dicts of numbers; ``notes`` holds labels for the table.
Metric logging workloads live in ``bench_metrics``.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from typing import Any

from harness import median

SEARCH_FILTER = "metrics.m1 > 0.5 and params.p1 = 'x'"
SEARCH_ORDER = ["metrics.m2 DESC"]
MLFLOW_BUILD_BUDGET_S = 120.0
"""MLflow builds fewer search runs when building all of them would take longer than this."""
MLFLOW_FALLBACK_RUNS = 2_000


# import ------------------------------------------------------------------------------------


def _import_ms(module: str, repeat: int) -> dict[str, Any]:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    samples = []
    for attempt in range(repeat + 1):
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        if attempt:  # the first one may write bytecode caches
            samples.append(float(proc.stdout.strip().splitlines()[-1]) * 1000)
    return {"import_ms": median(samples), "import_ms_max": max(samples)}


def tb_import(repeat: int) -> dict[str, Any]:
    """``import trialbook`` in a fresh process, median of ``repeat``."""
    return _import_ms("trialbook", repeat)


def mlflow_import(repeat: int) -> dict[str, Any]:
    """``import mlflow`` in a fresh process, median of ``repeat``."""
    return _import_ms("mlflow", repeat)


# start_run and log_param --------------------------------------------------------------------


def _start_run_and_params(tool: Any, repeat: int, params: int) -> dict[str, Any]:
    start = time.perf_counter()
    tool.start_run()
    first_ms = (time.perf_counter() - start) * 1000
    tool.end_run()
    starts, ends = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        tool.start_run()
        middle = time.perf_counter()
        tool.end_run()
        starts.append((middle - start) * 1000)
        ends.append((time.perf_counter() - middle) * 1000)
    tool.start_run()
    tool.log_param("warm-up", 0)
    start = time.perf_counter()
    for i in range(params):
        tool.log_param(f"p{i}", i)
    params_ms = (time.perf_counter() - start) * 1000
    tool.end_run()
    return {
        "first_start_run_ms": first_ms,
        "start_run_ms": median(starts),
        "end_run_ms": median(ends),
        "log_params_ms": params_ms,
    }


def tb_start_run(repeat: int, params: int) -> dict[str, Any]:
    """start_run latency (capture on), end_run latency, ``params`` log_param calls."""
    import trialbook

    return _start_run_and_params(trialbook, repeat, params)


def mlflow_start_run(repeat: int, params: int) -> dict[str, Any]:
    """The same through MLflow's fluent API."""
    import mlflow

    return _start_run_and_params(mlflow, repeat, params)


# search -------------------------------------------------------------------------------------


def _run_data(rng: random.Random, i: int) -> tuple[dict[str, float], dict[str, str]]:
    metrics = {"m1": rng.random(), "m2": rng.random(), "m3": rng.random()}
    params = {"p1": rng.choice("xyz"), "p2": str(i % 7), "p3": str(rng.randint(0, 99))}
    return metrics, params


def _time_searches(search: Any, repeat: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for limit in (100, 1000):
        cold = time.perf_counter()
        found = search(limit)
        result[f"search{limit}_first_ms"] = (time.perf_counter() - cold) * 1000
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            search(limit)
            samples.append((time.perf_counter() - start) * 1000)
        result[f"search{limit}_ms"] = median(samples)
        result[f"search{limit}_found"] = found
    return result


def tb_search(runs: int, repeat: int) -> dict[str, Any]:
    """Search ``runs`` runs with a filter and an ordering; the runs are built through the store."""
    from trialbook import RunStatus, TrackingClient
    from trialbook.store.base import Batch

    client = TrackingClient()
    store = client.store
    experiment_id = client.create_experiment("search")
    rng = random.Random(0)
    now = int(time.time() * 1000)
    metrics, params = [], []
    start = time.perf_counter()
    for i in range(runs):
        run = store.create_run(experiment_id, f"run-{i}", now + i, user_id="bench")
        run_id = run.info.run_id
        run_metrics, run_params = _run_data(rng, i)
        metrics += [(run_id, k, v, 0, now + i) for k, v in run_metrics.items()]
        params += [(run_id, k, v) for k, v in run_params.items()]
        store.update_run(run_id, status=RunStatus.FINISHED, end_time=now + i + 1)
    store.write_batch(Batch(metrics=metrics, params=params))
    build_s = time.perf_counter() - start

    def search(limit: int) -> int:
        page = client.search_runs(
            [experiment_id], SEARCH_FILTER, max_results=limit, order_by=SEARCH_ORDER
        )
        return len(page.runs)

    result = {"runs": runs, "build_s": build_s, "build_ms_per_run": build_s / runs * 1000}
    return {**result, **_time_searches(search, repeat)}


def mlflow_search(runs: int, repeat: int) -> dict[str, Any]:
    """The same search through ``MlflowClient``; the runs are built with ``log_batch``.

    When building all runs would take longer than ``MLFLOW_BUILD_BUDGET_S``, only
    ``MLFLOW_FALLBACK_RUNS`` are built, and the result says so.
    """
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    client = MlflowClient()
    experiment_id = client.create_experiment("search")
    rng = random.Random(0)
    now = int(time.time() * 1000)
    target = runs
    start = time.perf_counter()
    built = 0
    while built < target:
        run = client.create_run(experiment_id, start_time=now + built, run_name=f"run-{built}")
        run_id = run.info.run_id
        run_metrics, run_params = _run_data(rng, built)
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, now + built, 0) for k, v in run_metrics.items()],
            params=[Param(k, v) for k, v in run_params.items()],
        )
        client.set_terminated(run_id, end_time=now + built + 1)
        built += 1
        if built == 100 and target > MLFLOW_FALLBACK_RUNS:
            projected = (time.perf_counter() - start) / 100 * target
            if projected > MLFLOW_BUILD_BUDGET_S:
                target = MLFLOW_FALLBACK_RUNS
    build_s = time.perf_counter() - start

    def search(limit: int) -> int:
        found = client.search_runs(
            [experiment_id], SEARCH_FILTER, max_results=limit, order_by=SEARCH_ORDER
        )
        return len(found)

    result: dict[str, Any] = {
        "runs": built,
        "build_s": build_s,
        "build_ms_per_run": build_s / built * 1000,
    }
    if built < runs:
        note = f"MLflow searched {built:,} runs (building {runs:,} would take > 2 min)"
        result["notes"] = {"search100_ms": note, "search1000_ms": note}
    return {**result, **_time_searches(search, repeat)}
