"""A store backend: how to open the stores of some URI schemes.

A backend plugin subclasses :class:`StoreBackend` and registers an instance from the
``trialbook_register_stores`` hook::

    class MemoryBackend(StoreBackend):
        schemes = ("memory",)

        def open(self, uri: str, artifact_root: str | None = None) -> TrackingStore:
            return MemoryStore(artifact_root or default_artifact_root(uri))

    @hookimpl
    def trialbook_register_stores(register):
        register(MemoryBackend())

:func:`trialbook.store.get_store` then opens ``memory://...`` URIs with it. A backend whose
stores keep a versioned schema also implements :class:`SchemaMigrations`, which
``trialbook db upgrade`` calls through :func:`trialbook.store.upgrade_schema`.
"""

from __future__ import annotations

import abc
from collections.abc import Hashable
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from trialbook.store.base import TrackingStore


class StoreBackend(abc.ABC):
    """Opens the stores whose tracking URIs start with one of :attr:`schemes`."""

    schemes: ClassVar[tuple[str, ...]] = ()
    """URI schemes (lower case, before ``://`` or ``:``) this backend opens."""

    @abc.abstractmethod
    def open(self, uri: str, artifact_root: str | None = None) -> TrackingStore:
        """A new store for ``uri``; artifacts under ``artifact_root`` when given."""

    def location(self, uri: str) -> Hashable:
        """What a URI names: two URIs with the same location share one process-wide store."""
        return uri

    def canonical_uri(self, uri: str) -> str:
        """The URI as ``get_tracking_uri()`` shows it, with its scheme (default: unchanged)."""
        return uri

    def exists(self, uri: str) -> bool:
        """Whether the store is there already (the CLI's read commands never create one)."""
        return True


@dataclass(frozen=True)
class SchemaUpgrade:
    """What :meth:`SchemaMigrations.upgrade_schema` did to one store."""

    shown: str
    """The store as shown to people (no password)."""
    before: str | None
    """Its schema revision before (None: the store was empty)."""
    after: str | None
    """Its schema revision after."""


@runtime_checkable
class SchemaMigrations(Protocol):
    """A backend whose stores keep a versioned schema that can be migrated on request.

    Stores are migrated when first opened anyway; this runs the migrations alone, before a
    deployment say, and says which revision the store was at.
    """

    def upgrade_schema(self, uri: str) -> SchemaUpgrade:
        """Migrate the store of ``uri`` (creating it if needed) to the newest revision."""
        ...
