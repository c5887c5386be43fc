"""The runs table as CSV: the rows a filter matches, in the table's order and columns.

::

    GET /api/ui/experiments/{id}/runs.csv?filter=...&order_by=metrics.acc%20DESC
        &params=lr&metrics=acc:latest&metrics=loss:min&tags=team&view=active

Every matching run is written (up to :data:`MAX_EXPORT`), one row each, children included
with their parent's id. Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
``@`` first) is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from trialbook.entities import MetricSummary, Run, ViewType
from trialbook.errors import InvalidValueError
from trialbook.ui.history import jsonable_number
from trialbook.ui.state import UIState, ui_state

MAX_EXPORT = 100_000
"""Runs one export writes at most."""
AGGREGATES = ("latest", "min", "max")
_PAGE = 1000
_FORMULA = ("=", "+", "-", "@", "\t", "\r")

router = APIRouter(prefix="/api/ui")

State = Annotated[UIState, Depends(ui_state)]
Keys = Annotated[list[str] | None, Query()]


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: formulas are prefixed with ``'``, numbers kept."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def _metric_columns(metrics: list[str]) -> list[tuple[str, str]]:
    columns = []
    for item in metrics:
        key, _, agg = item.rpartition(":")
        if not key or agg not in AGGREGATES:
            key, agg = item, "latest"
        columns.append((key, agg))
    return columns


def _iso(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")


@router.get("/experiments/{experiment_id}/runs.csv")
def export_runs(
    state: State,
    experiment_id: str,
    filter: str = "",
    order_by: Keys = None,
    params: Keys = None,
    metrics: Keys = None,
    tags: Keys = None,
    view: str = "active",
) -> StreamingResponse:
    """The matching runs as CSV, with the chosen param, metric (``key:agg``) and tag columns."""
    try:
        view_type = ViewType.parse(view)
    except ValueError:
        raise InvalidValueError("view", view, "use active, deleted or all") from None
    experiment = state.store.get_experiment(experiment_id)
    param_keys = list(params or [])
    metric_columns = _metric_columns(list(metrics or []))
    tag_keys = list(tags or [])
    ordering = list(order_by or [])
    # Read the first page now, so a bad filter answers 400 rather than a broken download.
    first = state.store.search_runs([experiment_id], filter, ordering, _PAGE, view_type)
    header = [
        "run_id",
        "run_name",
        "status",
        "start_time",
        "end_time",
        "duration_ms",
        "parent_run_id",
        *(f"params.{k}" for k in param_keys),
        *(
            f"metrics.{k}" if agg == "latest" else f"{agg}(metrics.{k})"
            for k, agg in metric_columns
        ),
        *(f"tags.{k}" for k in tag_keys),
    ]

    def row(run: Run, summaries: list[MetricSummary]) -> list[Any]:
        info = run.info
        by_key = {s.key: s for s in summaries}
        values = []
        for key, agg in metric_columns:
            summary = by_key.get(key)
            values.append("" if summary is None else jsonable_number(getattr(summary, agg)))
        return [
            info.run_id,
            info.run_name,
            info.status.value,
            _iso(info.start_time),
            _iso(info.end_time),
            "" if info.end_time is None else info.end_time - info.start_time,
            info.parent_run_id or "",
            *(run.data.params.get(k, "") for k in param_keys),
            *values,
            *(run.data.tags.get(k, "") for k in tag_keys),
        ]

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        page, written = first, 0
        while True:
            for run in page.runs[: MAX_EXPORT - written]:
                writer.writerow(
                    [safe_cell(v) for v in row(run, page.summaries.get(run.info.run_id, []))]
                )
                written += 1
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if not page.next_page_token or written >= MAX_EXPORT:
                return
            page = state.store.search_runs(
                [experiment_id], filter, ordering, _PAGE, view_type, page.next_page_token
            )

    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in experiment.name)[:80]
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name or "runs"}-runs.csv"'},
    )
