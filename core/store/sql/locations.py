"""From a tracking URI to a database URL and an artifact root.

========================================  ==============================================
URI                                       store
========================================  ==============================================
a folder path or ``file:///folder``       ``folder/trialbook.db`` (SQLite) and
                                          ``folder/artifacts``
``sqlite:///path/to/db.sqlite``           that database; artifacts beside it in ``artifacts/``
``postgresql://user:pw@host/db``          that database; artifacts under
                                          ``TRIALBOOK_ARTIFACT_ROOT`` (any fsspec URL)
========================================  ==============================================
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from trialbook.errors import InvalidUriError
from trialbook.store.factory import DEFAULT_FOLDER

DB_FILENAME = "trialbook.db"


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
    raise InvalidUriError(uri, "expected a folder path, file://, sqlite:/// or postgresql:// URI")


def database_exists(uri: str) -> bool:
    """Whether the database is there: a SQLite file exists (a server database always counts)."""
    db_url, _ = resolve(uri)
    if not db_url.startswith("sqlite:///"):
        return True
    return Path(db_url[len("sqlite:///") :]).exists()
