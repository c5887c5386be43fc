"""Whether a run's system metrics are sampled, and how often.

A run is sampled when ``start_run(log_system_metrics=True)`` asked for it; otherwise when
``trialbook.autolog(log_system_metrics=True)`` is in force or ``TRIALBOOK_LOG_SYSTEM_METRICS``
is true. ``start_run(log_system_metrics=False)`` always wins. The interval comes from
:func:`set_interval`, else ``TRIALBOOK_SYSTEM_METRICS_INTERVAL``, else 10 seconds; it is read
when a run starts.
"""

from __future__ import annotations

import math
import os
import warnings

ENABLE_ENV = "TRIALBOOK_LOG_SYSTEM_METRICS"
"""``true``/``1``/``yes``/``on`` samples every run that does not say otherwise."""

INTERVAL_ENV = "TRIALBOOK_SYSTEM_METRICS_INTERVAL"
"""Seconds between two samples (a positive number)."""

DEFAULT_INTERVAL_S = 10.0

_TRUE = frozenset({"1", "true", "yes", "on"})

_interval: float | None = None


class SystemMetricsWarning(RuntimeWarning):
    """System metrics could not be sampled; the run itself is unaffected."""


def set_interval(seconds: float | None) -> None:
    """Sample runs started from now on every ``seconds``; None goes back to the default.

    Raises:
        ValueError: ``seconds`` is not a positive, finite number.
    """
    global _interval
    if seconds is not None:
        seconds = _positive(seconds)
        if seconds is None:
            raise ValueError("The system metrics interval must be a positive number of seconds.")
    _interval = seconds


def get_interval() -> float:
    """Seconds between two samples of runs started now."""
    if _interval is not None:
        return _interval
    raw = os.environ.get(INTERVAL_ENV, "").strip()
    if not raw:
        return DEFAULT_INTERVAL_S
    try:
        seconds = _positive(float(raw))
    except ValueError:
        seconds = None
    if seconds is None:
        warnings.warn(
            f"trialbook: {INTERVAL_ENV}={raw!r} is not a positive number of seconds; "
            f"sampling system metrics every {DEFAULT_INTERVAL_S:g} s.",
            SystemMetricsWarning,
            stacklevel=2,
        )
        return DEFAULT_INTERVAL_S
    return seconds


def _positive(seconds: float) -> float | None:
    value = float(seconds)
    return value if math.isfinite(value) and value > 0 else None


def enabled_in_env() -> bool:
    """Whether ``TRIALBOOK_LOG_SYSTEM_METRICS`` turns sampling on."""
    return os.environ.get(ENABLE_ENV, "").strip().lower() in _TRUE


def should_sample(requested: bool | None) -> bool:
    """Whether a run that just started is sampled; ``requested`` is what ``start_run`` asked."""
    if requested is not None:
        return requested
    from trialbook.autolog.api import global_config

    config = global_config()
    if config.log_system_metrics and not config.disable:
        return True
    return enabled_in_env()
