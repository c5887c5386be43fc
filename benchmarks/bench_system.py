"""System metrics workload: what sampling CPU, memory, disk and network costs (issue 8).

After a short sampled warm-up run (one-time costs such as importing psutil), each side keeps a
run open for ``wall_s`` seconds with sampling off, then ``wall_s`` seconds with sampling on
every ``interval_s`` seconds, while the main thread sleeps. The process CPU
time of the second window minus the first is the sampler's cost (reading the counters,
logging the points and writing them); divided by the samples taken, it is the cost of one
sample, and over 10 s (both tools' default interval) the share of one core it takes.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from typing import Any

from harness import UNAVAILABLE

DEFAULT_INTERVAL_S = 10.0
"""trialbook's and MLflow's default sampling interval."""


def _cpu_seconds_over(wall_s: float) -> float:
    """Process CPU seconds (every thread) spent while this thread sleeps ``wall_s`` seconds."""
    start = time.process_time()
    time.sleep(wall_s)
    return time.process_time() - start


def _result(cpu_off: float, cpu_on: float, samples: int, wall_s: float) -> dict[str, Any]:
    if samples <= 0:
        raise RuntimeError(f"no sample was taken in {wall_s:g} s")
    per_sample_s = (cpu_on - cpu_off) / samples
    return {
        "samples": samples,
        "cpu_off_s": cpu_off,
        "cpu_on_s": cpu_on,
        "cpu_ms_per_sample": per_sample_s * 1000,
        "core_percent_measured": (cpu_on - cpu_off) / wall_s * 100,
        "core_percent_default": per_sample_s / DEFAULT_INTERVAL_S * 100,
        "notes": {
            "cpu_ms_per_sample": f"{samples} samples in {wall_s:g} s",
            "core_percent_default": "per-sample cost over a 10 s interval",
        },
    }


def _measure(
    start: Callable[[bool], Any], stop: Callable[[Any], int], wall_s: float, interval_s: float
) -> Any:
    """CPU seconds without and with sampling, and the samples taken, after a warm-up."""
    handle = start(True)  # one-time costs (importing psutil and the like) before measuring
    time.sleep(3 * interval_s)
    stop(handle)
    handle = start(False)
    cpu_off = _cpu_seconds_over(wall_s)
    stop(handle)
    handle = start(True)
    cpu_on = _cpu_seconds_over(wall_s)
    samples = stop(handle)
    return _result(cpu_off, cpu_on, samples, wall_s)


def tb_system_metrics(wall_s: float, interval_s: float) -> dict[str, Any]:
    """trialbook's sampler: ``start_run(log_system_metrics=...)``, ``set_interval``."""
    if importlib.util.find_spec("psutil") is None:
        return {UNAVAILABLE: "psutil is not installed"}
    import trialbook
    import trialbook.system
    from trialbook.system import monitor

    trialbook.system.set_interval(interval_s)

    def start(sampled: bool) -> str:
        return trialbook.start_run(log_system_metrics=sampled).info.run_id

    def stop(run_id: str) -> int:
        found = monitor.get(run_id)
        trialbook.end_run()  # stops and joins the sampling thread
        samples = found.samples if found is not None else 0
        stored = trialbook.TrackingClient().get_metric_history(run_id, "system/cpu_percent")
        if len(stored) != samples:
            raise RuntimeError(f"{samples} samples taken but {len(stored)} stored")
        return samples

    result: dict[str, Any] = _measure(start, stop, wall_s, interval_s)
    return result


def mlflow_system_metrics(wall_s: float, interval_s: float) -> dict[str, Any]:
    """MLflow's ``SystemMetricsMonitor``: ``start_run(log_system_metrics=...)``, one sample a log."""
    if importlib.util.find_spec("psutil") is None:
        return {UNAVAILABLE: "psutil is not installed in MLflow's environment"}
    import mlflow
    import mlflow.system_metrics as system_metrics

    system_metrics.set_system_metrics_sampling_interval(interval_s)
    system_metrics.set_system_metrics_samples_before_logging(1)

    def start(sampled: bool) -> str:
        return str(mlflow.start_run(log_system_metrics=sampled).info.run_id)

    def stop(run_id: str) -> int:
        mlflow.end_run()
        history = mlflow.MlflowClient().get_metric_history(
            run_id, "system/cpu_utilization_percentage"
        )
        return len(history)

    result: dict[str, Any] = _measure(start, stop, wall_s, interval_s)
    return result
