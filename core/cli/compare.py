"""``trialbook runs compare``: params and final metrics of several runs side by side.

::

    trialbook runs compare 3f2a91c0 77b0e1d2 0c5e8a11 --diff-only

Rows whose values differ are marked ``≠`` and their values highlighted; rows that only some
of the runs have are marked ``◐`` (the missing values show as ``—``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import click
from rich.table import Table

from trialbook.cli import render
from trialbook.cli.common import State, find_run, pass_state
from trialbook.entities import Run

DIFFERS = "≠"
"""Marks a row whose values differ between the runs."""

PARTIAL = "◐"
"""Marks a row that only some of the runs have."""


def row_marker(values: Sequence[object | None]) -> str:
    """:data:`PARTIAL`, :data:`DIFFERS` or ``""`` for one row's values (None: missing)."""
    if any(v is None for v in values):
        return PARTIAL
    first = values[0]
    for value in values[1:]:
        if not _same(first, value):
            return DIFFERS
    return ""


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


@click.command(short_help="Compare params and final metrics side by side.")
@click.argument("run_ids", nargs=-1, required=True)
@click.option("--diff-only", is_flag=True, help="Only show rows whose values differ.")
@click.option("--full-ids", is_flag=True, help="Show whole run ids in the headers.")
@pass_state
def compare(state: State, run_ids: Sequence[str], diff_only: bool, full_ids: bool) -> None:
    """Compare the params and final metrics of two or more runs."""
    if len(run_ids) < 2:
        raise click.UsageError("Give at least two run ids to compare.")
    client = state.client()
    found = [find_run(client, run_id) for run_id in run_ids]
    out = render.console()
    params = {r.info.run_id: dict(r.data.params) for r in found}
    metrics = {r.info.run_id: dict(r.data.metrics) for r in found}
    counts: dict[str, int] = {DIFFERS: 0, PARTIAL: 0}
    for title, data, precise in (
        ("Params", params, False),
        ("Final metrics", metrics, True),
    ):
        table = _table(title, found, full_ids)
        for key in sorted({k for values in data.values() for k in values}):
            values = [data[r.info.run_id].get(key) for r in found]
            marker = row_marker(values)
            if marker:
                counts[marker] += 1
            elif diff_only:
                continue
            style = render.DIFF_STYLE if marker else ""
            cells = [
                render.cell(None if v is None else _text(v, precise), style=style) for v in values
            ]
            table.add_row(render.cell(marker, style=style), render.cell(key), *cells)
        out.print(table if table.row_count else render.cell(f"{title}: none.", style="dim"))
    out.print(
        f"{counts[DIFFERS]} rows differ ({DIFFERS}), {counts[PARTIAL]} rows are missing "
        f"in some runs ({PARTIAL})."
    )


def _table(title: str, found: Sequence[Run], full_ids: bool) -> Table:
    table = render.table("", "Key", title=title)
    for run in found:
        header = f"{render.short_id(run.info.run_id, full_ids)}\n{run.info.run_name}"
        table.add_column(header, no_wrap=full_ids)
    return table


def _text(value: object, precise: bool) -> str:
    if isinstance(value, float):
        return render.number(value, precise=precise)
    return str(value)
