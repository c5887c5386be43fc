"""Fixtures for system metrics: a short interval, no GPU unless a test fakes one, cleanup."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

import trialbook
from trialbook.system import monitor, settings

INTERVAL_S = 0.05
DEADLINE_S = 20.0


@pytest.fixture(autouse=True)
def system_metrics_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Sample every 0.05 s, ignore the outer environment and hide any real GPU library."""
    monkeypatch.delenv(settings.ENABLE_ENV, raising=False)
    monkeypatch.delenv(settings.INTERVAL_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "pynvml", None)  # `import pynvml` raises ImportError
    settings.set_interval(INTERVAL_S)
    yield
    settings.set_interval(None)
    monitor.stop_all()


@pytest.fixture
def autolog_off() -> Iterator[None]:
    """Turn autologging off again after a test that turns it on."""
    yield
    trialbook.autolog(disable=True)


def poll(predicate: Callable[[], bool], deadline_s: float = DEADLINE_S) -> None:
    """Poll until ``predicate()`` is true; fail the test after ``deadline_s`` seconds."""
    end = time.monotonic() + deadline_s
    while not predicate():
        if time.monotonic() > end:
            pytest.fail(f"condition not met within {deadline_s} s")
        time.sleep(0.01)


def _wait_for_samples(run_id: str, count: int = 2) -> monitor.Monitor:
    found = monitor.get(run_id)
    assert found is not None, f"run {run_id} is not sampled"
    poll(lambda: found.samples >= count)
    return found


def _system_keys(run_id: str) -> set[str]:
    summaries = trialbook.TrackingClient().get_metric_summaries(run_id)
    return {s.key for s in summaries if s.key.startswith("system/")}


@pytest.fixture
def wait_for() -> Callable[[Callable[[], bool]], None]:
    """``wait_for(predicate)``: poll with a deadline."""
    return poll


@pytest.fixture
def wait_for_samples() -> Callable[..., monitor.Monitor]:
    """``wait_for_samples(run_id, count=2)``: the run's monitor once it logged ``count`` samples."""
    return _wait_for_samples


@pytest.fixture
def system_keys() -> Callable[[str], set[str]]:
    """``system_keys(run_id)``: keys of the run's ``system/`` metrics in the store."""
    return _system_keys


class FakeNvml(ModuleType):
    """A stand-in for ``pynvml`` with ``gpus`` devices; counts init and shutdown calls."""

    class NVMLError(Exception):
        """NVML's error type."""

    def __init__(self, gpus: int = 1, init_error: bool = False) -> None:
        super().__init__("pynvml")
        self.gpus = gpus
        self.init_error = init_error
        self.read_error = False
        self.inits = 0
        self.shutdowns = 0

    def nvmlInit(self) -> None:
        if self.init_error:
            raise self.NVMLError("Driver Not Loaded")
        self.inits += 1

    def nvmlShutdown(self) -> None:
        self.shutdowns += 1

    def nvmlDeviceGetCount(self) -> int:
        return self.gpus

    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any:
        return index

    def nvmlDeviceGetUtilizationRates(self, handle: Any) -> Any:
        if self.read_error:
            raise self.NVMLError("GPU is lost")
        return SimpleNamespace(gpu=40 + handle, memory=10)

    def nvmlDeviceGetMemoryInfo(self, handle: Any) -> Any:
        return SimpleNamespace(used=2_000_000_000, total=8_000_000_000)


@pytest.fixture
def install_nvml(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeNvml]:
    """``install_nvml(gpus=1, init_error=False)``: a fake NVML installed as ``pynvml``."""

    def install(gpus: int = 1, init_error: bool = False) -> FakeNvml:
        nvml = FakeNvml(gpus, init_error)
        monkeypatch.setitem(sys.modules, "pynvml", nvml)
        return nvml

    return install
