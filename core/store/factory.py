"""From a tracking URI to a store.

========================================  ==============================================
URI                                       store
========================================  ==============================================
a folder path or ``file:///folder``       ``folder/trialbook.db`` (SQLite) and
                                          ``folder/artifacts``
``sqlite:///path/to/db.sqlite``           that database; artifacts beside it in ``artifacts/``
``postgresql://user:pw@host/db``          that database; artifacts under
                                          ``TRIALBOOK_ARTIFACT_ROOT`` (any fsspec URL)
``http(s)://host:port``                   a ``trialbook server`` (its REST API; artifacts
                                          through it; token in ``TRIALBOOK_TRACKING_TOKEN``)
========================================  ==============================================

The default is the folder ``.trialbook`` in the working directory.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

from trialbook.errors import InvalidUriError
from trialbook.store.base import TrackingStore

DEFAULT_FOLDER = ".trialbook"
DB_FILENAME = "trialbook.db"

_stores: dict[tuple[str, str], TrackingStore] = {}
_lock = threading.Lock()


def default_tracking_uri() -> str:
    """``TRIALBOOK_TRACKING_URI``, or the absolute path of ``./.trialbook``."""
    return os.environ.get("TRIALBOOK_TRACKING_URI") or str(Path(DEFAULT_FOLDER).resolve())


def resolve(uri: str) -> tuple[str, str]:
    """Map a tracking URI to (database URL, artifact root)."""
    parsed = urlparse(uri)
    scheme = parsed.scheme.lower()
    override = os.environ.get("TRIALBOOK_ARTIFACT_ROOT")
    if scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
        folder = Path(unquote(parsed.path) if scheme == "file" else uri).expanduser().resolve()
        return f"sqlite:///{folder / DB_FILENAME}", override or str(folder / "artifacts")
    if scheme == "sqlite":
        db_path = uri[len("sqlite:///") :] if uri.startswith("sqlite:///") else ""
        if not db_path or db_path == ":memory:":
            raise InvalidUriError(
                uri,
                "use sqlite:///path/to/file.db (an in-memory database "
                "cannot be shared with the background writer)",
            )
        path = Path(db_path).expanduser().resolve()
        return f"sqlite:///{path}", override or str(path.parent / "artifacts")
    if scheme.startswith("postgresql") or scheme == "postgres":
        db_url = "postgresql" + uri[len(parsed.scheme) :] if scheme == "postgres" else uri
        return db_url, override or str(Path(DEFAULT_FOLDER, "artifacts").resolve())
    if scheme in ("http", "https"):
        raise InvalidUriError(
            uri, "an http(s) URI names a tracking server, not a database (see get_store)"
        )
    raise InvalidUriError(uri, "expected a folder path, file://, sqlite:/// or postgresql:// URI")


def get_store(uri: str) -> TrackingStore:
    """The process-wide store for a tracking URI (created, and migrated, on first use)."""
    if urlparse(uri).scheme.lower() in ("http", "https"):
        with _lock:
            store = _stores.get((uri, ""))
            if store is None:
                from trialbook.store.rest.store import RestStore

                store = _stores[(uri, "")] = RestStore(uri)
            return store
    key = resolve(uri)
    with _lock:
        store = _stores.get(key)
        if store is None:
            from trialbook.store.sql import SqlStore

            store = SqlStore(*key)
            _stores[key] = store
        return store


def reset_stores() -> None:
    """Close every cached store (after a fork, or in tests)."""
    with _lock:
        for store in _stores.values():
            store.close()
        _stores.clear()
