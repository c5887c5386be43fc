"""Engines for SQLite and PostgreSQL, tuned for many concurrent writers.

SQLite runs in WAL mode with a long busy timeout, and write transactions start with
``BEGIN IMMEDIATE`` so that two writers queue up instead of failing with "database is locked".
The schema is created or upgraded by Alembic, under a file lock (SQLite) or an advisory lock
(PostgreSQL), so that many processes opening a new store at once migrate it exactly once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from trialbook.errors import (
    QueryTooComplexError,
    SearchTimeoutError,
    StoreError,
    StoreLockedError,
    StoreUnavailableError,
    first_line,
)

T = TypeVar("T")

REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")
"""Every Alembic revision, oldest first; a test checks them against the migrations folder."""
HEAD_REVISION = REVISIONS[-1]
"""The newest Alembic revision."""
_PG_MIGRATION_LOCK = 7_264_771
_MIGRATION_LOCK_TIMEOUT_S = 300.0
_PG_QUERY_CANCELED = "57014"


def lock_timeout_s() -> float:
    """How long to wait for another process's SQLite write lock (``TRIALBOOK_LOCK_TIMEOUT``)."""
    return float(os.environ.get("TRIALBOOK_LOCK_TIMEOUT", "60"))


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
    try:
        ensure_schema(engine)
    except sa.exc.DBAPIError as err:
        engine.dispose()
        raise _open_error(err, parsed.database or url) from None
    except StoreError:  # Before OSError: StoreLockedError is a TimeoutError too.
        engine.dispose()  # No pooled connection outlives the refusal.
        raise
    except OSError as err:  # The migration lock's file, beside the database.
        engine.dispose()
        raise _folder_error(parsed.database or url, err) from None
    return engine


def _open_error(err: sa.exc.DBAPIError, database: str) -> StoreError:
    """What to do about a database that cannot be opened, in words."""
    if "locked" in str(err.orig).lower() or "busy" in str(err.orig).lower():
        return StoreLockedError(_locked_message(database))
    return _file_error(err, database) or StoreError(
        f"Cannot open the store database {database}: {err.orig}"
    )


def _file_error(err: sa.exc.DBAPIError, database: str) -> StoreError | None:
    """A corrupted or unwritable database file, said with what to do; None for other errors."""
    message = str(err.orig).lower()
    if "not a database" in message or "malformed" in message or "corrupt" in message:
        return StoreError(
            f"The store database {database} is not a trialbook database or is corrupted "
            f"({err.orig}). Restore it from a backup, or move it away to start a new store."
        )
    if "readonly" in message or "read-only" in message or "unable to open" in message:
        return StoreError(
            f"Cannot write the store database {database} ({err.orig}). {_WRITABLE_ADVICE}"
        )
    return None


def _folder_error(database: str, err: OSError) -> StoreError:
    reason = os.strerror(err.errno) if err.errno else str(err)
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "Free space on that disk, or point TRIALBOOK_TRACKING_URI at another one."
    else:
        advice = _WRITABLE_ADVICE
    return StoreError(
        f"Cannot write the folder of the store database {database} ({reason}). {advice}"
    )


_WRITABLE_ADVICE = (
    "trialbook needs to write the database and its folder (SQLite keeps -wal and -shm files "
    "beside it): fix the permissions, or point TRIALBOOK_TRACKING_URI at a writable folder."
)


def _locked_message(database: str) -> str:
    return (
        f"The store database {database or '(SQLite)'} stayed locked by another process for "
        f"more than {lock_timeout_s():g} s. Find the process holding it (fuser {database}), "
        "or raise TRIALBOOK_LOCK_TIMEOUT (seconds)."
    )


