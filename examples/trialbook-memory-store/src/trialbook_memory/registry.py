"""A :class:`~trialbook.store.ModelRegistry` in process memory, beside a :class:`MemoryStore`.

Filters and order-by items are parsed by :mod:`trialbook.registry.filters` and evaluated
here, as run-search filters are in :mod:`trialbook_memory.filters`.
"""

from __future__ import annotations

import functools
import operator
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from trialbook.errors import (
    InvalidValueError,
    ModelAliasNotFoundError,
    ModelVersionNotFoundError,
    RegisteredModelExistsError,
    RegisteredModelNotFoundError,
)
from trialbook.registry.entities import ModelVersion, PagedList, RegisteredModel
from trialbook.registry.filters import (
    MODELS,
    VERSIONS,
    RegistryFields,
    parse_registry_filter,
    parse_registry_order_by,
)
from trialbook.registry.names import check_alias, check_name, check_version, logged_model_source
from trialbook.search import Comparison, Kind
from trialbook.store import decode_page_token, encode_page_token
from trialbook.validation import check_key, check_text, tag_value
from trialbook_memory.filters import evaluate

if TYPE_CHECKING:
    from trialbook_memory.store import MemoryStore

T = TypeVar("T")


def _now() -> int:
    return int(time.time() * 1000)


@dataclass
class _Version:
    version: int
    run_id: str
    artifact_path: str
    digest: str
    created: int
    updated: int
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class _Model:
    name: str
    created: int
    updated: int
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    last_version: int = 0
    versions: dict[int, _Version] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)


