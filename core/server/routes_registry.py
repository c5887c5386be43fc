"""The model registry::

POST  /api/v1/registered-models                        create        {registered model}
GET   /api/v1/registered-models?filter_string=&max_results=&order_by=&page_token=
GET   /api/v1/registered-models/{name}
PATCH /api/v1/registered-models/{name}                 description
POST  /api/v1/registered-models/{name}/rename          {"new_name": ...}
POST  /api/v1/registered-models/{name}/delete          with its versions (runs' artifacts stay)
PUT   /api/v1/registered-models/{name}/tags            set one tag (…/tags/delete removes one)
POST  /api/v1/registered-models/{name}/versions        register a run's logged model
GET   /api/v1/registered-models/{name}/versions/{version}
PATCH /api/v1/registered-models/{name}/versions/{version}          description
POST  /api/v1/registered-models/{name}/versions/{version}/delete
PUT   /api/v1/registered-models/{name}/versions/{version}/tags     (…/tags/delete)
GET   /api/v1/registered-models/{name}/aliases/{alias}             the version it points at
PUT   /api/v1/registered-models/{name}/aliases/{alias}             {"version": 3}
POST  /api/v1/registered-models/{name}/aliases/{alias}/delete
GET   /api/v1/model-versions?filter_string=&max_results=&order_by=&page_token=

Names and aliases travel percent-encoded in the path. Searches answer
``{"registered_models" | "model_versions": [...], "next_page_token": ...}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from trialbook.registry.names import check_version
from trialbook.server import API_PREFIX
from trialbook.server.auth import READ, WRITE
from trialbook.server.schemas import (
    AliasTarget,
    Description,
    ModelVersionCreate,
    RegisteredModelCreate,
    RegisteredModelRename,
    Tag,
    TagKey,
)
from trialbook.server.state import SEARCH, ServerState, State
from trialbook.store.rest.errors import ServerError
from trialbook.store.rest.registry_wire import model_json, version_json

router = APIRouter(prefix=API_PREFIX, tags=["model registry"])
MODEL = "/registered-models/{name}"
VERSION = MODEL + "/versions/{version}"
ALIAS = MODEL + "/aliases/{alias}"

Filter = Annotated[str | None, Query(max_length=10_000)]
OrderBy = Annotated[list[str] | None, Query(max_length=20)]
Token = Annotated[str | None, Query(max_length=1_000)]


def _limit(state: ServerState, max_results: int) -> int:
    limit = state.limits.max_results
    if max_results > limit:
        raise ServerError(f"max_results is at most {limit} on this server.", 400)
    return max_results


# Registered models -------------------------------------------------------------------------


@router.post("/registered-models", dependencies=[WRITE])
def create_registered_model(state: State, body: RegisteredModelCreate) -> dict[str, Any]:
    """Create a registered model (409 when the name is taken)."""
    registry = state.store.registry
    return model_json(registry.create_registered_model(body.name, body.tags, body.description))


@router.get("/registered-models", dependencies=[READ, SEARCH])
def search_registered_models(
    state: State,
    filter_string: Filter = None,
    max_results: Annotated[int, Query(ge=1)] = 100,
    order_by: OrderBy = None,
    page_token: Token = None,
) -> dict[str, Any]:
    """One page of registered models matching a filter."""
    found = state.store.registry.search_registered_models(
        filter_string, _limit(state, max_results), order_by, page_token
    )
    return {
        "registered_models": [model_json(m) for m in found],
        "next_page_token": found.next_page_token,
    }


@router.get(MODEL, dependencies=[READ])
def get_registered_model(state: State, name: str) -> dict[str, Any]:
    """A registered model with its tags, aliases and latest version number."""
    return model_json(state.store.registry.get_registered_model(name))


@router.patch(MODEL, dependencies=[WRITE])
def update_registered_model(state: State, name: str, body: Description) -> dict[str, Any]:
    """Replace a registered model's description."""
    return model_json(state.store.registry.update_registered_model(name, body.description))


@router.post(MODEL + "/rename", dependencies=[WRITE])
def rename_registered_model(state: State, name: str, body: RegisteredModelRename) -> dict[str, Any]:
    """Rename a registered model."""
    return model_json(state.store.registry.rename_registered_model(name, body.new_name))


