"""The registry contract runs against every backend: SQLite, PostgreSQL, and a live server.

``client`` points the whole Python API (``trialbook.register_model``, ``load_model``) at the
backend for one test and returns a TrackingClient on it; ``logged_model`` logs a small model
in a new run there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import trialbook
from trialbook.models.store import ModelInfo


@pytest.fixture(scope="session")
def registry_server(
    session_postgres_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A tracking server on the session's PostgreSQL database."""
    from trialbook.server.testing import ServerProcess

    artifacts = tmp_path_factory.mktemp("registry-server") / "artifacts"
    with ServerProcess(session_postgres_uri, artifacts) as server:
        yield server


def empty_database(uri: str) -> None:
    """Remove every row of the tracking tables (the session's database is shared)."""
    import sqlalchemy as sa

    from trialbook.store.sql.engine import create_engine
    from trialbook.store.sql.schema import metadata

    engine = create_engine(uri)
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("rest", marks=pytest.mark.postgres),
    ]
)
def tracking_uri(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A fresh, empty tracking URI of each backend, set for the whole Python API."""
    from trialbook.store.factory import reset_stores
    from trialbook.tracking import fluent

    if request.param == "sqlite":
        uri = str(tmp_path / "store")
    else:
        database = request.getfixturevalue("session_postgres_uri")
        empty_database(database)
        uri = database
        if request.param == "rest":
            uri = request.getfixturevalue("registry_server").url
    monkeypatch.setenv("TRIALBOOK_TRACKING_URI", uri)
    monkeypatch.setenv("TRIALBOOK_DISABLE_CONTEXT", "1")
    yield uri
    fluent.reset()
    reset_stores()


@pytest.fixture
def client(tracking_uri: str) -> trialbook.TrackingClient:
    """A client on the backend under test."""
    return trialbook.TrackingClient(tracking_uri)


@pytest.fixture
def logged_model(client: trialbook.TrackingClient) -> Callable[..., ModelInfo]:
    """Log ``model`` (any picklable object) in a new finished run; return its ModelInfo."""

    def log(model: Any = None, name: str = "model") -> ModelInfo:
        with trialbook.start_run():
            return trialbook.log_model(model if model is not None else {"weights": [1, 2]}, name)

    return log
