"""Red-team findings of issue 12 against the store: each test failed before its fix.

Searches that backtracked without end, values that lost a whole batch, models swapped under
a registered version, local faults answered by raw SQLAlchemy errors, a store file that was
not self-contained.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from trialbook.entities import RunStatus
from trialbook.errors import (
    InvalidValueError,
    SearchTimeoutError,
    StoreError,
    StoreLockedError,
    StoreUnavailableError,
    TrialbookError,
)
from trialbook.store.base import Batch
from trialbook.store.sql import SqlStore
from trialbook.store.sql.engine import create_engine, time_budget

MANY_PERCENTS = "%" * 200


def _now() -> int:
    return int(time.time() * 1000)


def _runs(store: SqlStore, names: list[str]) -> dict[str, str]:
    experiment_id = store.get_or_create_experiment("redteam").experiment_id
    return {name: store.create_run(experiment_id, name, _now()).info.run_id for name in names}


def _names(store: SqlStore, filter_string: str) -> set[str]:
    experiment_id = store.get_or_create_experiment("redteam").experiment_id
    page = store.search_runs([experiment_id], filter_string)
    return {run.info.run_name for run in page.runs}


@pytest.mark.timeout(120)
def test_like_with_hundreds_of_percent_signs_answers(store: SqlStore) -> None:
    _runs(store, ["a" * 60, "a" * 59 + "b", "ab" * 30])
    assert _names(store, f"run_name LIKE '{MANY_PERCENTS}b'") == {"a" * 59 + "b", "ab" * 30}
    assert _names(store, f"run_name LIKE '{'%a' * 100}%b'") == set()
    assert _names(store, f"run_name ILIKE '{'%B%A' * 20}%B'") == {"ab" * 30}
    assert _names(store, f"run_name NOT LIKE '{MANY_PERCENTS}b'") == {"a" * 60}


@pytest.mark.timeout(120)
def test_like_segments_after_percent_match_anywhere_in_between(store: SqlStore) -> None:
    _runs(store, ["xaby_c", "xbay_c", "x_y_c\nz"])
    assert _names(store, r"run_name LIKE 'x%b%a%y\_c'") == {"xbay_c"}
    assert _names(store, "run_name LIKE 'x%y_c%'") == {"xaby_c", "xbay_c", "x_y_c\nz"}
    assert _names(store, "run_name LIKE '%y_c'") == {"xaby_c", "xbay_c"}


@pytest.mark.timeout(120)
def test_numeric_param_filter_is_linear_in_the_value_length(store: SqlStore) -> None:
    runs = _runs(store, ["long", "short"])
    # '[0-9]+\.?[0-9]*' took (digits)^2 steps on this value: minutes for 50,000 digits.
    store.write_batch(
        Batch(params=[(runs["long"], "p", "1" * 50_000 + "x"), (runs["short"], "p", "5")])
    )
    assert _names(store, "params.p > 1") == {"short"}


def test_a_search_past_its_budget_raises_search_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'budget.db'}", str(tmp_path / "artifacts"))
    _runs(store, [f"run-{i}" for i in range(300)])
    monkeypatch.setenv("TRIALBOOK_SEARCH_TIMEOUT", "0")
    with pytest.raises(SearchTimeoutError, match="TRIALBOOK_SEARCH_TIMEOUT") as caught:
        _names(store, "run_name LIKE '%9%'")
    assert caught.value.what == "run_name LIKE '%9%'"
    monkeypatch.delenv("TRIALBOOK_SEARCH_TIMEOUT")
    assert len(_names(store, "run_name LIKE '%9%'")) == 57
    store.close()


def _endless_query(engine: sa.engine.Engine) -> str:
    if engine.dialect.name == "postgresql":
        return "SELECT pg_sleep(600)"
    return (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT count(*) FROM n WHERE i > 0"
    )


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_time_budget_stops_a_running_statement(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setenv("TRIALBOOK_SEARCH_TIMEOUT", "0.2")
    if backend == "sqlite":
        uri = f"sqlite:///{tmp_path / 'budget.db'}"
    else:
        uri = request.getfixturevalue("fresh_postgres_uri")
    engine = create_engine(uri)
    with (
        engine.connect() as conn,
        pytest.raises(SearchTimeoutError, match="endless"),
        time_budget(conn, "endless"),
    ):
        conn.exec_driver_sql(_endless_query(engine)).all()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
    engine.dispose()


# Finding 4: one bad string lost a whole batch ----------------------------------------------

BAD_TEXTS = ["caf\udce9", "nul\x00byte"]


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_bad_text_is_refused_at_the_call_and_nothing_else_is_lost(bad: str) -> None:
    import trialbook

    with trialbook.start_run() as run:
        trialbook.log_param("good", "1")
        trialbook.log_metric("m", 0.5)
        trialbook.set_tag("t", "x")
        with pytest.raises(InvalidValueError, match="'bad'"):
            trialbook.log_param("bad", bad)
        with pytest.raises(InvalidValueError, match="'bad'"):
            trialbook.set_tag("bad", bad)
    stored = trialbook.TrackingClient().get_run(run.info.run_id)
    assert stored.info.status is RunStatus.FINISHED
    assert stored.data.params == {"good": "1"}
    assert stored.data.metrics == {"m": 0.5}
    assert stored.data.tags["t"] == "x"


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_bad_text_in_names_and_descriptions_is_refused(bad: str, store: SqlStore) -> None:
    # A server refuses it too (4xx), in its own words; the Python API names the field.
    experiment_id = store.get_or_create_experiment("names").experiment_id
    with pytest.raises(TrialbookError):
        store.create_experiment(f"exp {bad}")
    with pytest.raises(TrialbookError):
        store.create_run(experiment_id, f"run {bad}", _now())
    with pytest.raises(TrialbookError):
        store.create_run(experiment_id, "run", _now(), description=bad)
    run_id = store.create_run(experiment_id, "run", _now()).info.run_id
    with pytest.raises(TrialbookError):
        store.update_run(run_id, run_name=bad)
    with pytest.raises(TrialbookError):
        store.write_batch(Batch(params=[(run_id, "p", bad)]))
    assert store.get_run(run_id).info.run_name == "run"
    assert [e.name for e in store.search_experiments()] == ["names"]


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_writer_drops_only_the_bad_item_of_a_batch(
    bad: str, store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    from trialbook.tracking.writer import BufferedWriter, SeriesBuffer

    run_id = _runs(store, ["run"])["run"]
    writer = BufferedWriter(store)
    writer.params.extend([(run_id, "a", "1"), (run_id, "bad", bad), (run_id, "z", "2")])
    writer.tags.extend([(run_id, "t", "x"), (run_id, "t", "y")])
    buffer = writer.series[(run_id, "m")] = SeriesBuffer()
    buffer.steps.extend([0, 1])
    buffer.values.extend([0.5, 0.25])
    buffer.timestamps.extend([1, 2])
    writer.points = 2
    with caplog.at_level(logging.WARNING, logger="trialbook.tracking.writer"):
        writer.close()
    stored = store.get_run(run_id)
    assert stored.data.params == {"a": "1", "z": "2"}
    assert stored.data.tags["t"] == "y"
    assert store.get_metric_arrays(run_id, "m").values.tolist() == [0.5, 0.25]
    assert [r.message for r in caplog.records if "dropped" in r.message] == [
        caplog.records[-1].message
    ]
    assert "param 'bad'" in caplog.records[-1].message


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_bad_run_name_is_refused_naming_the_field(bad: str) -> None:
    import trialbook

    with pytest.raises(InvalidValueError, match="'run_name'"):
        trialbook.start_run(run_name=f"run {bad}")
    with trialbook.start_run() as run, pytest.raises(InvalidValueError, match="'description'"):
        trialbook.TrackingClient().update_run(run.info.run_id, description=bad)


# Finding 9: the store file was not self-contained -------------------------------------------

_LOG_A_RUN = """
import trialbook
with trialbook.start_run(run_name="copied") as run:
    trialbook.log_param("p", "1")
    trialbook.log_metric("m", 0.5)
