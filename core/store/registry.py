"""The registry interface every tracking store offers as ``store.registry``.

:class:`~trialbook.store.sql.registry.SqlRegistry` implements it on SQLite and PostgreSQL,
:class:`~trialbook.store.rest.registry.RestRegistry` through a tracking server; the contract suite
:mod:`trialbook.testing.registry_contract` runs against both (and against the example
``memory://`` backend). Filters are parsed by :mod:`trialbook.registry.filters`. Arguments arrive validated by
:class:`~trialbook.tracking.registry_client.RegistryClient` but implementations check them again
(a server cannot trust its clients).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from trialbook.registry.entities import ModelVersion, PagedList, RegisteredModel


class ModelRegistry(Protocol):
    """Registered models, their versions, tags and aliases."""

    def create_registered_model(
        self, name: str, tags: Mapping[str, str] | None = None, description: str = ""
    ) -> RegisteredModel:
        """Create a model; RegisteredModelExistsError when the name is taken."""
        ...

    def get_registered_model(self, name: str) -> RegisteredModel:
        """The model, or RegisteredModelNotFoundError."""
        ...

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename a model (its versions and aliases follow)."""
        ...

    def update_registered_model(self, name: str, description: str) -> RegisteredModel:
        """Replace a model's description."""
        ...

    def delete_registered_model(self, name: str) -> None:
        """Delete a model with its versions, tags and aliases (never the runs' artifacts)."""
        ...

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """One page of models matching a filter, by name unless ``order_by`` says otherwise."""
        ...

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """Set (or replace) a model tag."""
        ...

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Remove a model tag (nothing happens when it is not set)."""
        ...

    def create_model_version(
        self,
        name: str,
        run_id: str,
        artifact_path: str,
        tags: Mapping[str, str] | None = None,
        description: str = "",
        create_model: bool = False,
    ) -> ModelVersion:
        """The next version of ``name``, pointing at the model logged at the run's path.

        The run must exist, not be deleted, and hold a logged model at ``artifact_path``.
        With ``create_model``, a missing registered model is created in the same transaction
        (what ``trialbook.register_model`` does); else it is RegisteredModelNotFoundError.
        """
        ...

    def get_model_version(self, name: str, version: int) -> ModelVersion:
        """The version, or ModelVersionNotFoundError."""
        ...

    def update_model_version(self, name: str, version: int, description: str) -> ModelVersion:
        """Replace a version's description."""
        ...

    def delete_model_version(self, name: str, version: int) -> None:
        """Delete a version and the aliases pointing at it (never the run's artifacts)."""
        ...

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        """One page of versions matching a filter, by name then newest version first."""
        ...

    def model_folders(self, run_id: str) -> list[str]:
        """The run's artifact folders that registered versions point at: write-once."""
        ...

    def set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        """Set (or replace) a version tag."""
        ...

    def delete_model_version_tag(self, name: str, version: int, key: str) -> None:
        """Remove a version tag (nothing happens when it is not set)."""
        ...

    def set_registered_model_alias(self, name: str, alias: str, version: int) -> None:
        """Point ``alias`` at ``version``, moving it from any other version."""
        ...

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        """Remove an alias; ModelAliasNotFoundError when the model has no such alias."""
        ...

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version ``alias`` points at."""
        ...
