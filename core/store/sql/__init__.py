"""The SQL backend: SQLite and PostgreSQL stores through SQLAlchemy Core.

:class:`~trialbook.store.sql.store.SqlStore` is the store, :mod:`~trialbook.store.sql.schema`
its tables (created by the Alembic migrations in ``migrations/``),
:mod:`~trialbook.store.sql.search` the filter-to-SQL compiler,
:mod:`~trialbook.store.sql.registry` the model registry, :mod:`~trialbook.store.sql.tokens`
the server's API tokens and :mod:`~trialbook.store.sql.locations` the URIs it opens.
Importing this package imports no SQLAlchemy (the ``sql`` plugin is loaded with every
process); ``SqlStore`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trialbook.store.sql.store import SqlStore

__all__ = ["SqlStore"]


def __getattr__(name: str) -> Any:
    if name == "SqlStore":
        from trialbook.store.sql.store import SqlStore

        return SqlStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
