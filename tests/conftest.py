"""Fixtures shared by every test: an isolated working folder and the external services.

A service that is not configured skips its tests locally and fails them in CI (CI=true), so
a CI run never passes by skipping. `.ci/run` shows how to start the services.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

POSTGRES_ENV = "TRIALBOOK_TEST_POSTGRES_URI"
CHROMIUM_ENV = "TRIALBOOK_TEST_CHROMIUM"
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")


def _missing_service(message: str) -> NoReturn:
    """Skip the requesting test, or fail it when running in CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: services must be configured, not skipped)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the default store at a per-test folder and run the test inside tmp_path."""
    store = tmp_path / "store"
    monkeypatch.setenv("TRIALBOOK_TRACKING_URI", str(store))
    monkeypatch.chdir(tmp_path)
    return store


@pytest.fixture(autouse=True)
def reset_tracking() -> Iterator[None]:
    """End runs a test left active and forget the process-wide tracking state after it."""
    yield
    from trialbook.tracking import fluent

    fluent.reset()


@pytest.fixture(scope="session")
def postgres_uri() -> str:
    """The SQLAlchemy URI of the test PostgreSQL server (`postgresql+psycopg://...`)."""
    uri = os.environ.get(POSTGRES_ENV)
    if not uri:
        _missing_service(
            f"{POSTGRES_ENV} is not set; run the tests with a throwaway PostgreSQL cluster of "
            "their own: bash .ci/throwaway-postgres.sh python3 dev.py tests"
        )
    return uri


@contextlib.contextmanager
def _temporary_database(postgres_uri: str) -> Iterator[str]:
    """Create a uniquely named database, yield its URI, and drop it afterwards."""
    import sqlalchemy as sa  # Only PostgreSQL tests pay for the import.

    base = sa.make_url(postgres_uri)
    name = f"trialbook_test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        _drop_database(admin, name)
    finally:
        admin.dispose()


def _drop_database(admin: Any, name: str) -> None:
    """Drop a test database; FORCE closes connections the code under test left open.

    A role without ``pg_signal_backend`` (as in CI) may not end an autovacuum worker that
    happens to be in the database, and PostgreSQL refuses the drop: wait for it to finish.
    """
    import sqlalchemy as sa

    deadline = time.monotonic() + 30
    while True:
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except sa.exc.ProgrammingError as err:
            if "pg_signal_backend" not in str(err.orig) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def fresh_postgres_uri(postgres_uri: str) -> Iterator[str]:
    """The URI of a new, empty database created for this test and dropped after it."""
    with _temporary_database(postgres_uri) as uri:
        yield uri


@pytest.fixture(scope="session")
def session_postgres_uri(postgres_uri: str) -> Iterator[str]:
    """A database shared by one test process; tests that use it empty its tables first."""
    with _temporary_database(postgres_uri) as uri:
        yield uri


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the Chromium binary for browser tests (Debian's chromium package)."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        if not Path(configured).is_file():
            pytest.fail(f"{CHROMIUM_ENV}={configured} does not exist")
        return configured
    if DEFAULT_CHROMIUM.is_file():
        return str(DEFAULT_CHROMIUM)
    _missing_service(
        f"No Chromium: `apt-get install chromium` or set {CHROMIUM_ENV} to a Chromium binary"
    )


def _git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.email=test@example.com", "-c", "user.name=Test"]
    done = subprocess.run(
        ["git", *identity, "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def git() -> Callable[..., str]:
    """``git(repo, *args)`` runs git in ``repo`` as a set-up step, failing loudly; its stdout."""
    return _git
