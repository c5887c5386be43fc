"""Experiments::

POST  /api/v1/experiments                      create            {"experiment_id": "1"}
POST  /api/v1/experiments/get-or-create        by name, created if missing
GET   /api/v1/experiments?view_type=&name_like=&max_results=
GET   /api/v1/experiments/by-name?name=        {"experiment": {...} or null}
GET   /api/v1/experiments/stats                {"stats": {"1": [run count, last activity]}}
GET   /api/v1/experiments/{id}
PATCH /api/v1/experiments/{id}                 rename
POST  /api/v1/experiments/{id}/delete          soft delete (…/restore undoes it)
PUT   /api/v1/experiments/{id}/tags            set one tag
POST  /api/v1/experiments/{id}/tags/delete     remove one tag (stores with TagDeletion)
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from trialbook.entities import ViewType
from trialbook.errors import UnsupportedStoreError
from trialbook.server import API_PREFIX
from trialbook.server.auth import READ, WRITE
from trialbook.server.schemas import ExperimentCreate, ExperimentName, Tag, TagKey
from trialbook.server.state import SEARCH, ServerState, State, experiment_id
from trialbook.store.base import TagDeletion
from trialbook.store.rest.errors import ServerError
from trialbook.store.rest.wire import experiment_json
from trialbook.validation import check_key, tag_value

router = APIRouter(prefix=f"{API_PREFIX}/experiments", tags=["experiments"])


def _json(state: ServerState, experiment: Any) -> dict[str, Any]:
    return experiment_json(experiment, state.public_uri(experiment.artifact_location))


@router.post("", dependencies=[WRITE])
def create_experiment(state: State, body: ExperimentCreate) -> dict[str, str]:
    """Create an experiment; its artifacts go under the server's destination."""
    if body.artifact_location:
        raise ServerError(
            "This server owns its storage: create experiments without an artifact_location.",
            400,
        )
    tags = {check_key(k): tag_value(k, v) for k, v in body.tags.items()}
    return {"experiment_id": state.store.create_experiment(body.name, None, tags)}


@router.post("/get-or-create", dependencies=[WRITE])
def get_or_create_experiment(state: State, body: ExperimentName) -> dict[str, Any]:
    """The active experiment with this name, created if missing."""
    return _json(state, state.store.get_or_create_experiment(body.name))


@router.get("", dependencies=[READ, SEARCH])
def search_experiments(
    state: State,
    view_type: ViewType = ViewType.ACTIVE,
    name_like: Annotated[str | None, Query(max_length=256)] = None,
    max_results: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """Experiments ordered by name (``name_like`` is an SQL LIKE pattern)."""
    limit = state.limits.max_results
    if max_results is not None and max_results > limit:
        raise ServerError(f"max_results is at most {limit} on this server.", 400)
    found = state.store.search_experiments(view_type, name_like or None, max_results or limit)
    return {"experiments": [_json(state, e) for e in found]}


@router.get("/by-name", dependencies=[READ])
def get_experiment_by_name(
    state: State, name: Annotated[str, Query(max_length=256)]
) -> dict[str, Any]:
    """The experiment with this name, active or deleted, or null."""
    found = state.store.get_experiment_by_name(name)
    return {"experiment": None if found is None else _json(state, found)}


@router.get("/stats", dependencies=[READ])
def experiment_stats(state: State) -> dict[str, Any]:
    """Each experiment's active run count and last activity time (ms)."""
    return {"stats": {k: list(v) for k, v in state.store.experiment_stats().items()}}


@router.get("/{ident}", dependencies=[READ])
def get_experiment(state: State, ident: str) -> dict[str, Any]:
    """The experiment with this id."""
    return _json(state, state.store.get_experiment(experiment_id(ident)))


@router.patch("/{ident}", dependencies=[WRITE])
def rename_experiment(state: State, ident: str, body: ExperimentName) -> dict[str, Any]:
    """Rename an experiment."""
    state.store.rename_experiment(experiment_id(ident), body.name)
    return {}


@router.post("/{ident}/delete", dependencies=[WRITE])
def delete_experiment(state: State, ident: str) -> dict[str, Any]:
    """Soft-delete an experiment and hide its runs."""
    state.store.delete_experiment(experiment_id(ident))
    return {}


@router.post("/{ident}/restore", dependencies=[WRITE])
def restore_experiment(state: State, ident: str) -> dict[str, Any]:
    """Restore a deleted experiment."""
    state.store.restore_experiment(experiment_id(ident))
    return {}


@router.put("/{ident}/tags", dependencies=[WRITE])
def set_experiment_tag(state: State, ident: str, body: Tag) -> dict[str, Any]:
    """Set (or replace) an experiment tag."""
    key = check_key(body.key)
    state.store.set_experiment_tag(experiment_id(ident), key, tag_value(key, body.value))
    return {}


@router.post("/{ident}/tags/delete", dependencies=[WRITE])
def delete_experiment_tag(state: State, ident: str, body: TagKey) -> dict[str, Any]:
    """Remove an experiment's tag (404 when it has no such tag)."""
    store = state.store
    if not isinstance(store, TagDeletion):
        raise UnsupportedStoreError(type(store).__name__, "TagDeletion", "delete_experiment_tag")
    store.delete_experiment_tag(experiment_id(ident), body.key)
    return {}
