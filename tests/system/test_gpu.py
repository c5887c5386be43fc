"""GPU metrics: sampled per GPU through NVML when it works, silently absent when it does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import trialbook
from trialbook.system import SystemMetricsWarning
from trialbook.system.gpu import GpuProbe
from trialbook.system.sampler import SystemSampler

pytest.importorskip("psutil")


def unexpected(source: str, error: BaseException) -> None:
    raise AssertionError(f"{source} failed: {error}")


def test_without_the_nvml_library_there_is_no_gpu_probe() -> None:
    assert GpuProbe.open() is None  # the autouse fixture hides pynvml


def test_nvml_that_does_not_initialise_means_no_gpu_probe(
    install_nvml: Callable[..., Any],
) -> None:
    install_nvml(init_error=True)
    assert GpuProbe.open() is None


def test_nvml_without_devices_means_no_gpu_probe_and_is_shut_down(
    install_nvml: Callable[..., Any],
) -> None:
    nvml = install_nvml(gpus=0)
    assert GpuProbe.open() is None
    assert (nvml.inits, nvml.shutdowns) == (1, 1)


def test_without_a_gpu_the_sampler_has_no_gpu_source(tmp_path: Path) -> None:
    sampler = SystemSampler.create(tmp_path, unexpected)
    assert "gpu" not in sampler.sources
    assert not any(key.startswith("system/gpu") for key in sampler.sample())


def test_each_gpu_has_utilisation_and_memory_metrics(
    install_nvml: Callable[..., Any], tmp_path: Path
) -> None:
    install_nvml(gpus=2)
    sampler = SystemSampler.create(tmp_path, unexpected)
    values = sampler.sample()
    sampler.close()
    assert {k: v for k, v in values.items() if k.startswith("system/gpu")} == {
        "system/gpu_0_utilization_percent": 40.0,
        "system/gpu_0_memory_used_mb": 2000.0,
        "system/gpu_0_memory_percent": 25.0,
        "system/gpu_1_utilization_percent": 41.0,
        "system/gpu_1_memory_used_mb": 2000.0,
        "system/gpu_1_memory_percent": 25.0,
    }


def test_a_sampled_run_logs_gpu_metrics_and_releases_nvml(
    install_nvml: Callable[..., Any],
    wait_for_samples: Callable[..., Any],
    system_keys: Callable[[str], set[str]],
) -> None:
    nvml = install_nvml(gpus=1)
    with trialbook.start_run(log_system_metrics=True) as run:
        wait_for_samples(run.info.run_id)
    assert "system/gpu_0_utilization_percent" in system_keys(run.info.run_id)
    assert (nvml.inits, nvml.shutdowns) == (1, 1)


def test_a_gpu_lost_mid_run_is_one_warning_and_cpu_metrics_go_on(
    install_nvml: Callable[..., Any], tmp_path: Path
) -> None:
    nvml = install_nvml(gpus=1)
    failures: list[str] = []
    sampler = SystemSampler.create(tmp_path, lambda source, _error: failures.append(source))
    nvml.read_error = True
    values = sampler.sample()
    sampler.sample()
    assert failures == ["gpu"]
    assert "system/cpu_percent" in values
    assert nvml.shutdowns == 1


def test_a_gpu_lost_during_a_run_warns_once(
    install_nvml: Callable[..., Any], wait_for_samples: Callable[..., Any]
) -> None:
    nvml = install_nvml(gpus=1)
    nvml.read_error = True
    with (
        pytest.warns(SystemMetricsWarning, match="gpu metrics are left out") as record,
        trialbook.start_run(log_system_metrics=True) as run,
    ):
        wait_for_samples(run.info.run_id, 3)
    assert len(record) == 1
