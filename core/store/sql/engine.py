"""Engines for SQLite and PostgreSQL, tuned for many concurrent writers.

SQLite runs in WAL mode with a long busy timeout, and write transactions start with
``BEGIN IMMEDIATE`` so that two writers queue up instead of failing with "database is locked".
The schema is created or upgraded by Alembic, under a file lock (SQLite) or an advisory lock
(PostgreSQL), so that many processes opening a new store at once migrate it exactly once.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from trialbook.errors import QueryTooComplexError, StoreError

T = TypeVar("T")

HEAD_REVISION = "0002"
"""The newest Alembic revision; a test checks it against the migrations folder."""

_BUSY_TIMEOUT_S = 60.0
_PG_MIGRATION_LOCK = 7_264_771


def is_sqlite(engine: sa.engine.Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def create_engine(url: str) -> sa.engine.Engine:
    """Create an engine for ``url`` and make sure the database schema is current."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
    elif parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = sa.create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    else:
        raise StoreError(
            f"Unsupported database {parsed.get_backend_name()!r} in {url!r}: use sqlite:/// or "
            "postgresql://"
        )
    ensure_schema(engine)
    return engine


def _sqlite_engine(url: sa.engine.URL) -> sa.engine.Engine:
    database = url.database or ""
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        connect_args={"timeout": _BUSY_TIMEOUT_S, "check_same_thread": False},
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode = WAL")  # persistent; a no-op once set
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.engine.Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextlib.contextmanager
def write_connection(engine: sa.engine.Engine) -> Iterator[sa.engine.Connection]:
    """A connection in a write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on exit."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn


# SQLite's messages for statements it can never run (its driver has no codes for them).
_SQLITE_TOO_COMPLEX = (
    "expression tree is too large",
    "too many terms",
    "too many sql variables",
    "too many columns",
    "too many arguments",
    "parser stack overflow",
    "string or blob too big",
    "pattern too complex",
)
_PG_PROGRAM_LIMIT = "54"
"""PostgreSQL's SQLSTATE class 54, program limit exceeded (statement too complex)."""


def too_complex(orig: BaseException | None) -> bool:
    """Whether a driver's error says the statement can never run (not a passing fault)."""
    sqlstate = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    message = str(orig).lower()
    return sqlstate.startswith(_PG_PROGRAM_LIMIT) or any(m in message for m in _SQLITE_TOO_COMPLEX)


def retry_locked(func: Callable[[], T], deadline_s: float = 120.0) -> T:
    """Run ``func``, retrying while SQLite reports the database locked or busy.

    A statement the database can never run is a :class:`QueryTooComplexError` (without the
    statement: it may be megabytes long).
    """
    start = time.monotonic()
    delay = 0.005
    while True:
        try:
            return func()
        except sa.exc.OperationalError as err:
            if too_complex(err.orig):
                reason = str(err.orig).strip().splitlines()[0][:200] if str(err.orig) else ""
                raise QueryTooComplexError(reason or type(err.orig).__name__) from None
            message = str(err.orig).lower()
            transient = "locked" in message or "busy" in message
            if not transient or time.monotonic() - start > deadline_s:
                raise
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 0.25)


def current_revision(engine: sa.engine.Engine) -> str | None:
    """The schema's Alembic revision, or None for an empty database."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(sa.text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


def ensure_schema(engine: sa.engine.Engine) -> None:
    """Create or upgrade the schema unless it is already at :data:`HEAD_REVISION`."""
    if retry_locked(lambda: current_revision(engine)) == HEAD_REVISION:
        return
    with _migration_lock(engine):
        revision = current_revision(engine)
        if revision is None:
            _create_fresh(engine)
        elif revision != HEAD_REVISION:
            upgrade(engine)


def _create_fresh(engine: sa.engine.Engine) -> None:
    """Create the head schema directly and stamp it: no Alembic import on first use.

    ``tests/store/test_migrations.py`` checks that migrating an empty database gives the same
    schema, so both paths agree.
    """
    from trialbook.store.sql.schema import metadata

    with write_connection(engine) as conn:
        metadata.create_all(conn)
        version = sa.Table(
            "alembic_version",
            sa.MetaData(),
            sa.Column("version_num", sa.String(32), primary_key=True),
        )
        version.create(conn)
        conn.execute(sa.insert(version).values(version_num=HEAD_REVISION))


def upgrade(engine: sa.engine.Engine, revision: str = "head") -> None:
    """Run Alembic migrations up to ``revision`` (``trialbook db upgrade``)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        if conn.in_transaction():
            conn.commit()


@contextlib.contextmanager
def _migration_lock(engine: sa.engine.Engine) -> Iterator[None]:
    if is_sqlite(engine):
        database = engine.url.database or ""
        if not database or database == ":memory:":
            yield
            return
        from filelock import FileLock

        with FileLock(os.fspath(database) + ".migrate.lock", timeout=300):
            yield
        return
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
            conn.commit()
