"""The model registry of a tracking server, over its REST API (``RestStore(...).registry``).

Routes are documented in :mod:`trialbook.server.routes_registry`. Searches ask for pages the
server accepts and follow its page tokens until ``max_results`` items are in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from trialbook.registry.entities import ModelVersion, PagedList, RegisteredModel, every_page
from trialbook.store.rest.registry_wire import model_from_json, version_from_json

if TYPE_CHECKING:
    from trialbook.store.rest.transport import Transport

T = TypeVar("T")
_PAGE = 1000
"""Items per search request (under the server's default limit)."""


def _model(name: str) -> str:
    return f"/registered-models/{quote(name, safe='')}"


def _version(name: str, version: int) -> str:
    return f"{_model(name)}/versions/{int(version)}"


class RestRegistry:
    """A :class:`~trialbook.store.registry.ModelRegistry` served by ``trialbook server``."""

    def __init__(self, http: Transport) -> None:
        self.http = http

    # Registered models ---------------------------------------------------------------------

    def create_registered_model(
        self, name: str, tags: Mapping[str, str] | None = None, description: str = ""
    ) -> RegisteredModel:
        """Create a model; RegisteredModelExistsError when the name is taken."""
        body = {"name": name, "tags": dict(tags or {}), "description": description or ""}
        data = self.http.call("POST", "/registered-models", body=body, idempotent=False)
        return model_from_json(data)

    def get_registered_model(self, name: str) -> RegisteredModel:
        """The model, or RegisteredModelNotFoundError."""
        return model_from_json(self.http.call("GET", _model(name)))

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename a model."""
        body = {"new_name": new_name}
        return model_from_json(self.http.call("POST", f"{_model(name)}/rename", body=body))

    def update_registered_model(self, name: str, description: str) -> RegisteredModel:
        """Replace a model's description."""
        body = {"description": description or ""}
        return model_from_json(self.http.call("PATCH", _model(name), body=body))

    def delete_registered_model(self, name: str) -> None:
        """Delete a model with its versions, tags and aliases."""
        self.http.call("POST", f"{_model(name)}/delete")

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """Models matching a filter, up to ``max_results``, and the next page's token."""
        return self._search(
            "/registered-models",
            "registered_models",
            model_from_json,
            filter_string,
            max_results,
            order_by,
            page_token,
        )

    def _search(
        self,
        path: str,
        field: str,
        build: Callable[[Mapping[str, Any]], T],
        filter_string: str | None,
        max_results: int,
        order_by: Sequence[str] | None,
        page_token: str | None,
    ) -> PagedList[T]:
        found: list[T] = []
        token = page_token
        while True:
            params = {
                "filter_string": filter_string or None,
                "max_results": min(max_results - len(found), _PAGE),
                "order_by": list(order_by or ()) or None,
                "page_token": token,
            }
            page = self.http.call("GET", path, params=params)
            found.extend(build(item) for item in page[field])
            token = page["next_page_token"]
            if token is None or len(found) >= max_results:
                return PagedList(found, token)

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """Set (or replace) a model tag."""
        self.http.call("PUT", f"{_model(name)}/tags", body={"key": key, "value": value})

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Remove a model tag."""
        self.http.call("POST", f"{_model(name)}/tags/delete", body={"key": key})

    # Versions ------------------------------------------------------------------------------

    def create_model_version(
        self,
        name: str,
        run_id: str,
        artifact_path: str,
        tags: Mapping[str, str] | None = None,
        description: str = "",
        create_model: bool = False,
    ) -> ModelVersion:
        """The next version of ``name`` (not retried once sent: a retry could add two)."""
        body = {
            "run_id": run_id,
            "artifact_path": artifact_path,
            "tags": dict(tags or {}),
            "description": description or "",
            "create_model": create_model,
        }
        data = self.http.call("POST", f"{_model(name)}/versions", body=body, idempotent=False)
        return version_from_json(data)

    def get_model_version(self, name: str, version: int) -> ModelVersion:
        """The version, or ModelVersionNotFoundError."""
        return version_from_json(self.http.call("GET", _version(name, version)))

    def update_model_version(self, name: str, version: int, description: str) -> ModelVersion:
        """Replace a version's description."""
        body = {"description": description or ""}
        return version_from_json(self.http.call("PATCH", _version(name, version), body=body))

    def delete_model_version(self, name: str, version: int) -> None:
        """Delete a version and its aliases."""
        self.http.call("POST", f"{_version(name, version)}/delete")

    def model_folders(self, run_id: str) -> list[str]:
        """The run's artifact folders that registered versions point at: write-once."""
        quoted = run_id.replace("'", "''")
        found = every_page(
            lambda token: self.search_model_versions(f"run_id = '{quoted}'", page_token=token)
        )
        return sorted({version.artifact_path for version in found})

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        """Versions matching a filter, up to ``max_results``, and the next page's token."""
        return self._search(
            "/model-versions",
            "model_versions",
            version_from_json,
            filter_string,
            max_results,
            order_by,
            page_token,
        )

    def set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        """Set (or replace) a version tag."""
        body = {"key": key, "value": value}
        self.http.call("PUT", f"{_version(name, version)}/tags", body=body)

    def delete_model_version_tag(self, name: str, version: int, key: str) -> None:
        """Remove a version tag."""
        self.http.call("POST", f"{_version(name, version)}/tags/delete", body={"key": key})

    # Aliases -------------------------------------------------------------------------------

    def set_registered_model_alias(self, name: str, alias: str, version: int) -> None:
        """Point ``alias`` at ``version``."""
        path = f"{_model(name)}/aliases/{quote(alias, safe='')}"
        self.http.call("PUT", path, body={"version": int(version)})

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        """Remove an alias."""
        self.http.call("POST", f"{_model(name)}/aliases/{quote(alias, safe='')}/delete")

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version ``alias`` points at."""
        path = f"{_model(name)}/aliases/{quote(alias, safe='')}"
        return version_from_json(self.http.call("GET", path))
