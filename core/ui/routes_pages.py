"""The HTML pages. What a page can show without waiting is rendered on the server (and
escaped by Jinja2); tables that page, sort and refresh are drawn by the page's script from
the JSON under ``/api/ui``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from trialbook.entities import Run, ViewType
from trialbook.ui import queries
from trialbook.ui.app import page
from trialbook.ui.families import metric_families
from trialbook.ui.history import SYSTEM_PREFIX, jsonable_number, metric_groups
from trialbook.ui.markdown import to_html
from trialbook.ui.reproducibility import reproducibility
from trialbook.ui.routes_datasets import dataset_rows
from trialbook.ui.routes_models import registered_versions
from trialbook.ui.serialize import experiment_json
from trialbook.ui.state import UIState, ui_state

router = APIRouter(include_in_schema=False)

State = Annotated[UIState, Depends(ui_state)]


@router.get("/", response_class=HTMLResponse)
def experiments_page(request: Request, state: State, view: str = "active") -> HTMLResponse:
    """The experiments (``?view=deleted``: the deleted ones), with run counts and activity."""
    deleted = view == "deleted"
    found = state.store.search_experiments(ViewType.DELETED if deleted else ViewType.ACTIVE)
    stats = state.store.experiment_stats()
    experiments = [experiment_json(e, stats) for e in found]
    return page(request, "experiments.html", {"experiments": experiments, "deleted": deleted})


@router.get("/experiments/{experiment_id}", response_class=HTMLResponse)
def experiment_page(request: Request, state: State, experiment_id: str) -> HTMLResponse:
    """The runs table of an experiment."""
    found = state.store.get_experiment(experiment_id)
    experiment = experiment_json(found, state.store.experiment_stats())
    return page(request, "experiment.html", {"experiment": experiment})


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, state: State, run_id: str) -> HTMLResponse:
    """A run: overview, charts, artifacts and how to reproduce it."""
    run = state.store.get_run(run_id)
    experiment = state.store.get_experiment(run.info.experiment_id)
    summaries = {s.key: s for s in state.store.get_metric_summaries([run_id]).get(run_id, [])}
    groups = metric_groups(summaries)
    charted = metric_groups(k for k, s in summaries.items() if s.count > 1)
    parent = None
    if run.info.parent_run_id:
        try:
            parent = state.store.get_run(run.info.parent_run_id)
        except LookupError:
            parent = None
    context: dict[str, Any] = {
        "run": run,
        "experiment": experiment,
        "parent": parent,
        "summaries": summaries,
        "groups": groups,
        "params": sorted(run.data.params.items()),
        "datasets": dataset_rows(run),
        "repro": reproducibility(run.data.tags),
        "registered": registered_versions(state, run_id),
        "children": child_runs(state, run),
        "description_html": to_html(run.info.description),
        "page_data": {
            "run_id": run.info.run_id,
            "status": run.info.status.value,
            "start_time": run.info.start_time,
            "metrics": groups,
            "families": {
                group: [{"name": f.name, "keys": f.keys} for f in metric_families(keys)]
                for group, keys in charted.items()
            },
            "values": {
                k: jsonable_number(s.latest) for k, s in sorted(summaries.items()) if s.count <= 1
            },
        },
    }
    return page(request, "run.html", context)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, runs: str = "") -> HTMLResponse:
    """Selected runs side by side (their data loads from ``/api/ui/compare``)."""
    ids = [r for r in runs.split(",") if r]
    return page(request, "compare.html", {"run_ids": ids})


MAX_CHILDREN = 200
"""Child runs listed on a parent's page at most (the experiment page lists them all)."""
KEY_METRICS = 6
"""Metric columns of the child runs table: those most children have."""


def child_runs(state: UIState, run: Run) -> dict[str, Any]:
    """A run's children (oldest first) with their key metrics, and how many there are."""
    ids = [run.info.experiment_id]
    scope = queries.parent_filter(run.info.run_id)
    page = state.store.search_runs(ids, scope, ["attributes.start_time ASC"], MAX_CHILDREN)
    if not page.runs:
        return {"runs": [], "metrics": [], "total": 0}
    seen: dict[str, int] = {}
    for summaries in page.summaries.values():
        for summary in summaries:
            if not summary.key.startswith(SYSTEM_PREFIX):
                seen[summary.key] = seen.get(summary.key, 0) + 1
    metrics = sorted(sorted(seen), key=lambda k: -seen[k])[:KEY_METRICS]
    rows = []
    for child in page.runs:
        latest = {s.key: s.latest for s in page.summaries.get(child.info.run_id, [])}
        rows.append({"run": child, "metrics": [latest.get(k) for k in metrics]})
    total = len(rows) if page.next_page_token is None else state.store.count_runs(ids, scope)
    return {"runs": rows, "metrics": metrics, "total": total}
