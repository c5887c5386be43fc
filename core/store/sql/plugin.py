"""The built-in ``sql`` plugin: SQLite and PostgreSQL stores, for folders, ``file://``,
``sqlite:///`` and ``postgresql://`` URIs (see :mod:`trialbook.store.sql.locations`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from trialbook.plugins.hookspecs import hookimpl
from trialbook.store.backend import SchemaUpgrade, StoreBackend
from trialbook.store.base import TrackingStore
from trialbook.store.factory import scheme_of
from trialbook.store.sql.locations import database_exists, resolve


class SqlBackend(StoreBackend):
    """Opens :class:`~trialbook.store.sql.SqlStore` stores and migrates their schema
    (a :class:`~trialbook.store.backend.SchemaMigrations`)."""

    schemes = ("file", "sqlite", "postgresql", "postgres")

    def open(self, uri: str, artifact_root: str | None = None) -> TrackingStore:
        """A store in the URI's database (created, and migrated, when needed)."""
        from trialbook.store.sql.store import SqlStore

        db_url, default_root = resolve(uri)
        return SqlStore(db_url, artifact_root or default_root)

    def location(self, uri: str) -> Hashable:
        """The database URL and artifact root the URI resolves to."""
        return resolve(uri)

    def canonical_uri(self, uri: str) -> str:
        """A folder as the ``sqlite:///`` URI of its database; other URIs unchanged."""
        if scheme_of(uri) != "file":
            return uri
        db_url, _ = resolve(uri)
        return db_url

    def exists(self, uri: str) -> bool:
        """Whether the database is there (a SQLite file exists; a server database counts)."""
        return database_exists(uri)

    def upgrade_schema(self, uri: str) -> SchemaUpgrade:
        """Run the Alembic migrations of the URI's database up to the newest revision."""
        from trialbook.store.sql.engine import upgrade_database

        return SchemaUpgrade(*upgrade_database(uri))


@hookimpl(trylast=True)
def trialbook_register_stores(register: Callable[[StoreBackend], None]) -> None:
    """Register the SQL backend."""
    register(SqlBackend())
