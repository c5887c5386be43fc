"""Edits from the web UI: rename a run, its tags and Markdown description, delete and restore
runs and experiments. Every route answers JSON and changes nothing for a request the app's
``may_write`` refuses (the tracking server refuses read-only tokens).

::

    PATCH  /api/ui/runs/{id}                 {"run_name": "...", "description": "..."}
    PUT    /api/ui/runs/{id}/tags            {"key": "team", "value": "vision"}
    DELETE /api/ui/runs/{id}/tags?key=team
    POST   /api/ui/runs/{id}/delete          (and /restore)
    POST   /api/ui/experiments/{id}/delete   (and /restore)

Requests must be ``application/json`` and come from no foreign ``Origin`` (a page on another
site cannot send such a request without the browser asking first, which nothing answers).
Bad keys and values answer 400 with the same message the Python API gives.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, Body, Depends, Request

from trialbook.errors import InvalidValueError, TrialbookError
from trialbook.store.base import Batch, TagDeletion
from trialbook.ui.markdown import to_html
from trialbook.ui.serialize import run_detail
from trialbook.ui.state import UIState
from trialbook.validation import check_key, check_text, tag_value

MAX_RUN_NAME = 250
"""Characters a run name may have."""
MAX_DESCRIPTION = 100_000
"""Characters a description may have."""


class EditRefusedError(TrialbookError):
    """A request that changes data was refused: read-only access, or not a same-site JSON
    request (answers 403)."""


class EditNotSupportedError(TrialbookError):
    """The store cannot make this change (answers 501)."""


def require_editor(request: Request) -> UIState:
    """The UI state, when this request may change data; else raise EditRefusedError."""
    state: UIState = request.app.state.trialbook_ui
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise EditRefusedError(
            f"Edits must be sent as Content-Type: application/json, not {media or 'none'}."
        )
    origin = request.headers.get("origin")
    if origin and urlparse(origin).netloc.lower() != request.headers.get("host", "").lower():
        raise EditRefusedError(f"Edits from origin {origin!r} are refused.")
    if not state.may_write(request):
        raise EditRefusedError(
            "This token is read-only; changing runs and experiments needs a read-write token."
        )
    return state


router = APIRouter(prefix="/api/ui")

Editor = Annotated[UIState, Depends(require_editor)]
JsonBody = Annotated[dict[str, Any], Body()]


def _text(body: dict[str, Any], field: str, limit: int) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValueError(field, value, "it must be a string")
    if len(value) > limit:
        raise InvalidValueError(
            field, value, f"it has {len(value):,} characters, more than {limit:,}; shorten it"
        )
    return check_text(field, value)


def _run_json(state: UIState, run_id: str) -> dict[str, Any]:
    state.cache.clear()  # counts and keys the runs table keeps for a few seconds
    run = state.store.get_run(run_id)
    summaries = state.store.get_metric_summaries([run_id]).get(run_id, [])
    return {
        "run": run_detail(run, summaries),
        "description_html": to_html(run.info.description),
    }


@router.patch("/runs/{run_id}")
def edit_run(state: Editor, run_id: str, body: JsonBody) -> dict[str, Any]:
    """Rename a run and/or change its description; answer the run and its description's HTML."""
    name = _text(body, "run_name", MAX_RUN_NAME)
    if name is not None and not name.strip():
        raise InvalidValueError("run_name", name, "a run name cannot be empty")
    description = _text(body, "description", MAX_DESCRIPTION)
    state.store.get_run(run_id)
    if name is not None or description is not None:
        state.store.update_run(run_id, run_name=name, description=description)
    return _run_json(state, run_id)


@router.put("/runs/{run_id}/tags")
def set_run_tag(state: Editor, run_id: str, body: JsonBody) -> dict[str, Any]:
    """Add or change a tag of a run (the key and value checked as the Python API checks them)."""
    key = check_key(body.get("key"))
    value = tag_value(key, body.get("value", ""))
    state.store.get_run(run_id)
    state.store.write_batch(Batch(tags=[(run_id, key, value)]))
    return _run_json(state, run_id)


@router.delete("/runs/{run_id}/tags")
def delete_run_tag(state: Editor, run_id: str, key: str) -> dict[str, Any]:
    """Remove a tag of a run."""
    if not isinstance(state.store, TagDeletion):
        raise EditNotSupportedError("This store cannot remove tags; set the tag to '' instead.")
    state.store.delete_run_tag(run_id, key)
    return _run_json(state, run_id)


@router.post("/runs/{run_id}/delete")
def delete_run(state: Editor, run_id: str) -> dict[str, Any]:
    """Soft-delete a run (restore it with ``/restore``)."""
    state.store.delete_run(run_id)
    return _run_json(state, run_id)


@router.post("/runs/{run_id}/restore")
def restore_run(state: Editor, run_id: str) -> dict[str, Any]:
    """Restore a deleted run."""
    state.store.restore_run(run_id)
    return _run_json(state, run_id)


@router.post("/experiments/{experiment_id}/delete")
def delete_experiment(state: Editor, experiment_id: str) -> dict[str, Any]:
    """Soft-delete an experiment and its runs."""
    state.store.delete_experiment(experiment_id)
    state.cache.clear()
    return {"lifecycle_stage": state.store.get_experiment(experiment_id).lifecycle_stage.value}


@router.post("/experiments/{experiment_id}/restore")
def restore_experiment(state: Editor, experiment_id: str) -> dict[str, Any]:
    """Restore a deleted experiment."""
    state.store.restore_experiment(experiment_id)
    state.cache.clear()
    return {"lifecycle_stage": state.store.get_experiment(experiment_id).lifecycle_stage.value}