@router.post(MODEL + "/delete", dependencies=[WRITE])
def delete_registered_model(state: State, name: str) -> dict[str, Any]:
    """Delete a registered model, its versions, tags and aliases (never run artifacts)."""
    state.store.registry.delete_registered_model(name)
    return {}


@router.put(MODEL + "/tags", dependencies=[WRITE])
def set_registered_model_tag(state: State, name: str, body: Tag) -> dict[str, Any]:
    """Set (or replace) a registered model tag."""
    state.store.registry.set_registered_model_tag(name, body.key, body.value)
    return {}


@router.post(MODEL + "/tags/delete", dependencies=[WRITE])
def delete_registered_model_tag(state: State, name: str, body: TagKey) -> dict[str, Any]:
    """Remove a registered model tag."""
    state.store.registry.delete_registered_model_tag(name, body.key)
    return {}


# Versions ----------------------------------------------------------------------------------


@router.post(MODEL + "/versions", dependencies=[WRITE])
def create_model_version(state: State, name: str, body: ModelVersionCreate) -> dict[str, Any]:
    """Register the model logged at a run's artifact path as the next version."""
    version = state.store.registry.create_model_version(
        name,
        body.run_id,
        body.artifact_path,
        body.tags,
        body.description,
        create_model=body.create_model,
    )
    return version_json(version)


@router.get(VERSION, dependencies=[READ])
def get_model_version(state: State, name: str, version: str) -> dict[str, Any]:
    """One version of a registered model."""
    return version_json(state.store.registry.get_model_version(name, check_version(version)))


@router.patch(VERSION, dependencies=[WRITE])
def update_model_version(
    state: State, name: str, version: str, body: Description
) -> dict[str, Any]:
    """Replace a version's description."""
    registry = state.store.registry
    return version_json(
        registry.update_model_version(name, check_version(version), body.description)
    )


@router.post(VERSION + "/delete", dependencies=[WRITE])
def delete_model_version(state: State, name: str, version: str) -> dict[str, Any]:
    """Delete a version and the aliases pointing at it (never the run's artifacts)."""
    state.store.registry.delete_model_version(name, check_version(version))
    return {}


@router.put(VERSION + "/tags", dependencies=[WRITE])
def set_model_version_tag(state: State, name: str, version: str, body: Tag) -> dict[str, Any]:
    """Set (or replace) a version tag."""
    state.store.registry.set_model_version_tag(name, check_version(version), body.key, body.value)
    return {}


@router.post(VERSION + "/tags/delete", dependencies=[WRITE])
def delete_model_version_tag(state: State, name: str, version: str, body: TagKey) -> dict[str, Any]:
    """Remove a version tag."""
    state.store.registry.delete_model_version_tag(name, check_version(version), body.key)
    return {}


@router.get("/model-versions", dependencies=[READ, SEARCH])
def search_model_versions(
    state: State,
    filter_string: Filter = None,
    max_results: Annotated[int, Query(ge=1)] = 1000,
    order_by: OrderBy = None,
    page_token: Token = None,
) -> dict[str, Any]:
    """One page of model versions matching a filter."""
    found = state.store.registry.search_model_versions(
        filter_string, _limit(state, max_results), order_by, page_token
    )
    return {
        "model_versions": [version_json(v) for v in found],
        "next_page_token": found.next_page_token,
    }


# Aliases -----------------------------------------------------------------------------------


@router.get(ALIAS, dependencies=[READ])
def get_model_version_by_alias(state: State, name: str, alias: str) -> dict[str, Any]:
    """The version an alias points at."""
    return version_json(state.store.registry.get_model_version_by_alias(name, alias))


@router.put(ALIAS, dependencies=[WRITE])
def set_registered_model_alias(
    state: State, name: str, alias: str, body: AliasTarget
) -> dict[str, Any]:
    """Point an alias at a version, moving it off the version it pointed at."""
    state.store.registry.set_registered_model_alias(name, alias, body.version)
    return {}


@router.post(ALIAS + "/delete", dependencies=[WRITE])
def delete_registered_model_alias(state: State, name: str, alias: str) -> dict[str, Any]:
    """Remove an alias."""
    state.store.registry.delete_registered_model_alias(name, alias)
    return {}
