"""The model registry's pages: every registered model, and one model with its versions.

::

    GET /models                  models: latest version, aliases, description, last change
    GET /models/{name}           a model: tags, aliases, and every version with its source run
                                 (the newest versions with their signature and input example)

Both are rendered on the server from the store's registry (its database, or the tracking
server's API), so they work wherever the runs pages do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from trialbook.entities import Run
from trialbook.registry.entities import every_page, quoted
from trialbook.ui.app import page
from trialbook.ui.previews import input_example, model_metadata
from trialbook.ui.state import UIState, ui_state

router = APIRouter(include_in_schema=False)

State = Annotated[UIState, Depends(ui_state)]

MAX_LISTED = 5_000
"""Models (or versions of one model) shown at most; the page says when there are more."""
MAX_DETAILED = 20
"""Newest versions whose signature and input example are read and shown."""

T = TypeVar("T")


def _first(items: Iterator[T], limit: int) -> tuple[list[T], bool]:
    """Up to ``limit`` items, and whether there were more."""
    taken: list[T] = []
    for item in items:
        if len(taken) == limit:
            return taken, True
        taken.append(item)
    return taken, False


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request, state: State) -> HTMLResponse:
    """The registered models, by name."""
    registry = state.store.registry
    models, more = _first(
        every_page(lambda token: registry.search_registered_models(page_token=token)), MAX_LISTED
    )
    return page(request, "models.html", {"models": models, "more": more})


@router.get("/models/{name}", response_class=HTMLResponse)
def model_page(request: Request, state: State, name: str) -> HTMLResponse:
    """One registered model: its tags and aliases, and its versions, newest first."""
    registry = state.store.registry
    model = registry.get_registered_model(name)
    where = f"name = {quoted(name)}"
    versions, more = _first(
        every_page(lambda token: registry.search_model_versions(where, page_token=token)),
        MAX_LISTED,
    )
    runs = _source_runs(state, {v.run_id for v in versions})
    details = {
        v.version: found
        for v in versions[:MAX_DETAILED]
        if v.run_id in runs and (found := _model_details(state, v.run_id, v.artifact_path))
    }
    context = {
        "model": model,
        "versions": versions,
        "more": more,
        "runs": runs,
        "details": details,
    }
    return page(request, "model.html", context)


def _model_details(state: UIState, run_id: str, path: str) -> dict[str, Any] | None:
    """A logged model's signature (``inputs``/``outputs`` rows) and input example, or None."""
    try:
        repo = state.artifacts(run_id)
        metadata = model_metadata(repo, path)
        example = input_example(repo, path, metadata) if metadata is not None else None
    except (LookupError, OSError):
        return None
    signature = metadata.get("signature") if metadata is not None else None
    if not isinstance(signature, dict) and example is None:
        return None
    rows = []
    if isinstance(signature, dict):
        for part in ("inputs", "outputs"):
            specs = signature.get(part)
            for i, spec in enumerate(specs if isinstance(specs, list) else []):
                rows.append({"part": part if i == 0 else "", **_spec_text(spec, i)})
    return {"signature": rows, "example": example}


def _spec_text(spec: Any, index: int) -> dict[str, str]:
    """A signature entry's name and type as text (tensors: dtype and shape)."""
    if not isinstance(spec, dict):
        return {"name": f"#{index}", "type": str(spec)}
    name = spec.get("name")
    tensor = spec.get("tensor-spec")
    if spec.get("type") == "tensor" and isinstance(tensor, dict):
        kind = f"{tensor.get('dtype')} {tensor.get('shape')}"
    else:
        kind = str(spec.get("type"))
    return {"name": f"#{index}" if name is None else str(name), "type": kind}


def _source_runs(state: UIState, run_ids: set[str]) -> dict[str, Run]:
    """The versions' source runs that still exist (a purged run leaves its id only)."""
    found: dict[str, Run] = {}
    for run_id in sorted(run_ids):
        try:
            found[run_id] = state.store.get_run(run_id)
        except LookupError:
            continue
    return found


def registered_versions(state: UIState, run_id: str) -> list[Any]:
    """The model versions registered from a run's models (by name, newest first)."""
    registry = state.store.registry
    where = f"run_id = {quoted(run_id)}"
    versions, _ = _first(
        every_page(lambda token: registry.search_model_versions(where, page_token=token)), 100
    )
    return versions
