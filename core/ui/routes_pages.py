"""The HTML pages. What a page can show without waiting is rendered on the server (and
escaped by Jinja2); tables that page, sort and refresh are drawn by the page's script from
the JSON under ``/api/ui``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from trialbook.ui.app import page
from trialbook.ui.history import metric_groups
from trialbook.ui.reproducibility import reproducibility
from trialbook.ui.routes_datasets import dataset_rows
from trialbook.ui.routes_models import registered_versions
from trialbook.ui.serialize import experiment_json
from trialbook.ui.state import UIState, ui_state

router = APIRouter(include_in_schema=False)

State = Annotated[UIState, Depends(ui_state)]


@router.get("/", response_class=HTMLResponse)
def experiments_page(request: Request, state: State) -> HTMLResponse:
    """The experiments, with run counts and last activity."""
    stats = state.store.experiment_stats()
    found = [experiment_json(e, stats) for e in state.store.search_experiments()]
    return page(request, "experiments.html", {"experiments": found})


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
        "page_data": {
            "run_id": run.info.run_id,
            "status": run.info.status.value,
            "start_time": run.info.start_time,
            "metrics": groups,
        },
    }
    return page(request, "run.html", context)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, runs: str = "") -> HTMLResponse:
    """Selected runs side by side (their data loads from ``/api/ui/compare``)."""
    ids = [r for r in runs.split(",") if r]
    return page(request, "compare.html", {"run_ids": ids})