def _sqlite_engine(url: sa.engine.URL) -> sa.engine.Engine:
    database = url.database or ""
    if database and database != ":memory:":
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise _folder_error(database, err) from None
    busy_timeout_s = lock_timeout_s()
    engine = sa.create_engine(
        url,
        connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
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
_PG_CANCELED = "57014"
"""PostgreSQL's query_canceled: a statement past its time budget."""
_PG_BAD_DATA = "22"
"""PostgreSQL's SQLSTATE class 22, data exception (a value out of range, a bad encoding)."""
_PG_PROGRAM_LIMIT = "54"
"""PostgreSQL's SQLSTATE class 54, program limit exceeded (statement too complex)."""


def too_complex(orig: BaseException | None) -> bool:
    """Whether a driver's error says the statement can never run (not a passing fault)."""
    sqlstate = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    message = str(orig).lower()
    return sqlstate.startswith(_PG_PROGRAM_LIMIT) or any(m in message for m in _SQLITE_TOO_COMPLEX)


def retry_locked(func: Callable[[], T], database: str = "") -> T:
    """Run ``func``, retrying while SQLite reports the database locked or busy.

    SQLAlchemy's errors stay inside the backend: a database that cannot serve the call now is
    :class:`~trialbook.errors.StoreUnavailableError`, a value it refuses (or its driver cannot
    send) is a :class:`~trialbook.errors.StoreError`, a statement it can never run a
    :class:`QueryTooComplexError` (without the statement: it may be megabytes long).
    ``IntegrityError`` passes through for the caller, which knows which constraint a race
    can break.
    Past :func:`lock_timeout_s` a locked database is a :class:`StoreLockedError` naming the
    locked ``database``.
    """
    start = time.monotonic()
    delay = 0.005
    deadline_s = lock_timeout_s()
    while True:
        try:
            return func()
        except sa.exc.OperationalError as err:
            if too_complex(err.orig):
                raise QueryTooComplexError(first_line(err.orig, 200)) from None
            if str(getattr(err.orig, "sqlstate", "") or "") == _PG_CANCELED:
                # Past a statement_timeout set outside a search's own budget: no retry cures it.
                raise StoreError(
                    "The database canceled the statement (its statement_timeout); narrow the "
                    "request or raise the database's timeout."
                ) from None
            message = str(err.orig).lower()
            transient = "locked" in message or "busy" in message
            if not transient:
                raise _file_error(err, database) or StoreUnavailableError(
                    f"The database is unavailable: {first_line(err.orig)}"
                ) from err
            if time.monotonic() - start > deadline_s:
                raise StoreLockedError(_locked_message(database)) from err
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 0.25)
        except (sa.exc.TimeoutError, sa.exc.InterfaceError, sa.exc.DisconnectionError) as err:
            raise StoreUnavailableError(f"The database is unavailable: {err}") from err
        except sa.exc.DataError as err:
            raise StoreError(f"The database refused a value: {first_line(err.orig)}") from err
        except OverflowError as err:  # SQLite's driver, for an int beyond 64 bits
            raise StoreError(f"The database refused a value: {err}") from err
        except sa.exc.IntegrityError:
            raise  # The caller knows which constraint a race can break.
        except sa.exc.DBAPIError as err:
            # Anything else the database refuses, without the statement (megabytes, maybe).
            if str(getattr(err.orig, "sqlstate", "") or "").startswith(_PG_BAD_DATA):
                raise StoreError(f"The database refused a value: {first_line(err.orig)}") from err
            raise _file_error(err, database) or StoreError(
                f"The database refused the request: {first_line(err.orig)}"
            ) from err


def checkpoint(engine: sa.engine.Engine, mode: str = "PASSIVE") -> None:
    """Copy an SQLite store's write-ahead log into ``trialbook.db`` (nothing on PostgreSQL).

    ``PASSIVE`` never waits for other connections; ``TRUNCATE`` (at exit) also empties the
    log. Afterwards the database file alone holds every committed write.
    """
    database = engine.url.database or ""
    if not is_sqlite(engine) or not database or database == ":memory:":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA wal_checkpoint({mode})")


def search_timeout_s() -> float:
    """The time budget of one search, in seconds (``TRIALBOOK_SEARCH_TIMEOUT``, default 30)."""
    return float(os.environ.get("TRIALBOOK_SEARCH_TIMEOUT", "30"))


@contextlib.contextmanager
def time_budget(conn: sa.engine.Connection, what: str) -> Iterator[None]:
    """Stop the statements run on ``conn`` inside the block after :func:`search_timeout_s`.

    SQLite checks a deadline every few thousand virtual-machine steps (a progress handler);
    PostgreSQL gets ``SET LOCAL statement_timeout``, so ``conn`` must stay in the transaction
    the block starts. Past the budget, :class:`SearchTimeoutError` names ``what``.
    """
    budget = search_timeout_s()
    if is_sqlite(conn.engine):
        raw: Any = conn.connection.driver_connection
        deadline = time.monotonic() + budget
        raw.set_progress_handler(lambda: time.monotonic() > deadline, 2_000)
        try:
            yield
        except sa.exc.OperationalError as err:
            if "interrupted" not in str(err.orig):
                raise
            raise SearchTimeoutError(what, budget) from None
        finally:
            raw.set_progress_handler(None, 0)
        return
    conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(budget * 1000))}")
    try:
        yield
    except sa.exc.OperationalError as err:
        if getattr(err.orig, "sqlstate", None) != _PG_QUERY_CANCELED:
            raise
        raise SearchTimeoutError(what, budget) from None


