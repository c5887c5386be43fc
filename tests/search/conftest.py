"""Databases for the search tests: SQLite in memory, or a throwaway PostgreSQL schema."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from trialbook.store.sql import schema


@contextlib.contextmanager
def populated_engine(
    request: pytest.FixtureRequest, insert: Callable[[sa.Connection], None]
) -> Iterator[sa.Engine]:
    """An engine whose tables ``insert`` filled, on the backend named by ``request.param``."""
    if request.param == "sqlite":
        engine = sa.create_engine("sqlite://", poolclass=sa.StaticPool)
        with engine.begin() as conn:
            schema.metadata.create_all(conn)
            insert(conn)
        yield engine
        engine.dispose()
        return
    admin = sa.create_engine(request.getfixturevalue("postgres_uri"), poolclass=sa.NullPool)
    name = f"search_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sa.schema.CreateSchema(name))
    engine = admin.execution_options(schema_translate_map={None: name})
    try:
        with engine.begin() as conn:
            schema.metadata.create_all(conn)
            insert(conn)
        yield engine
    finally:
        with admin.begin() as conn:
            conn.execute(sa.schema.DropSchema(name, cascade=True))
        admin.dispose()


@pytest.fixture(scope="session")
def make_engine() -> Callable[..., contextlib.AbstractContextManager[sa.Engine]]:
    """:func:`populated_engine`, for the test modules' own ``engine`` fixtures."""
    return populated_engine
