"""The model-registry methods of :class:`~trialbook.tracking.client.TrackingClient`.

::

    client = trialbook.TrackingClient()
    client.create_registered_model("fraud", description="Card fraud classifier")
    version = client.create_model_version("fraud", "runs:/3f2a.../model")
    client.set_registered_model_alias("fraud", "champion", version.version)
    client.search_model_versions("name = 'fraud'")

Names follow MLflow's ``MlflowClient``. Versions are ints (``"3"`` is accepted too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from trialbook.errors import InvalidUriError, InvalidValueError, ModelVersionNotFoundError
from trialbook.registry.entities import ModelVersion, PagedList, RegisteredModel
from trialbook.registry.names import (
    check_alias,
    check_name,
    check_version,
    parse_models_uri,
    parse_runs_uri,
)
from trialbook.tracking import background

if TYPE_CHECKING:
    from trialbook.store.base import TrackingStore
    from trialbook.store.registry import ModelRegistry


def _tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    from trialbook.validation import check_key, tag_value

    return {check_key(key): tag_value(key, value) for key, value in (tags or {}).items()}


class RegistryClient:
    """Registered models, versions, tags and aliases; mixed into ``TrackingClient``."""

    if TYPE_CHECKING:  # TrackingClient provides it.

        @property
        def store(self) -> TrackingStore:
            """The store whose registry this client reaches."""

    @property
    def registry(self) -> ModelRegistry:
        """The registry of this client's store (its database, or its tracking server)."""
        return self.store.registry

    # Registered models ---------------------------------------------------------------------

    def create_registered_model(
        self, name: str, tags: Mapping[str, Any] | None = None, description: str | None = None
    ) -> RegisteredModel:
        """Create a registered model; RegisteredModelExistsError when the name is taken."""
        return self.registry.create_registered_model(
            check_name(name), _tags(tags), description or ""
        )

    def get_registered_model(self, name: str) -> RegisteredModel:
        """The registered model with its tags, aliases and latest version number."""
        return self.registry.get_registered_model(name)

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename a model; its versions and aliases follow (``models:/<old>/...`` stop working)."""
        return self.registry.rename_registered_model(name, check_name(new_name, "new_name"))

    def update_registered_model(self, name: str, description: str | None = None) -> RegisteredModel:
        """Replace a model's description."""
        return self.registry.update_registered_model(name, description or "")

    def delete_registered_model(self, name: str) -> None:
        """Delete a model with its versions, tags and aliases; the runs' artifacts stay."""
        self.registry.delete_registered_model(name)

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """One page of registered models, by name (filter e.g. ``"name LIKE 'fraud%'"``)."""
        return self.registry.search_registered_models(
            filter_string, max_results, order_by, page_token
        )

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        """Set (or replace) a tag on a registered model."""
        ((key, text),) = _tags({key: value}).items()
        self.registry.set_registered_model_tag(name, key, text)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Remove a tag from a registered model (nothing happens when it is not set)."""
        self.registry.delete_registered_model_tag(name, key)

    # Versions ------------------------------------------------------------------------------

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> ModelVersion:
        """Add the next version (1, 2, ...) to an existing registered model.

        Args:
            name: The registered model.
            source: The logged model: ``runs:/<run_id>/<path>``; or, with ``run_id``, its path
                in the run's artifacts (relative, or under the run's artifact URI).
            run_id: The run the model was logged in.
            tags: Tags of the new version.
            description: Its description.
        """
        return self._create_version(name, source, run_id, tags, description, create_model=False)

    def register_model(
        self,
        model_uri: str,
        name: str,
        tags: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> ModelVersion:
        """Register a logged model (``runs:/<run_id>/<path>``) as the next version of ``name``.

        The registered model is created on the first registration (as
        :func:`trialbook.register_model` does).
        """
        return self._create_version(name, model_uri, None, tags, description, create_model=True)

    def _create_version(
        self,
        name: str,
        source: str,
        run_id: str | None,
        tags: Mapping[str, Any] | None,
        description: str | None,
        create_model: bool,
    ) -> ModelVersion:
        check_name(name)
        run_id, path = self._source(source, run_id)
        background.wait(run_id)  # Artifacts the run is still writing in the background.
        return self.registry.create_model_version(
            name, run_id, path, _tags(tags), description or "", create_model=create_model
        )

    def _source(self, source: str, run_id: str | None) -> tuple[str, str]:
        if source.startswith("runs:/"):
            source_run, path = parse_runs_uri(source)
            if run_id is not None and run_id != source_run:
                raise InvalidValueError(
                    "run_id", run_id, f"the source {source!r} names another run"
                )
            return source_run, path
        if run_id is None:
            raise InvalidUriError(
                source, "expected runs:/<run_id>/<path> (or pass run_id with the model's path)"
            )
        root = str(self.store.get_run(run_id).info.artifact_uri).rstrip("/") + "/"
        return run_id, source[len(root) :] if source.startswith(root) else source

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        """One version of a registered model."""
        return self.registry.get_model_version(name, check_version(version))

    def update_model_version(
        self, name: str, version: int | str, description: str | None = None
    ) -> ModelVersion:
        """Replace a version's description."""
        return self.registry.update_model_version(name, check_version(version), description or "")

    def delete_model_version(self, name: str, version: int | str) -> None:
        """Delete a version and its aliases; the run's artifacts stay."""
        self.registry.delete_model_version(name, check_version(version))

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        """One page of versions, by name then newest first (``"name = 'fraud'"``, ``"run_id = '...'"``)."""
        return self.registry.search_model_versions(filter_string, max_results, order_by, page_token)

    def get_latest_version(self, name: str) -> ModelVersion:
        """The highest-numbered version of a registered model (what ``models:/<name>/latest`` loads)."""
        latest = self.get_registered_model(name).latest_version
        if latest is None:
            raise ModelVersionNotFoundError(name, "latest")
        return self.registry.get_model_version(name, latest)

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: Any) -> None:
        """Set (or replace) a tag on a version."""
        ((key, text),) = _tags({key: value}).items()
        self.registry.set_model_version_tag(name, check_version(version), key, text)

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        """Remove a tag from a version (nothing happens when it is not set)."""
        self.registry.delete_model_version_tag(name, check_version(version), key)

    # Aliases -------------------------------------------------------------------------------

    def set_registered_model_alias(self, name: str, alias: str, version: int | str) -> None:
        """Point ``alias`` at ``version``, moving it off the version it pointed at."""
        self.registry.set_registered_model_alias(name, check_alias(alias), check_version(version))

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        """Remove an alias; ModelAliasNotFoundError when the model has none of that name."""
        self.registry.delete_registered_model_alias(name, alias)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version an alias points at."""
        return self.registry.get_model_version_by_alias(name, alias)

    def get_model_version_by_uri(self, model_uri: str) -> ModelVersion:
        """The version ``models:/<name>/<version>``, ``models:/<name>@<alias>`` or ``/latest`` names."""
        reference = parse_models_uri(model_uri)
        if reference.alias is not None:
            return self.get_model_version_by_alias(reference.name, reference.alias)
        if reference.version is not None:
            return self.get_model_version(reference.name, reference.version)
        return self.get_latest_version(reference.name)
