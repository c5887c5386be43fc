"""Formatting for the command line: consoles, cells, times, numbers and tables.

::

    out = render.console()
    table = render.table("Run", "Status")
    table.add_row(render.cell(run.info.run_name), render.status(run.info.status))
    out.print(table)

Every user-supplied string goes through :func:`cell`, which makes a :class:`rich.text.Text`
so that names and tags containing ``[markup]`` print literally.
"""

from __future__ import annotations

import math
import os
import time
from datetime import datetime

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from trialbook.entities import RunStatus

PIPE_WIDTH = 240
"""Width used when output is not a terminal and ``COLUMNS`` is unset (rich would use 80)."""

SHORT_ID_LENGTH = 8
"""How many characters of a run id the tables show unless asked for full ids."""

MISSING = "—"
"""Shown where a run has no value for a row."""

DIFF_STYLE = "bold yellow"
"""Style of values that differ between compared runs."""

_STATUS_STYLES = {
    RunStatus.RUNNING: "cyan",
    RunStatus.FINISHED: "green",
    RunStatus.FAILED: "red",
    RunStatus.KILLED: "magenta",
}


def console(stderr: bool = False) -> Console:
    """A console on stdout (or stderr), wide when piped; strings print literally (no markup)."""
    made = Console(stderr=stderr, highlight=False, markup=False, soft_wrap=False)
    if not made.is_terminal and "COLUMNS" not in os.environ:
        made.width = PIPE_WIDTH
    return made


def error(message: str) -> None:
    """Print an error message in red on stderr."""
    console(stderr=True).print(Text(f"Error: {message}", style="red"))


def warning(message: str) -> None:
    """Print a warning in yellow on stderr."""
    console(stderr=True).print(Text(f"Warning: {message}", style="yellow"))


def cell(value: object, style: str = "") -> Text:
    """A table cell showing ``value`` literally (no markup), or :data:`MISSING` for None."""
    if value is None:
        return Text(MISSING, style="dim")
    return Text(str(value), style=style)


def table(*columns: str, title: str | None = None) -> Table:
    """A table with the house style and the given column headers."""
    made = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left", header_style="bold")
    for name in columns:
        made.add_column(name)
    return made


def short_id(run_id: str, full: bool = False) -> str:
    """The first :data:`SHORT_ID_LENGTH` characters of a run id (all of it if ``full``)."""
    return run_id if full else run_id[:SHORT_ID_LENGTH]


def status(value: RunStatus) -> Text:
    """A run status, coloured."""
    return Text(value.value, style=_STATUS_STYLES.get(value, ""))


def timestamp(ms: int | None) -> str:
    """Milliseconds since the epoch as local ``YYYY-MM-DD HH:MM:SS`` (empty for None)."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def duration(start_ms: int, end_ms: int | None) -> str:
    """How long a run took (or has been running, when ``end_ms`` is None), e.g. ``1h 02m``."""
    end = end_ms if end_ms is not None else int(time.time() * 1000)
    seconds = max(0.0, (end - start_ms) / 1000)
    if seconds < 60:
        text = f"{seconds:.1f}s"
    elif seconds < 3600:
        text = f"{int(seconds // 60)}m {int(seconds % 60):02d}s"
    elif seconds < 86400:
        text = f"{int(seconds // 3600)}h {int(seconds % 3600 // 60):02d}m"
    else:
        text = f"{int(seconds // 86400)}d {int(seconds % 86400 // 3600):02d}h"
    return text if end_ms is not None else f"{text}…"


def number(value: float, precise: bool = False) -> str:
    """A metric value: six significant digits, or the exact shortest form if ``precise``."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if precise:
        return repr(float(value))
    return f"{value:.6g}"


def plural(count: int, noun: str) -> str:
    """``1 run``, ``2 runs``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def size(num_bytes: int | None) -> str:
    """A file size in B, KiB, MiB or GiB (empty for None)."""
    if num_bytes is None:
        return ""
    amount = float(num_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{int(amount)} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} TiB"  # pragma: no cover - unreachable