"""


def _copied_runs(database: Path, tmp_path: Path) -> dict[str, tuple[dict[str, str], Any]]:
    import shutil

    copy = tmp_path / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    shutil.copy(database, copy / "trialbook.db")
    store = SqlStore(f"sqlite:///{copy / 'trialbook.db'}", str(copy / "artifacts"))
    try:
        experiment_ids = [e.experiment_id for e in store.search_experiments()]
        page = store.search_runs(experiment_ids)
        return {r.info.run_name: (r.data.params, r.data.metrics) for r in page.runs}
    finally:
        store.close()


def test_after_a_run_ends_the_database_file_alone_holds_it(tmp_path: Path) -> None:
    import time

    import trialbook

    folder = tmp_path / "store"
    trialbook.set_tracking_uri(str(folder))
    with trialbook.start_run(run_name="copied"):
        trialbook.log_param("p", "1")
        trialbook.log_metric("m", 0.5)
    # The checkpoint follows the run's end off the caller's path: a copy soon holds the run.
    expected = {"copied": ({"p": "1"}, {"m": 0.5})}
    deadline = time.monotonic() + 10
    while _copied_runs(folder / "trialbook.db", tmp_path / "soon") != expected:
        assert time.monotonic() < deadline, "the run never reached trialbook.db"
        time.sleep(0.01)


def test_flush_waits_for_the_checkpoint_after_runs_end(tmp_path: Path) -> None:
    import trialbook

    folder = tmp_path / "store"
    trialbook.set_tracking_uri(str(folder))
    for name in ("first", "second", "third"):  # Ends close together share checkpoints.
        with trialbook.start_run(run_name=name):
            trialbook.log_metric("m", 0.5)
    trialbook.flush()
    copied = _copied_runs(folder / "trialbook.db", tmp_path)
    assert sorted(copied) == ["first", "second", "third"]


def test_after_exit_the_store_folder_holds_the_database_and_no_stray_files(
    tmp_path: Path,
) -> None:
    import os
    import subprocess
    import sys

    folder = tmp_path / "store"
    env = {**os.environ, "TRIALBOOK_TRACKING_URI": str(folder)}
    subprocess.run([sys.executable, "-c", _LOG_A_RUN], env=env, check=True, timeout=120)
    assert sorted(p.name for p in folder.iterdir()) == ["artifacts", "trialbook.db"]
    assert _copied_runs(folder / "trialbook.db", tmp_path) == {"copied": ({"p": "1"}, {"m": 0.5})}


# Finding 8: local faults answered with raw SQLAlchemy errors ---------------------------------


def test_a_corrupted_database_says_what_to_do(tmp_path: Path) -> None:
    database = tmp_path / "trialbook.db"
    database.write_bytes(b"this is not an SQLite file at all" * 200)
    with pytest.raises(StoreError, match=r"corrupted.*backup"):
        SqlStore(f"sqlite:///{database}", str(tmp_path / "artifacts"))


def test_an_empty_database_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    database = tmp_path / "trialbook.db"
    database.touch()
    with pytest.raises(StoreError, match=rf"{database} is an empty file.*delete the empty file"):
        SqlStore(f"sqlite:///{database}", str(tmp_path / "artifacts"))
    assert database.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trialbook.db"]


def test_trialbook_db_upgrade_refuses_an_empty_database_file(tmp_path: Path) -> None:
    from trialbook.store.sql.engine import upgrade_database

    database = tmp_path / "trialbook.db"
    database.touch()
    with pytest.raises(StoreError, match=rf"{database} is an empty file"):
        upgrade_database(f"sqlite:///{database}")
    assert database.stat().st_size == 0


_OPEN_AT_GO = """
import sys, time
from pathlib import Path
from trialbook.store.sql import SqlStore

