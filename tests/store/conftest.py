"""The store contract suite runs against every backend: SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from trialbook.store.sql import SqlStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A fresh, empty store of each backend."""
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path / 'contract.db'}"
    else:
        uri = request.getfixturevalue("session_postgres_uri")
    store = SqlStore(uri, str(tmp_path / "artifacts"))
    if request.param == "postgres":
        empty_tables(store)
    yield store
    store.close()


def empty_tables(store: SqlStore) -> None:
    """Remove every row, so a database shared by the tests starts each test empty."""
    import sqlalchemy as sa

    from trialbook.store.sql.schema import metadata

    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
