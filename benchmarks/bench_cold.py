"""Cold start: what a short script or a CLI call pays in a fresh process (issues 11 and 17).

Each ``tb_*`` / ``mlflow_*`` function builds ``runs`` finished runs (10 params, 10 metrics
each) in the default experiment of its tool's store, then times fresh processes against it:

* the first filtered search, measured inside the process from before the import to the
  answer (``import + first query``);
* ``python -c "import <tool>; print(<tool>.search_runs())"``, wall time of the whole process;
* the tool's own CLI listing runs (``trialbook runs list``, ``mlflow runs list``), wall time.

Each figure is the median of ``repeat`` processes after one unmeasured warm-up (which fills
the page cache). The store is left as the build wrote it: every process opens it cold.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_core import SEARCH_FILTER, SEARCH_ORDER
from harness import median

PARAMS = 10
METRICS = 10
FIRST_SEARCH = """
import time
start = time.perf_counter()
import {tool}
found = {client}.search_runs(["{experiment}"], "{filter}", max_results=100, order_by={order})
print(time.perf_counter() - start, len(found{runs}))
"""
PRINT_SEARCH = "import {tool}; print({tool}.search_runs())"


def _run_values(rng: random.Random) -> tuple[dict[str, float], dict[str, str]]:
    metrics = {f"m{k}": rng.random() for k in range(1, METRICS + 1)}
    params = {f"p{k}": str(rng.randint(0, 99)) for k in range(1, PARAMS + 1)}
    params["p1"] = rng.choice("xyz")
    return metrics, params


def _processes(command: list[str], repeat: int) -> list[float]:
    """Wall seconds of ``repeat`` runs of ``command`` (after one warm-up); stdout kept last."""
    samples = []
    for attempt in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, text=True, check=True)
        if attempt:
            samples.append(time.perf_counter() - start)
    return samples


def _inside(code: str, repeat: int) -> tuple[list[float], int]:
    """Seconds each process printed (after one warm-up), and the last count it printed."""
    samples, count = [], 0
    for attempt in range(repeat + 1):
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        seconds, found = proc.stdout.split()[-2:]
        count = int(found)
        if attempt:
            samples.append(float(seconds))
    return samples, count


def _measure(
    tool: str, client: str, experiment: str, cli: list[str], repeat: int, runs_attr: str
) -> dict[str, Any]:
    code = FIRST_SEARCH.format(
        tool=tool,
        client=client,
        experiment=experiment,
        filter=SEARCH_FILTER.replace('"', '\\"'),
        order=SEARCH_ORDER,
        runs=runs_attr,
    )
    first, found = _inside(code, repeat)
    printed = _processes([sys.executable, "-c", PRINT_SEARCH.format(tool=tool)], repeat)
    listed = _processes(cli, repeat)
    return {
        "first_search_ms": median(first) * 1000,
        "first_search_found": found,
        "print_search_runs_ms": median(printed) * 1000,
        "cli_list_ms": median(listed) * 1000,
    }


def tb_cold(runs: int, repeat: int) -> dict[str, Any]:
    """trialbook's cold-start figures over ``runs`` runs."""
    import trialbook
    from trialbook.store.base import Batch

    experiment = trialbook.set_experiment("Default").experiment_id
    client = trialbook.TrackingClient()
    store = client.store
    rng = random.Random(0)
    now = int(time.time() * 1000)
    metrics, params = [], []
    for i in range(runs):
        run_id = store.create_run(experiment, f"run-{i}", now + i, user_id="bench").info.run_id
        run_metrics, run_params = _run_values(rng)
        metrics += [(run_id, k, v, 0, now + i) for k, v in run_metrics.items()]
        params += [(run_id, k, v) for k, v in run_params.items()]
        store.update_run(run_id, status=trialbook.RunStatus.FINISHED, end_time=now + i + 1)
    store.write_batch(Batch(metrics=metrics, params=params))
    trialbook.flush()
    cli = [str(Path(sys.executable).with_name("trialbook")), "runs", "list"]
    if not Path(cli[0]).exists():
        cli = [sys.executable, "-m", "trialbook.cli", "runs", "list"]
    figures = _measure("trialbook", "trialbook.TrackingClient()", experiment, cli, repeat, ".runs")
    note = "trialbook runs list: the newest 50 runs of every experiment (its default)"
    return {"runs": runs, **figures, "notes": {"cli_list_ms": note}}


def mlflow_cold(runs: int, repeat: int) -> dict[str, Any]:
    """MLflow's cold-start figures over ``runs`` runs (built with ``log_batch``)."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunStatus

    experiment = mlflow.set_experiment("Default").experiment_id
    client = MlflowClient()
    rng = random.Random(0)
    now = int(time.time() * 1000)
    for i in range(runs):
        run_id = client.create_run(experiment, start_time=now + i, run_name=f"run-{i}").info.run_id
        run_metrics, run_params = _run_values(rng)
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, now + i, 0) for k, v in run_metrics.items()],
            params=[Param(k, v) for k, v in run_params.items()],
        )
        client.set_terminated(run_id, RunStatus.to_string(RunStatus.FINISHED), end_time=now + i + 1)
    cli = [sys.executable, "-m", "mlflow", "runs", "list", "--experiment-id", experiment]
    return {
        "runs": runs,
        **_measure("mlflow", "mlflow.MlflowClient()", experiment, cli, repeat, ""),
        "notes": {"cli_list_ms": "mlflow runs list --experiment-id <Default>: every run"},
    }
