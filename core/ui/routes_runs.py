"""JSON of the experiments list, the runs table and the compare view (under ``/api/ui``).

::

    GET /api/ui/experiments?view=active
    GET /api/ui/experiments/{id}/columns
    GET /api/ui/experiments/{id}/runs?filter=...&order_by=metrics.acc%20DESC&max_results=100
        &page_token=...&tags=team&group_by=optimizer&nest=true     (or &parent=<run id>)
        &charts=true       (with the chart panel's families of the page's runs: one call less)
    GET /api/ui/compare?runs=<id>&runs=<id>

Search errors answer 400 with ``{"error": {"type": "SearchSyntaxError", "message",
"column", "text", "field"}}`` so the page can point at the mistake.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from trialbook.entities import ViewType
from trialbook.errors import SearchSyntaxError, TrialbookError
from trialbook.search import parse_filter
from trialbook.ui import queries
from trialbook.ui.routes_workspace import panel_json
from trialbook.ui.serialize import error_json, experiment_json, run_detail, run_row
from trialbook.ui.state import UIState, ui_state

router = APIRouter(prefix="/api/ui")

State = Annotated[UIState, Depends(ui_state)]

MAX_PAGE = 1000
MAX_COMPARE = 50


def _view(view: str) -> ViewType:
    try:
        return ViewType.parse(view)
    except ValueError:
        raise TrialbookError(f"Unknown view {view!r}: use active, deleted or all.") from None


@router.get("/experiments")
def experiments(state: State, view: str = "active") -> dict[str, Any]:
    """Experiments by name, with run counts and last activity."""
    stats = state.store.experiment_stats()
    found = state.store.search_experiments(_view(view))
    return {"experiments": [experiment_json(e, stats) for e in found]}


@router.get("/experiments/{experiment_id}")
def experiment(state: State, experiment_id: str) -> dict[str, Any]:
    """One experiment with its run count and last activity."""
    found = state.store.get_experiment(experiment_id)
    return {"experiment": experiment_json(found, state.store.experiment_stats())}


@router.get("/experiments/{experiment_id}/columns")
def columns(state: State, experiment_id: str, view: str = "active") -> dict[str, Any]:
    """The param, metric and tag keys of the experiment's runs (cached a few seconds)."""
    state.store.get_experiment(experiment_id)
    view_type = _view(view)
    found: dict[str, list[str]] = state.cache.get(
        ("columns", experiment_id, view_type),
        lambda: queries.run_columns(state.store, [experiment_id], view_type),
    )
    return dict(found)


@router.get("/experiments/{experiment_id}/runs", response_model=None)
def runs(
    state: State,
    experiment_id: str,
    filter: str = "",
    order_by: Annotated[list[str] | None, Query()] = None,
    max_results: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    page_token: str | None = None,
    tags: Annotated[list[str] | None, Query()] = None,
    group_by: str | None = None,
    view: str = "active",
    nest: bool = False,
    parent: str | None = None,
    charts: bool = False,
) -> dict[str, Any] | JSONResponse:
    """One page of the runs table: rows, the next page's token, the total and the groups.

    ``nest``: only runs without a parent, each with the count of its children that match
    (families stay together through sorting and paging). ``parent``: that run's children.
    With a filter, the ancestors of matching children are listed too, flagged ``context``
    when they do not match themselves.
    ``charts``: also the chart panel's metric families and single values of the page's runs
    (as ``/api/ui/charts`` gives them), so the panel can ask for its first chart at once.
    """
    view_type = _view(view)
    state.store.get_experiment(experiment_id)
    ids = [experiment_id]
    ordering = list(order_by or [])
    if group_by:
        ordering.insert(0, f"params.{quote_key(group_by)}")
    family = nest or parent is not None
    try:
        if family and filter.strip():
            parse_filter(filter)  # so a mistake is reported in the user's own filter
            # Parents of matching children are listed too (as context), so a filter that
            # matches only children still shows them in their families.
            context: set[str] = state.cache.get(
                ("context", experiment_id, filter, view_type),
                lambda: queries.ancestors_of_matches(state.store, ids, filter, view_type),
            )
        else:
            context = set()
        shown = queries.any_of(filter, queries.ids_filter(context))
        scoped = queries.join_filters(shown, queries.parent_filter(parent)) if family else filter
        page = state.store.search_runs(ids, scoped, ordering, max_results, view_type, page_token)
    except SearchSyntaxError as error:
        field = "filter" if error.text == filter else "order_by"
        body = error_json(error)
        body["error"]["field"] = field
        return JSONResponse(body, status_code=400)
    # Totals and group sizes do not change with the order or the page: sorting and paging
    # reuse them for a few seconds.
    total = state.cache.get(
        ("total", experiment_id, scoped, view_type),
        lambda: queries.count_runs(state.store, ids, scoped, view_type),
    )
    groups = (
        state.cache.get(
            ("groups", experiment_id, scoped, view_type, group_by),
            lambda: queries.group_counts(state.store, ids, group_by, scoped, view_type),
        )
        if group_by
        else None
    )
    tag_keys = list(tags or [])
    rows = [run_row(run, page.summaries.get(run.info.run_id, []), tag_keys) for run in page.runs]
    if family:
        counts = queries.child_counts(
            state.store, ids, [row["run_id"] for row in rows], shown, view_type
        )
        unmatched = _context_only(
            state, ids, filter, view_type, [r["run_id"] for r in rows], context
        )
        for row in rows:
            row["child_count"] = counts.get(row["run_id"], 0)
            row["context"] = row["run_id"] in unmatched
    found: dict[str, Any] = {
        "runs": rows,
        "next_page_token": page.next_page_token,
        "total": total,
        "groups": groups,
    }
    if charts:
        found["charts"] = panel_json([row["run_id"] for row in rows], page.summaries)
    return found


def _context_only(
    state: UIState,
    experiment_ids: list[str],
    filter_string: str,
    view_type: ViewType,
    run_ids: list[str],
    context: set[str],
) -> set[str]:
    """The runs of ``run_ids`` listed only as context: ancestors not matching the filter."""
    candidates = [run_id for run_id in run_ids if run_id in context]
    if not candidates:
        return set()
    matching = state.store.search_runs(
        experiment_ids,
        queries.join_filters(filter_string, queries.ids_filter(candidates)),
        (),
        len(candidates),
        view_type,
    )
    return set(candidates) - {run.info.run_id for run in matching.runs}


@router.get("/compare")
def compare(state: State, runs: Annotated[list[str], Query()]) -> dict[str, Any]:
    """The runs to compare, their experiments' names and the params that differ."""
    ids = list(dict.fromkeys(r for item in runs for r in item.split(",") if r))[:MAX_COMPARE]
    found = [state.store.get_run(run_id) for run_id in ids]
    summaries = state.store.get_metric_summaries(ids)
    names = {}
    for run in found:
        if run.info.experiment_id not in names:
            names[run.info.experiment_id] = state.store.get_experiment(run.info.experiment_id).name
    keys = sorted({k for run in found for k in run.data.params})
    differing = [k for k in keys if len({run.data.params.get(k) for run in found}) > 1]
    return {
        "runs": [
            {
                **run_detail(run, summaries.get(run.info.run_id, [])),
                "experiment_name": names[run.info.experiment_id],
            }
            for run in found
        ],
        "param_keys": keys,
        "differing_params": differing,
        "metric_keys": sorted({s.key for lst in summaries.values() for s in lst}),
    }


def quote_key(key: str) -> str:
    """A key quoted for the search language: ``a b`` becomes ```a b``` (backticks doubled)."""
    return "`" + key.replace("`", "``") + "`"
