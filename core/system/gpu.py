"""NVIDIA GPU utilisation and memory through NVML (``nvidia-ml-py``), when it is there.

::

    probe = GpuProbe.open()        # None without pynvml, a driver or a GPU
    if probe is not None:
        probe.sample()             # {"gpu_0_utilization_percent": 87.0, ...}
        probe.close()

No GPU is never an error: :meth:`GpuProbe.open` returns None and the sampler goes without.
"""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)

MB = 1_000_000
"""Bytes per megabyte in every ``*_mb`` metric."""


class GpuProbe:
    """Reads every visible NVIDIA GPU; one per sampler (NVML counts its initialisations)."""

    def __init__(self, nvml: ModuleType, handles: list[Any]) -> None:
        self._nvml = nvml
        self._handles = handles
        self.errors: tuple[type[BaseException], ...] = (nvml.NVMLError,)
        """What a failing read raises (the sampler then drops GPU metrics)."""

    @classmethod
    def open(cls) -> GpuProbe | None:
        """Initialise NVML and find the GPUs; None when the library, driver or GPUs are missing."""
        try:
            import pynvml
        except ImportError:
            return None
        try:
            pynvml.nvmlInit()
        except (pynvml.NVMLError, OSError) as err:
            log.debug("trialbook: no GPU metrics, NVML did not initialise: %s", err)
            return None
        try:
            count = pynvml.nvmlDeviceGetCount()
            handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
        except pynvml.NVMLError as err:
            log.debug("trialbook: no GPU metrics, NVML found no devices: %s", err)
            handles = []
        probe = cls(pynvml, handles)
        if not handles:
            probe.close()
            return None
        return probe

    @property
    def count(self) -> int:
        """How many GPUs are sampled."""
        return len(self._handles)

    def sample(self) -> dict[str, float]:
        """Utilisation (%), memory used (MB) and memory used (%) of each GPU."""
        nvml = self._nvml
        values: dict[str, float] = {}
        for index, handle in enumerate(self._handles):
            rates = nvml.nvmlDeviceGetUtilizationRates(handle)
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
            values[f"gpu_{index}_utilization_percent"] = float(rates.gpu)
            values[f"gpu_{index}_memory_used_mb"] = memory.used / MB
            if memory.total:
                values[f"gpu_{index}_memory_percent"] = 100.0 * memory.used / memory.total
        return values

    def close(self) -> None:
        """Release NVML (once per :meth:`open`)."""
        try:
            self._nvml.nvmlShutdown()
        except self.errors as err:
            log.debug("trialbook: NVML shutdown failed: %s", err)
