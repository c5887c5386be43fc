"""One reading of the machine: CPU, memory, disk, network and GPU, as ``system/`` metrics.

::

    sampler = SystemSampler.create(disk_path=Path.cwd(), on_error=print)
    sampler.sample()     # {"system/cpu_percent": 12.5, "system/memory_rss_mb": 231.4, ...}
    sampler.close()

CPU percentages cover the time since the previous sample (the first one: since
:meth:`SystemSampler.create`). Disk and network byte counts are totals since ``create``. A
source that fails is reported to ``on_error`` once and then left out; the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from trialbook.system.gpu import MB, GpuProbe

log = logging.getLogger(__name__)

PREFIX = "system/"
"""Every system metric's key starts with this (the UI shows them as a group of their own)."""

Source = Callable[[], dict[str, float]]


class SystemSampler:
    """Reads the system counters of one run; not thread-safe (one sampling thread uses it)."""

    def __init__(
        self,
        psutil: ModuleType,
        disk_path: Path,
        gpu: GpuProbe | None,
        on_error: Callable[[str, BaseException], None],
    ) -> None:
        self._psutil = psutil
        self._process = psutil.Process()
        self._disk_path = str(disk_path)
        self._gpu = gpu
        self._on_error = on_error
        self._errors: tuple[type[BaseException], ...] = (
            psutil.Error,
            OSError,
            *(gpu.errors if gpu is not None else ()),
        )
        self._disk_start = self._counters(psutil.disk_io_counters)
        self._net_start = self._counters(psutil.net_io_counters)
        # The first call of each cpu_percent only starts its measuring window.
        psutil.cpu_percent(interval=None)
        self._process.cpu_percent(interval=None)
        self._sources: dict[str, Source] = {
            "cpu": self._cpu,
            "memory": self._memory,
            "disk": self._disk,
            "network": self._network,
        }
        if gpu is not None:
            self._sources["gpu"] = gpu.sample

    @classmethod
    def create(
        cls, disk_path: Path, on_error: Callable[[str, BaseException], None]
    ) -> SystemSampler:
        """A sampler with GPU metrics when NVML is usable (imports psutil: it must be installed)."""
        import psutil

        return cls(psutil, disk_path, GpuProbe.open(), on_error)

    @property
    def sources(self) -> list[str]:
        """Names of the sources still sampled (``cpu``, ``memory``, ``disk``, ``network``, ``gpu``)."""
        return list(self._sources)

    def sample(self) -> dict[str, float]:
        """Read every source once; keys are prefixed with ``system/``."""
        values: dict[str, float] = {}
        for name, source in list(self._sources.items()):
            try:
                values.update(source())
            except self._errors as err:
                del self._sources[name]
                if name == "gpu":
                    self._close_gpu()
                self._on_error(name, err)
        return {PREFIX + key: value for key, value in values.items()}

    def close(self) -> None:
        """Release the GPU library."""
        self._close_gpu()

    def _close_gpu(self) -> None:
        gpu, self._gpu = self._gpu, None
        if gpu is not None:
            gpu.close()

    # Sources ---------------------------------------------------------------------------------

    def _cpu(self) -> dict[str, float]:
        return {
            "cpu_percent": float(self._psutil.cpu_percent(interval=None)),
            "process_cpu_percent": float(self._process.cpu_percent(interval=None)),
        }

    def _memory(self) -> dict[str, float]:
        memory = self._psutil.virtual_memory()
        return {
            "memory_rss_mb": self._process.memory_info().rss / MB,
            "memory_used_mb": (memory.total - memory.available) / MB,
            "memory_percent": float(memory.percent),
        }

    def _disk(self) -> dict[str, float]:
        values = {"disk_usage_percent": float(self._psutil.disk_usage(self._disk_path).percent)}
        now = self._counters(self._psutil.disk_io_counters)
        if now is not None and self._disk_start is not None:
            values["disk_read_mb"] = _since(now.read_bytes, self._disk_start.read_bytes)
            values["disk_write_mb"] = _since(now.write_bytes, self._disk_start.write_bytes)
        return values

    def _network(self) -> dict[str, float]:
        now = self._counters(self._psutil.net_io_counters)
        if now is None or self._net_start is None:
            return {}
        return {
            "network_sent_mb": _since(now.bytes_sent, self._net_start.bytes_sent),
            "network_received_mb": _since(now.bytes_recv, self._net_start.bytes_recv),
        }

    @staticmethod
    def _counters(read: Callable[[], Any]) -> Any:
        """System-wide I/O counters, or None where the platform has none (containers, some VMs)."""
        try:
            return read()
        except (OSError, RuntimeError) as err:  # psutil raises RuntimeError without counters
            log.debug("trialbook: no I/O counters: %s", err)
            return None


def _since(now: int, start: int) -> float:
    """Megabytes between two readings of a counter (never negative: counters can be reset)."""
    return max(0, now - start) / MB