def current_revision(engine: sa.engine.Engine) -> str | None:
    """The schema's Alembic revision, or None for an empty database.

    On SQLite one look at ``sqlite_master`` answers whether the table is there (cheaper than
    the reflection machinery of :func:`sqlalchemy.inspect` on every store opened).
    """
    with engine.connect() as conn:
        if is_sqlite(engine):
            listed = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).first()
            if listed is None:
                return None
        elif not sa.inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(sa.text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


def ensure_schema(engine: sa.engine.Engine) -> None:
    """Create or upgrade the schema unless it is already at :data:`HEAD_REVISION`.

    An SQLite file that is missing or empty is not even opened before the migration lock is
    held (opening creates it): under the lock an empty file is either one a crash or a copy
    left behind, refused, or a store that another process has just created meanwhile.
    """
    database = engine.url.database or ""
    if is_sqlite(engine) and database not in ("", ":memory:") and _missing_or_empty(database):
        _ensure_first_schema(engine, database)
        return
    revision = retry_locked(lambda: current_revision(engine), database)
    if revision == HEAD_REVISION:
        return
    _refuse_unknown_revision(revision, engine)
    with _migration_lock(engine):
        revision = current_revision(engine)
        if revision is None:
            _create_fresh(engine)
        elif revision != HEAD_REVISION:
            upgrade(engine)


def _ensure_first_schema(engine: sa.engine.Engine, database: str) -> None:
    """:func:`ensure_schema` for an SQLite file that was missing or empty when first looked at."""
    found_empty = _empty_file(database)
    with _migration_lock(engine):
        if found_empty and _empty_file(database):
            # Empty before the lock and still empty under it: no trialbook is creating it (a
            # creator holds the lock until the file holds the schema). Opening it would
            # silently turn it into a new, empty store.
            raise _empty_database_error(database)
        revision = retry_locked(lambda: current_revision(engine), database)
        _refuse_unknown_revision(revision, engine)
        if revision is None:
            _create_fresh(engine)
        elif revision != HEAD_REVISION:
            upgrade(engine)


def _empty_file(database: str) -> bool:
    """Whether an SQLite file exists and holds nothing."""
    return os.path.exists(database) and _missing_or_empty(database)


def _missing_or_empty(database: str) -> bool:
    """Whether an SQLite file holds nothing: missing, or 0 bytes without a write-ahead log."""
    try:
        if os.path.getsize(database) > 0:
            return False
    except FileNotFoundError:
        return True
    try:
        return os.path.getsize(database + "-wal") == 0
    except FileNotFoundError:
        return True


def _empty_database_error(database: str) -> StoreError:
    return StoreError(
        f"The store database {database} is an empty file (0 bytes): trialbook will not start a "
        "new store in its place. If it should hold runs, restore it from a backup (and check "
        "that no copy left its -wal file behind); to start a new store, delete the empty file."
    )


def _refuse_unknown_revision(revision: str | None, engine: sa.engine.Engine) -> None:
    if revision is not None and revision not in REVISIONS:
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(
            f"The store {where} has schema revision {revision!r}, which this trialbook does not "
            f"know (it knows up to {HEAD_REVISION}): a newer trialbook wrote it. Upgrade "
            "trialbook (pip install -U trialbook) to use this store."
        )


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
        lock = Path(os.fspath(database) + ".migrate.lock")
        with _file_lock(lock, _MIGRATION_LOCK_TIMEOUT_S):
            try:
                yield
            finally:
                # No stray lock file in the store folder. Safe: whoever takes the lock next
                # (on this file or a new one) re-reads the revision this process committed.
                lock.unlink(missing_ok=True)
        return
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
            conn.commit()


@contextlib.contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (made when missing), waiting ``timeout`` s.

    ``flock`` on POSIX: the standard library, where the ``filelock`` package would import
    asyncio into every process that creates a store; ``filelock`` on Windows.
    """
    try:
        import fcntl
    except ImportError:  # Windows
        from filelock import FileLock, Timeout

        try:
            with FileLock(path, timeout=timeout):
                yield
        except Timeout:
            raise StoreLockedError(_migration_lock_message(path, timeout)) from None
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreLockedError(_migration_lock_message(path, timeout)) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(descriptor)  # Releases the lock.


def _migration_lock_message(path: Path, timeout: float) -> str:
    return (
        f"Another process has been creating or migrating this store for over {timeout:.0f} s "
        f"(it holds {path}). Wait for it to finish, or, if no trialbook process is running, "
        "delete that lock file."
    )


def upgrade_database(uri: str) -> tuple[str, str | None, str | None]:
    """Migrate the database of a tracking URI to :data:`HEAD_REVISION` (``trialbook db
    upgrade``); return it as shown (no password) and its revisions before and after."""
    from alembic.util.exc import CommandError

    from trialbook.store.sql.locations import resolve

    db_url, _ = resolve(uri)
    url = sa.engine.make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database:
        if _empty_file(url.database):
            raise _empty_database_error(url.database)
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    shown = url.render_as_string(hide_password=True)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        before = current_revision(engine)
        if before != HEAD_REVISION:
            upgrade(engine)
        return shown, before, current_revision(engine)
    except (sa.exc.SQLAlchemyError, CommandError) as err:
        raise StoreError(f"Could not upgrade {shown}: {err}") from err
    finally:
        engine.dispose()
