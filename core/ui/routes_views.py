"""Named views of an experiment's page, shared by everyone who opens it.

::

    GET    /api/ui/experiments/{id}/views
    PUT    /api/ui/experiments/{id}/views     {"name": "best adam runs", "query": "filter=...&sort=..."}
    DELETE /api/ui/experiments/{id}/views?name=best%20adam%20runs

A view is the page's URL query (filter, sort, columns, grouping, chart settings), kept in the
store as the experiment tag ``trialbook.view.<name>``, so a team sees the same views on any
machine. Saving and deleting need the same permission as other edits.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from trialbook.errors import InvalidValueError
from trialbook.store.base import TagDeletion
from trialbook.ui.routes_edit import EditNotSupportedError, require_editor
from trialbook.ui.state import UIState, ui_state
from trialbook.validation import check_key, check_text

VIEW_PREFIX = "trialbook.view."
"""Experiment tags under this prefix hold saved views."""
MAX_QUERY = 8000
"""Characters a view's query may have (about what a browser keeps in a URL)."""

router = APIRouter(prefix="/api/ui")

State = Annotated[UIState, Depends(ui_state)]
Editor = Annotated[UIState, Depends(require_editor)]


def _views(state: UIState, experiment_id: str) -> list[dict[str, str]]:
    tags = state.store.get_experiment(experiment_id).tags
    found = []
    for key, value in sorted(tags.items()):
        if key.startswith(VIEW_PREFIX):
            try:
                query = json.loads(value)["query"]
            except (ValueError, KeyError, TypeError):
                continue  # a tag someone set by hand, not a view
            found.append({"name": key[len(VIEW_PREFIX) :], "query": str(query)})
    return found


@router.get("/experiments/{experiment_id}/views")
def views(state: State, experiment_id: str) -> dict[str, Any]:
    """The experiment's saved views, by name."""
    return {"views": _views(state, experiment_id)}


@router.put("/experiments/{experiment_id}/views")
def save_view(
    state: Editor, experiment_id: str, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Save (or replace) a named view; answer every view."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidValueError("name", name, "a view needs a name")
    key = check_key(VIEW_PREFIX + name.strip())
    query = body.get("query", "")
    if not isinstance(query, str):
        raise InvalidValueError("query", query, "it must be a string")
    if len(query) > MAX_QUERY:
        raise InvalidValueError("query", query, f"a view's query is at most {MAX_QUERY} characters")
    check_text("query", query)
    state.store.set_experiment_tag(experiment_id, key, json.dumps({"query": query.lstrip("?")}))
    return {"views": _views(state, experiment_id)}


@router.delete("/experiments/{experiment_id}/views")
def delete_view(state: Editor, experiment_id: str, name: str) -> dict[str, Any]:
    """Delete a named view; answer every view left."""
    if not isinstance(state.store, TagDeletion):
        raise EditNotSupportedError("This store cannot remove tags, so views cannot be deleted.")
    state.store.delete_experiment_tag(experiment_id, VIEW_PREFIX + name)
    return {"views": _views(state, experiment_id)}
