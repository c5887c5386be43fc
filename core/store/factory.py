"""The store factory: from a tracking URI to a store, through the backend of its scheme.

Backends register from the ``trialbook_register_stores`` hook (see
:class:`~trialbook.store.backend.StoreBackend`); the built-in ones open

========================================  ==============================================
URI                                       store
========================================  ==============================================
a folder path or ``file:///folder``       SQLite in ``folder/trialbook.db``, artifacts in
                                          ``folder/artifacts`` (:mod:`trialbook.store.sql`)
``sqlite:///path/to/db.sqlite``           that database; artifacts beside it in ``artifacts/``
``postgresql://user:pw@host/db``          that database; artifacts under
                                          ``TRIALBOOK_ARTIFACT_ROOT`` (any fsspec URL)
``http(s)://host:port``                   a ``trialbook server`` (its REST API; artifacts
                                          through it; token in ``TRIALBOOK_TRACKING_TOKEN``;
                                          :mod:`trialbook.store.rest`)
========================================  ==============================================

The default is the folder ``.trialbook`` in the working directory.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Hashable
from pathlib import Path
from urllib.parse import urlparse

from trialbook.errors import InvalidUriError, StoreError
from trialbook.store.backend import SchemaMigrations, SchemaUpgrade, StoreBackend
from trialbook.store.base import ForkAware, TrackingStore

DEFAULT_FOLDER = ".trialbook"

_stores: dict[tuple[str, Hashable], TrackingStore] = {}
_lock = threading.Lock()


def default_tracking_uri() -> str:
    """``TRIALBOOK_TRACKING_URI``, or the absolute path of ``./.trialbook``."""
    return os.environ.get("TRIALBOOK_TRACKING_URI") or str(Path(DEFAULT_FOLDER).resolve())


def scheme_of(uri: str) -> str:
    """A URI's scheme in lower case; ``file`` for a plain path (a Windows drive too)."""
    scheme = urlparse(uri).scheme.lower()
    if not scheme or (len(scheme) == 1 and os.name == "nt"):
        return "file"
    return scheme


def backend_for(uri: str) -> StoreBackend:
    """The backend registered for the URI's scheme (``postgresql+psycopg`` falls back on
    ``postgresql``)."""
    from trialbook.plugins.manager import store_backends

    scheme = scheme_of(uri)
    backends = store_backends()
    backend = backends.get(scheme) or backends.get(scheme.partition("+")[0])
    if backend is None:
        known = ", ".join(f"{s}://" for s in sorted(backends))
        raise InvalidUriError(
            uri, f"no store backend for {scheme}://; expected a folder path or one of {known}"
        )
    return backend


def canonical_uri(uri: str) -> str:
    """The URI with its scheme, as its backend spells it (a folder: ``sqlite:///.../trialbook.db``)."""
    return backend_for(uri).canonical_uri(uri)


def get_store(uri: str) -> TrackingStore:
    """The process-wide store for a tracking URI (created, and migrated, on first use)."""
    backend = backend_for(uri)
    key = (type(backend).__qualname__, backend.location(uri))
    with _lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = backend.open(uri)
        return store


def open_store(uri: str, artifact_root: str | None = None) -> TrackingStore:
    """A new store of its own for a tracking URI (a server's), artifacts under
    ``artifact_root`` when given; the caller closes it."""
    return backend_for(uri).open(uri, artifact_root)


def store_exists(uri: str) -> bool:
    """Whether the store a URI names is there already (nothing is created)."""
    return backend_for(uri).exists(uri)


def upgrade_schema(uri: str) -> SchemaUpgrade:
    """Migrate the store a URI names to its backend's newest schema (``trialbook db upgrade``).

    Raises StoreError when the backend keeps no versioned schema (it does not implement
    :class:`~trialbook.store.backend.SchemaMigrations`).
    """
    backend = backend_for(uri)
    if not isinstance(backend, SchemaMigrations):
        raise StoreError(
            f"The store at {uri} has no schema to upgrade: its backend "
            f"({type(backend).__name__}, for {scheme_of(uri)}://) does not implement "
            "trialbook.store.SchemaMigrations. For a tracking server, upgrade the database "
            "it serves, where it runs."
        )
    return backend.upgrade_schema(uri)


def reset_stores() -> None:
    """Close every cached store (after a fork, or in tests)."""
    with _lock:
        for store in _stores.values():
            store.close()
        _stores.clear()


def _after_fork() -> None:
    for store in list(_stores.values()):
        if isinstance(store, ForkAware):
            store.after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
