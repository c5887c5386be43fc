"""Jinja2 filters for the page templates: times, durations, numbers and sizes.

Templates are autoescaped; these filters return plain strings, never markup.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any


def format_time(ms: int | None) -> str:
    """Milliseconds since the epoch as local ``YYYY-MM-DD HH:MM:SS``."""
    if ms is None:
        return "—"
    return dt.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def iso_time(ms: int | None) -> str:
    """Milliseconds since the epoch in ISO 8601 (UTC), for ``<time datetime=...>``."""
    if ms is None:
        return ""
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).isoformat()


def format_duration(ms: int | None) -> str:
    """A duration in ms as ``850ms``, ``12.3s``, ``4m 05s`` or ``2h 03m``."""
    if ms is None or ms < 0:
        return "—"
    if ms < 1000:
        return f"{ms}ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def format_number(value: Any) -> str:
    """A metric value, short: up to 6 significant digits; NaN and infinities spelled out."""
    if value is None:
        return "—"
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.6g}"


def format_bytes(size: int | None) -> str:
    """A size in bytes as ``512 B``, ``1.5 KB``, ``20.0 MB``."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # pragma: no cover - the loop returns at GB


FILTERS: dict[str, Callable[..., str]] = {
    "time": format_time,
    "isotime": iso_time,
    "duration": format_duration,
    "number": format_number,
    "bytes": format_bytes,
}
