"""Fixtures for the server tests: an in-process app with a test client, and live servers.

* ``app``/``api``: the server app on a per-test SQLite store, called in process (fast; the
  Host check is off because the test client sends ``Host: testserver``).
* ``live_server``: a real ``trialbook server`` process on SQLite for the whole session, and
  ``server_uri`` points the Python API at it for one test.
* ``pg_server``: the same on the session's PostgreSQL database (concurrency and scale).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from trialbook.server.testing import ServerProcess

try:  # The server's extra (pip install 'trialbook[server]'); framework-only envs lack it.
    import fastapi  # noqa: F401
    import httpx  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError:
    collect_ignore_glob = ["test_*.py"]


def make_client(app: Any, base_url: str = "http://testserver", **kwargs: Any) -> Any:
    """Starlette's TestClient (its import warns when only httpx, not httpx2, is installed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Only around this import.
        from fastapi.testclient import TestClient
    return TestClient(app, base_url=base_url, **kwargs)


@contextlib.contextmanager
def _app_maker(database_uri: str, artifacts: Path) -> Iterator[Callable[..., Any]]:
    from trialbook.server.app import create_server_app
    from trialbook.store.factory import reset_stores

    built: list[Any] = []

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("allowed_hosts", None)
        app = create_server_app(database_uri, str(artifacts), **kwargs)
        built.append(app)
        return app

    try:
        yield make
    finally:
        for app in built:
            app.state.trialbook_server.store.close()
        reset_stores()


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Build server apps on this test's SQLite store (keyword arguments as create_server_app)."""
    with _app_maker(f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "artifacts") as make:
        yield make


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database a server runs on: this test's SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    return str(request.getfixturevalue("fresh_postgres_uri"))


@pytest.fixture
def make_db_app(database_uri: str, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``make_app`` on each database of :func:`database_uri` (tests of database paths)."""
    with _app_maker(database_uri, tmp_path / "artifacts") as make:
        yield make


@pytest.fixture
def db_api(make_db_app: Callable[..., Any]) -> Iterator[Any]:
    """A test client of a server app on each database of :func:`database_uri`, auth off."""
    with make_client(make_db_app()) as client:
        yield client


@pytest.fixture
def api_of() -> Iterator[Callable[..., Any]]:
    """A test client of an app, sending ``Authorization: Bearer <token>`` when given one."""
    clients: list[Any] = []

    def make(app: Any, token: str | None = None) -> Any:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        clients.append(make_client(app, headers=headers).__enter__())
        return clients[-1]

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def make_api(make_app: Callable[..., Any], api_of: Callable[..., Any]) -> Callable[..., Any]:
    """Build a server app (keyword arguments as ``make_app``) and return a test client of it."""
    return lambda **kwargs: api_of(make_app(**kwargs))


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    """The server app, auth off."""
    return make_app()


@pytest.fixture
def api(app: Any) -> Iterator[Any]:
    """A test client of :func:`app`."""
    with make_client(app) as client:
        yield client


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server process on SQLite, shared by the session (tests use their own experiments)."""
    root = tmp_path_factory.mktemp("live")
    with ServerProcess(f"sqlite:///{root / 'server.db'}", root / "artifacts") as server:
        yield server


@pytest.fixture
def server_uri(live_server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the Python API at the live server for this test."""
    from trialbook.store.factory import reset_stores
    from trialbook.tracking import fluent

    monkeypatch.setenv("TRIALBOOK_TRACKING_URI", live_server.url)
    yield live_server.url
    fluent.reset()
    reset_stores()


@pytest.fixture(scope="session")
def pg_server(
    session_postgres_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A server process on the session's PostgreSQL database."""
    root = tmp_path_factory.mktemp("pg-live")
    with ServerProcess(session_postgres_uri, root / "artifacts") as server:
        yield server
