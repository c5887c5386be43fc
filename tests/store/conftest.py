"""The store contract suite runs against every backend: SQLite, PostgreSQL, and the REST
client against a live server on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trialbook.store.sql import SqlStore


@pytest.fixture(scope="session")
def rest_server(
    session_postgres_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A tracking server on the session's PostgreSQL database (heartbeat timeout 30 s)."""
    from trialbook.server.testing import ServerProcess

    artifacts = tmp_path_factory.mktemp("server") / "artifacts"
    env = {"TRIALBOOK_HEARTBEAT_TIMEOUT": "30"}
    with ServerProcess(session_postgres_uri, artifacts, env=env) as server:
        yield server


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("rest", marks=pytest.mark.postgres),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh, empty store of each backend."""
    if request.param == "rest":
        from trialbook.store.rest.store import RestStore

        server = request.getfixturevalue("rest_server")
        database = SqlStore(request.getfixturevalue("session_postgres_uri"), str(tmp_path))
        empty_tables(database)
        database.close()
        rest = RestStore(server.url)
        yield rest
        rest.close()
        return
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
