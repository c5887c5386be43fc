"""The built-in ``system`` plugin: samples system metrics while the runs that ask are active.

It listens to the run-lifecycle hooks like any plugin; ``TRIALBOOK_DISABLE_PLUGINS=system``
switches it off. Which runs are sampled, and how often: :mod:`trialbook.system.settings`.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

from trialbook.entities import Run, RunStatus
from trialbook.plugins.hookspecs import hookimpl
from trialbook.system import monitor, settings
from trialbook.system.sampler import PREFIX
from trialbook.system.settings import SystemMetricsWarning

_warned_missing_psutil = False


@hookimpl
def trialbook_run_started(run: Run, log_system_metrics: bool | None) -> None:
    """Start sampling the run if it asked for system metrics."""
    run_id = run.info.run_id
    if not settings.should_sample(log_system_metrics) or not _psutil_installed():
        return
    from trialbook.tracking.fluent import get_tracking_uri

    resumed = any(key.startswith(PREFIX) for key in run.data.metrics)
    monitor.start(run_id, get_tracking_uri(), settings.get_interval(), Path.cwd(), resumed)


@hookimpl
def trialbook_run_ended(run_id: str, status: RunStatus) -> None:
    """Stop sampling the run."""
    monitor.stop(run_id)


def _psutil_installed() -> bool:
    """Whether psutil can be imported; warns once per process when it cannot."""
    global _warned_missing_psutil
    if importlib.util.find_spec("psutil") is not None:
        return True
    if not _warned_missing_psutil:
        _warned_missing_psutil = True
        warnings.warn(
            "trialbook: system metrics need psutil, which is not installed; runs are logged "
            "without them. Install it with `pip install psutil`.",
            SystemMetricsWarning,
            stacklevel=2,
        )
    return False
