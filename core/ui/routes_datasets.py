"""Datasets and logged images in the UI.

::

    GET /datasets/{digest}                  every run that used the data with this digest
    GET /api/ui/runs/{id}/images            a run's images by key: steps and artifact paths

The run page lists a run's dataset inputs (rendered on the server) with a link to the first
page; its script draws each image key with a step slider from the second.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from trialbook.entities import DatasetInput, Run
from trialbook.store.base import DatasetInputs
from trialbook.tracking.media import IMAGES_FOLDER, parse_image_path
from trialbook.ui.app import page
from trialbook.ui.state import UIState, ui_state

router = APIRouter()

State = Annotated[UIState, Depends(ui_state)]

MAX_DATASET_RUNS = 500
"""Runs listed on a dataset's page."""
MAX_IMAGE_KEYS = 50
"""Image keys the run page shows."""


def dataset_rows(run: Run) -> list[dict[str, Any]]:
    """A run's dataset inputs as the run page's table shows them."""
    return [_dataset_row(item) for item in run.inputs.dataset_inputs]


def _dataset_row(item: DatasetInput) -> dict[str, Any]:
    dataset = item.dataset
    try:
        profile = json.loads(dataset.profile) if dataset.profile else {}
    except ValueError:
        profile = {}
    rows = profile.get("num_rows") if isinstance(profile, dict) else None
    if rows is None and isinstance(profile, dict):
        shape = profile.get("features_shape")
        rows = shape[0] if isinstance(shape, list) and shape else None
    return {
        "name": dataset.name,
        "digest": dataset.digest,
        "context": item.context,
        "source_type": dataset.source_type,
        "source": dataset.source,
        "rows": rows,
    }


def quoted(text: str) -> str:
    """``text`` as a single-quoted search-filter string."""
    return "'" + text.replace("'", "''") + "'"


@router.get("/datasets/{digest}", response_class=HTMLResponse, include_in_schema=False)
def dataset_page(request: Request, state: State, digest: str) -> HTMLResponse:
    """Every active run, in every experiment, that used the data with this digest."""
    store = state.store
    runs: list[dict[str, Any]] = []
    supported = isinstance(store, DatasetInputs)
    if supported:
        experiments = {e.experiment_id: e.name for e in store.search_experiments()}
        page_of_runs = store.search_runs(
            list(experiments),
            f"datasets.digest = {quoted(digest)}",
            max_results=MAX_DATASET_RUNS,
        )
        for run in page_of_runs.runs:
            used = [i for i in run.inputs.dataset_inputs if i.dataset.digest == digest]
            runs.append(
                {
                    "run": run,
                    "experiment": experiments.get(run.info.experiment_id, ""),
                    "names": sorted({i.dataset.name for i in used}),
                    "contexts": sorted({i.context for i in used if i.context}),
                }
            )
    context = {"digest": digest, "runs": runs, "supported": supported, "limit": MAX_DATASET_RUNS}
    return page(request, "dataset.html", context)


@router.get("/api/ui/runs/{run_id}/images")
def images(state: State, run_id: str) -> dict[str, Any]:
    """Each image key of the run with its steps and their files, in step order."""
    repo = state.artifacts(run_id)
    keys: list[dict[str, Any]] = []
    folders = [info for info in repo.list(IMAGES_FOLDER) if info.is_dir]
    for folder in sorted(folders, key=lambda f: f.path)[:MAX_IMAGE_KEYS]:
        found = sorted(
            (parsed[1], info.path)
            for info in repo.list(folder.path)
            if (parsed := parse_image_path(info.path)) is not None
        )
        if found:
            key = folder.path.rsplit("/", 1)[-1].replace("#", "/")
            keys.append(
                {"key": key, "steps": [s for s, _ in found], "paths": [p for _, p in found]}
            )
    return {"keys": keys, "truncated": len(folders) > MAX_IMAGE_KEYS}
