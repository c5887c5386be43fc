"""JSON of one run: its details, metric histories for charts, sparklines, evaluation charts.

::

    GET /api/ui/runs/{id}
    GET /api/ui/runs/{id}/history?key=loss&points=1000&min_step=0&max_step=5000
    GET /api/ui/runs/{id}/sparklines?points=40
    GET /api/ui/runs/{id}/charts
    GET /api/ui/histories?key=loss&runs=<id>&runs=<id>&points=500      (compare view)

Histories come downsampled on the server (each bucket's minimum and maximum kept), so a
chart of a million points loads about 2,000.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from trialbook.ui.history import History, jsonable_number
from trialbook.ui.insights import evaluation_charts
from trialbook.ui.serialize import run_detail
from trialbook.ui.state import UIState, ui_state

router = APIRouter(prefix="/api/ui")

State = Annotated[UIState, Depends(ui_state)]
Points = Annotated[int, Query(ge=10, le=20_000)]

MAX_SPARKLINES = 200
MAX_COMPARE = 50


def history_json(history: History) -> dict[str, Any]:
    """A history as parallel lists; NaN and infinite values as strings."""
    return {
        "key": history.key,
        "total": history.total,
        "downsampled": history.downsampled,
        "steps": history.steps,
        "values": [jsonable_number(v) for v in history.values],
        "timestamps": history.timestamps,
    }


@router.get("/runs/{run_id}")
def run(state: State, run_id: str) -> dict[str, Any]:
    """Everything about a run, and its experiment's name."""
    found = state.store.get_run(run_id)
    summaries = state.store.get_metric_summaries([run_id]).get(run_id, [])
    experiment = state.store.get_experiment(found.info.experiment_id)
    return {
        "run": run_detail(found, summaries),
        "experiment": {"experiment_id": experiment.experiment_id, "name": experiment.name},
    }


@router.get("/runs/{run_id}/history")
def history(
    state: State,
    run_id: str,
    key: str,
    points: Points = 2000,
    min_step: int | None = None,
    max_step: int | None = None,
) -> dict[str, Any]:
    """A metric's history between two steps, at most ``points`` points (extremes kept)."""
    found = state.history.history(run_id, key, max(1, points // 2), min_step, max_step)
    return history_json(found)


@router.get("/histories")
def histories(
    state: State,
    key: str,
    runs: Annotated[list[str], Query()],
    points: Points = 1000,
) -> dict[str, Any]:
    """One metric's history for each of several runs (runs without it are left out)."""
    ids = list(dict.fromkeys(r for item in runs for r in item.split(",") if r))[:MAX_COMPARE]
    summaries = state.store.get_metric_summaries(ids)
    found = {}
    for run_id in ids:
        if any(s.key == key for s in summaries.get(run_id, [])):
            found[run_id] = history_json(state.history.history(run_id, key, max(1, points // 2)))
    return {"key": key, "histories": found}


@router.get("/runs/{run_id}/sparklines")
def sparklines(
    state: State,
    run_id: str,
    points: Annotated[int, Query(ge=4, le=500)] = 48,
    keys: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    """A short min/max-preserving series per metric, for trend lines in tables."""
    wanted = keys or sorted(state.history.summaries(run_id))
    lines = state.history.sparklines(run_id, wanted[:MAX_SPARKLINES], points)
    return {"sparklines": {k: [jsonable_number(v) for v in vs] for k, vs in lines.items()}}


@router.get("/runs/{run_id}/charts")
def charts(state: State, run_id: str) -> dict[str, Any]:
    """Confusion matrices and feature importances logged by integrations."""
    return evaluation_charts(state.artifacts(run_id))