class MemoryRegistry:
    """Registered models, their versions, tags and aliases, in dictionaries."""

    def __init__(self, store: MemoryStore, lock: threading.RLock) -> None:
        self.store = store
        self._lock = lock
        self._models: dict[str, _Model] = {}

    # Registered models ---------------------------------------------------------------------

    def create_registered_model(
        self, name: str, tags: Mapping[str, str] | None = None, description: str = ""
    ) -> RegisteredModel:
        """Create a model; RegisteredModelExistsError when the name is taken."""
        check_name(name)
        checked, text = _tags(tags), _text(description)
        with self._lock:
            if name in self._models:
                raise RegisteredModelExistsError(name)
            now = _now()
            self._models[name] = _Model(name, now, now, text, checked)
            return self.get_registered_model(name)

    def get_registered_model(self, name: str) -> RegisteredModel:
        """The model, or RegisteredModelNotFoundError."""
        with self._lock:
            return _model_entity(self._model(name))

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename a model (its versions and aliases follow)."""
        check_name(new_name, "new_name")
        with self._lock:
            model = self._model(name)
            if new_name in self._models:
                raise RegisteredModelExistsError(new_name)
            del self._models[name]
            model.name, model.updated = new_name, _now()
            self._models[new_name] = model
            return _model_entity(model)

    def update_registered_model(self, name: str, description: str) -> RegisteredModel:
        """Replace a model's description."""
        text = _text(description)
        with self._lock:
            model = self._model(name)
            model.description, model.updated = text, _now()
            return _model_entity(model)

    def delete_registered_model(self, name: str) -> None:
        """Delete a model with its versions, tags and aliases (never the runs' artifacts)."""
        with self._lock:
            self._model(name)
            del self._models[name]

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """One page of models matching a filter, by name unless ``order_by`` says otherwise."""
        with self._lock:
            found = [_model_entity(model) for model in self._models.values()]
        found.sort(key=lambda m: m.name)
        return _search(
            found, MODELS, _model_value, filter_string, order_by, max_results, page_token
        )

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """Set (or replace) a model tag."""
        checked = _tags({key: value})
        with self._lock:
            model = self._model(name)
            model.tags.update(checked)
            model.updated = _now()

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Remove a model tag (nothing happens when it is not set)."""
        with self._lock:
            self._model(name).tags.pop(key, None)

    # Model versions ------------------------------------------------------------------------

    def create_model_version(
        self,
        name: str,
        run_id: str,
        artifact_path: str,
        tags: Mapping[str, str] | None = None,
        description: str = "",
        create_model: bool = False,
    ) -> ModelVersion:
        """The next version of ``name``, pointing at the model logged at the run's path."""
        check_name(name)
        path, digest = logged_model_source(self.store.get_run(run_id), artifact_path)
        checked, text = _tags(tags), _text(description)
        with self._lock:
            if name not in self._models and create_model:
                self.create_registered_model(name)
            model = self._model(name)
            model.last_version += 1
            now = _now()
            version = _Version(model.last_version, run_id, path, digest, now, now, text, checked)
            model.versions[version.version] = version
            model.updated = now
            return _version_entity(model, version)

    def get_model_version(self, name: str, version: int) -> ModelVersion:
        """The version, or ModelVersionNotFoundError."""
        with self._lock:
            model, found = self._version(name, version)
            return _version_entity(model, found)

    def update_model_version(self, name: str, version: int, description: str) -> ModelVersion:
        """Replace a version's description."""
        text = _text(description)
        with self._lock:
            model, found = self._version(name, version)
            found.description, found.updated = text, _now()
            return _version_entity(model, found)

    def delete_model_version(self, name: str, version: int) -> None:
        """Delete a version and the aliases pointing at it (never the run's artifacts)."""
        with self._lock:
            model, found = self._version(name, version)
            del model.versions[found.version]
            model.aliases = {a: v for a, v in model.aliases.items() if v != found.version}
            model.updated = _now()

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        """One page of versions matching a filter, by name then newest version first."""
        with self._lock:
            found = [
                _version_entity(model, version)
                for model in self._models.values()
                for version in model.versions.values()
            ]
        found.sort(key=lambda v: (v.name, -v.version))
        return _search(
            found, VERSIONS, _version_value, filter_string, order_by, max_results, page_token
        )

    def model_folders(self, run_id: str) -> list[str]:
        """The run's artifact folders that registered versions point at: write-once."""
        with self._lock:
            return sorted(
                {
                    version.artifact_path
                    for model in self._models.values()
                    for version in model.versions.values()
                    if version.run_id == run_id
                }
            )

    def set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        """Set (or replace) a version tag."""
        checked = _tags({key: value})
        with self._lock:
            _, found = self._version(name, version)
            found.tags.update(checked)
            found.updated = _now()

    def delete_model_version_tag(self, name: str, version: int, key: str) -> None:
        """Remove a version tag (nothing happens when it is not set)."""
        with self._lock:
            self._version(name, version)[1].tags.pop(key, None)

    # Aliases -------------------------------------------------------------------------------

    def set_registered_model_alias(self, name: str, alias: str, version: int) -> None:
        """Point ``alias`` at ``version``, moving it from any other version."""
        check_alias(alias)
        with self._lock:
            model, found = self._version(name, version)
            model.aliases[alias] = found.version
            model.updated = _now()

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        """Remove an alias; ModelAliasNotFoundError when the model has no such alias."""
        with self._lock:
            model = self._model(name)
            if model.aliases.pop(alias, None) is None:
                raise ModelAliasNotFoundError(name, alias)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version ``alias`` points at."""
        with self._lock:
            model = self._model(name)
            number = model.aliases.get(alias)
            if number is None:
                raise ModelAliasNotFoundError(name, alias)
            return _version_entity(model, model.versions[number])

    # Lookups -------------------------------------------------------------------------------

    def _model(self, name: str) -> _Model:
        model = self._models.get(name)
        if model is None:
            raise RegisteredModelNotFoundError(name)
        return model

    def _version(self, name: str, version: int) -> tuple[_Model, _Version]:
        number = check_version(version)
        model = self._model(name)
        found = model.versions.get(number)
        if found is None:
            raise ModelVersionNotFoundError(name, number)
        return model, found


def _tags(tags: Mapping[str, object] | None) -> dict[str, str]:
    return {check_key(key): tag_value(key, value) for key, value in (tags or {}).items()}


def _text(description: object) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        raise InvalidValueError("description", description, "must be a string")
    return check_text("description", description)


def _model_entity(model: _Model) -> RegisteredModel:
    return RegisteredModel(
        model.name,
        model.created,
        model.updated,
        model.description,
        dict(model.tags),
        dict(sorted(model.aliases.items())),
        max(model.versions, default=None),
    )


def _version_entity(model: _Model, version: _Version) -> ModelVersion:
    return ModelVersion(
        model.name,
        version.version,
        version.created,
        version.updated,
        version.run_id,
        version.artifact_path,
        version.description,
        dict(version.tags),
        tuple(sorted(a for a, v in model.aliases.items() if v == version.version)),
        version.digest,
    )


def _model_value(model: RegisteredModel, comparison: Comparison) -> Any:
    if comparison.kind is Kind.TAG:
        return model.tags.get(comparison.key)
    return getattr(model, comparison.key)


def _version_value(version: ModelVersion, comparison: Comparison) -> Any:
    if comparison.kind is Kind.TAG:
        return version.tags.get(comparison.key)
    return getattr(version, comparison.key)


def _search(
    items: Iterable[T],
    fields: RegistryFields,
    value_of: Callable[[T, Comparison], Any],
    filter_string: str | None,
    order_by: Sequence[str] | None,
    max_results: int,
    page_token: str | None,
) -> PagedList[T]:
    """One page of ``items`` matching the filter, sorted by ``order_by``, else kept in order."""
    if isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 1:
        raise InvalidValueError("max_results", max_results, "must be a positive integer")
    expr = parse_registry_filter(filter_string, fields)
    keys = parse_registry_order_by(order_by or [], fields)
    offset = decode_page_token(page_token)
    found = [item for item in items if evaluate(expr, functools.partial(value_of, item))]
    for key in reversed(keys):  # Stable sorts, the first key last.
        found.sort(key=operator.attrgetter(key.key), reverse=not key.ascending)
    page = found[offset : offset + max_results]
    more = offset + max_results < len(found)
    return PagedList(page, encode_page_token(offset + max_results) if more else None)