folder, index = Path(sys.argv[1]), sys.argv[2]
(folder / f"ready-{index}").touch()
deadline = time.monotonic() + 60
while not (folder / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("no go within 60 s")
    time.sleep(0.001)
store = SqlStore(f"sqlite:///{folder / 'store' / 'trialbook.db'}", str(folder / "artifacts"))
store.get_or_create_experiment("shared")
store.close()
"""


@pytest.mark.timeout(180)
def test_many_processes_creating_a_new_store_at_once_all_open_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    workers = 8
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN_AT_GO, str(tmp_path), str(index)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(workers)
    ]
    try:
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob("ready-*"))) < workers:
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                break
            time.sleep(0.01)
        (tmp_path / "go").touch()
        errors = [p.communicate(timeout=120)[1] for p in processes]
    finally:
        for process in processes:
            process.kill()
    assert [p.returncode for p in processes] == [0] * workers, "\n".join(errors)
    store = SqlStore(f"sqlite:///{tmp_path / 'store' / 'trialbook.db'}", str(tmp_path / "a"))
    assert [e.name for e in store.search_experiments()] == ["shared"]
    store.close()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_store_from_a_newer_trialbook_asks_for_an_upgrade(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        uri = f"sqlite:///{tmp_path / 'trialbook.db'}"
    else:
        uri = request.getfixturevalue("fresh_postgres_uri")
    SqlStore(uri, str(tmp_path / "artifacts")).close()
    engine = sa.create_engine(uri)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"'9999'.*Upgrade trialbook"):
        SqlStore(uri, str(tmp_path / "artifacts"))


def test_a_write_lock_held_elsewhere_is_waited_for_a_bounded_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    database = tmp_path / "trialbook.db"
    store = SqlStore(f"sqlite:///{database}", str(tmp_path / "artifacts"))
    experiment_id = store.get_or_create_experiment("locked").experiment_id
    store.close()
    monkeypatch.setenv("TRIALBOOK_LOCK_TIMEOUT", "0.2")
    store = SqlStore(f"sqlite:///{database}", str(tmp_path / "artifacts"))
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreLockedError, match=f"{database}.*TRIALBOOK_LOCK_TIMEOUT"):
            store.create_run(experiment_id, "run", _now())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.create_run(experiment_id, "run", _now()).info.run_name == "run"
    store.close()


def test_a_run_whose_last_points_cannot_be_written_still_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import trialbook
    from trialbook.tracking.tracker import get_tracker

    with trialbook.start_run() as run:
        trialbook.log_param("kept", "1")
        trialbook.TrackingClient().flush()
        store = get_tracker(trialbook.get_tracking_uri()).store

        def disk_full(batch: Batch) -> None:
            # What the SQL backend makes of SQLite's SQLITE_FULL (no retry cures it now).
            raise StoreUnavailableError("The database is unavailable: database or disk is full")

        with monkeypatch.context() as patch:
            patch.setattr(store, "write_batch", disk_full)
            trialbook.log_metric("late", 1.0)
            with pytest.raises(StoreUnavailableError, match="disk is full"):
                trialbook.end_run()
            assert store.get_run(run.info.run_id).info.status is RunStatus.FINISHED
    # Space is back: the point still buffered is written by the next flush.
    trialbook.TrackingClient().flush()
    assert store.get_run(run.info.run_id).data.metrics == {"late": 1.0}


@pytest.mark.skipif(sys.platform == "win32", reason="flock: POSIX")
def test_a_store_whose_creation_lock_stays_held_says_who_holds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl
    import os

    from trialbook.store.sql import engine

    database = tmp_path / "trialbook.db"
    lock = Path(f"{database}.migrate.lock")
    holder = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # Another process creating the store, stuck.
    monkeypatch.setattr(engine, "_MIGRATION_LOCK_TIMEOUT_S", 0.3)
    try:
        with pytest.raises(StoreLockedError, match=f"over 0 s.*{lock}.*delete that lock file"):
            SqlStore(f"sqlite:///{database}", str(tmp_path / "artifacts"))
    finally:
        os.close(holder)
    store = SqlStore(f"sqlite:///{database}", str(tmp_path / "artifacts"))  # Once released.
    store.close()
    assert not lock.exists()
