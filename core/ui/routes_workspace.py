"""JSON of the experiment page's chart panel: many runs' metrics in one request.

::

    GET /api/ui/charts?runs=<id>,<id>,...                       # families and single values
    GET /api/ui/charts?runs=<id>,...&keys=train_loss&keys=val_loss&points=200&times=true
    GET /api/ui/charts?runs=<id>,...&keys=val_loss&min_step=500&max_step=900    (zoomed)

Without ``keys`` the answer groups the runs' metrics into families charted together
(``train_loss`` with ``val_loss``; see :mod:`trialbook.ui.families`) and gives the value of
each metric logged once (``best_iteration``, test scores), shown as values rather than as
one-point charts. With ``keys`` it gives those metrics' histories per run, downsampled on the
server (each bucket's minimum and maximum kept) and read in one query for all the runs: the
page asks for each chart as it scrolls into view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from trialbook.entities import MetricSummary
from trialbook.errors import TrialbookError
from trialbook.ui.families import metric_families
from trialbook.ui.history import History, jsonable_number
from trialbook.ui.state import UIState, ui_state

router = APIRouter(prefix="/api/ui")

State = Annotated[UIState, Depends(ui_state)]

MAX_CHART_RUNS = 250
"""Runs one chart request draws at most (their ids fill about 8 KB of the URL)."""
MAX_CHART_KEYS = 32
"""Metrics one chart request returns histories of at most."""


class ChartRequestTooLargeError(TrialbookError, ValueError):
    """A chart request names more runs or metrics than one answer carries (answers 400)."""


def _ids(values: list[str] | None) -> list[str]:
    return list(dict.fromkeys(v for item in values or [] for v in item.split(",") if v))


def overview_json(history: History, times: bool) -> dict[str, Any]:
    """A small history as parallel lists; timestamps only when asked for."""
    body: dict[str, Any] = {
        "total": history.total,
        "downsampled": history.downsampled,
        "steps": history.steps,
        "values": [jsonable_number(v) for v in history.values],
    }
    if times:
        body["timestamps"] = history.timestamps
    return body


@router.get("/charts", response_model=None)
def charts(
    state: State,
    runs: Annotated[list[str], Query()],
    keys: Annotated[list[str] | None, Query()] = None,
    points: Annotated[int, Query(ge=10, le=5000)] = 200,
    times: bool = False,
    min_step: int | None = None,
    max_step: int | None = None,
) -> JSONResponse:
    """Metric families and single values of the given runs, or histories of ``keys``.

    ``times``: include timestamps (for a time x-axis). ``min_step``/``max_step``: only the
    points between them (a zoomed chart asks for the detail of its range).
    """
    ids = _ids(runs)
    if len(ids) > MAX_CHART_RUNS:
        raise ChartRequestTooLargeError(
            f"{len(ids)} runs asked for; a chart request draws at most {MAX_CHART_RUNS}: "
            "select fewer runs or page the table."
        )
    if keys:
        if len(keys) > MAX_CHART_KEYS:
            raise ChartRequestTooLargeError(
                f"{len(keys)} metrics asked for; one request returns at most {MAX_CHART_KEYS}."
            )
        found = state.history.overviews(ids, keys, max(1, points // 2), min_step, max_step)
        # Straight to JSON: FastAPI's encoder would walk every number of every series again.
        return JSONResponse(
            {
                "histories": {
                    key: {run_id: overview_json(h, times) for run_id, h in by_run.items()}
                    for key, by_run in found.items()
                }
            }
        )
    return JSONResponse(panel_json(ids, state.store.get_metric_summaries(ids)))


def panel_json(
    run_ids: Sequence[str], summaries: Mapping[str, Sequence[MetricSummary]]
) -> dict[str, Any]:
    """The chart panel's families and single values of the runs (the first
    :data:`MAX_CHART_RUNS` of them), from their metric summaries."""
    counts: dict[str, int] = {}
    values: dict[str, dict[str, Any]] = {}
    for run_id in run_ids[:MAX_CHART_RUNS]:
        for summary in summaries.get(run_id, []):
            counts[summary.key] = max(counts.get(summary.key, 0), summary.count)
            values.setdefault(summary.key, {})[run_id] = jsonable_number(summary.latest)
    charted = sorted(k for k, n in counts.items() if n > 1)
    single = sorted(k for k, n in counts.items() if n <= 1)
    return {
        "families": [{"name": f.name, "keys": f.keys} for f in metric_families(charted)],
        "values": {key: values[key] for key in single},
    }
