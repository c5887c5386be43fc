"""System metrics: CPU, memory, disk, network and GPU sampled while a run is active.

Off by default. Turn it on per run, for every run, or from the environment::

    trialbook.start_run(log_system_metrics=True)      # this run
    trialbook.autolog(log_system_metrics=True)         # every run started afterwards
    # TRIALBOOK_LOG_SYSTEM_METRICS=true                # every run of the process

    import trialbook.system
    trialbook.system.set_interval(2.0)                 # seconds (default 10)

The built-in plugin :mod:`trialbook.system.plugin` samples in a daemon thread per run and logs
metrics named ``system/...``; it needs ``psutil`` (``pip install psutil``, or trialbook's ``system`` extra), and
GPU metrics also need NVIDIA's management library (``pip install nvidia-ml-py``).
"""

from __future__ import annotations

from trialbook.system.settings import (
    DEFAULT_INTERVAL_S,
    ENABLE_ENV,
    INTERVAL_ENV,
    SystemMetricsWarning,
    get_interval,
    set_interval,
)

__all__ = [
    "DEFAULT_INTERVAL_S",
    "ENABLE_ENV",
    "INTERVAL_ENV",
    "SystemMetricsWarning",
    "get_interval",
    "set_interval",
]
