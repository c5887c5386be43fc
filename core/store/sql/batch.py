"""Writing a :class:`~trialbook.store.base.Batch` in one transaction.

Metric points are appended to ``metric_chunks`` as packed arrays (their overviews are built
later, off the logging path: :func:`trialbook.store.sql.chunks.build_overviews`);
``latest_metrics`` keeps, per run and key, the latest point (largest step, then timestamp),
the minimum, the maximum and the count, merged by the database in one upsert. The
statements of a batch are built once per SQL dialect (building them costs more than running
them for a small batch).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from trialbook.entities import LifecycleStage
from trialbook.errors import DeletedRunError, ParamConflictError, RunNotFoundError
from trialbook.store.base import Batch, MetricSeries, PointTuple
from trialbook.store.sql import schema
from trialbook.store.sql.rows import stored_value

_CHUNK = 500


def upsert(conn: sa.engine.Connection, table: sa.Table) -> Any:
    """A dialect-specific INSERT that supports ``on_conflict_do_*``."""
    return _dialect_insert(conn.dialect.name, table)


def _dialect_insert(dialect: str, table: sa.Table) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


@functools.cache
def _statements(dialect: str) -> dict[str, Any]:
    """The statements :func:`write` runs, for one dialect (immutable: shared by threads)."""
    ledger = schema.applied_batches
    tags = _dialect_insert(dialect, schema.tags)
    runs = schema.runs
    return {
        "ledger": _dialect_insert(dialect, ledger)
        .values(batch_id=sa.bindparam("batch_id"), applied_time=sa.bindparam("now"))
        .on_conflict_do_nothing()
        .returning(ledger.c.batch_id),
        "runs": sa.select(runs.c.run_id, runs.c.lifecycle_stage).where(
            runs.c.run_id.in_(sa.bindparam("run_ids", expanding=True))
        ),
        "tags": tags.on_conflict_do_update(
            index_elements=["run_id", "key"], set_={"value": tags.excluded.value}
        ),
        "latest": _merge_latest(_dialect_insert(dialect, schema.latest_metrics)),
    }


def write(conn: sa.engine.Connection, batch: Batch, now: int) -> bool:
    """Write ``batch``; return False when its ``batch_id`` was already applied."""
    statements = _statements(conn.dialect.name)
    if batch.batch_id is not None:
        found = conn.execute(statements["ledger"], {"batch_id": batch.batch_id, "now": now})
        if found.first() is None:
            return False
    run_ids = {p[0] for p in batch.metrics} | {s.run_id for s in batch.series}
    run_ids.update(r for r, _, _ in batch.params)
    run_ids.update(r for r, _, _ in batch.tags)
    check_runs(conn, run_ids)
    if batch.params:
        _write_params(conn, batch.params)
    if batch.tags:
        latest_tags = {(r, k): v for r, k, v in batch.tags}
        conn.execute(
            statements["tags"],
            [{"run_id": r, "key": k, "value": v} for (r, k), v in latest_tags.items()],
        )
    if batch.metrics or batch.series:
        _write_metrics(conn, statements, [*_group(batch.metrics), *batch.series])
    return True


def check_runs(conn: sa.engine.Connection, run_ids: set[str]) -> None:
    if not run_ids:
        return
    query = _statements(conn.dialect.name)["runs"]
    rows = conn.execute(query, {"run_ids": sorted(run_ids)})
    found = {row.run_id: row.lifecycle_stage for row in rows}
    for run_id in sorted(run_ids):
        if run_id not in found:
            raise RunNotFoundError(run_id)
        if found[run_id] == LifecycleStage.DELETED.value:
            raise DeletedRunError(run_id)


def _write_params(conn: sa.engine.Connection, params: Sequence[tuple[str, str, str]]) -> None:
    wanted: dict[tuple[str, str], str] = {}
    for run_id, key, value in params:
        previous = wanted.setdefault((run_id, key), value)
        if previous != value:
            raise ParamConflictError(run_id, key, previous, value)
    table = schema.params
    existing: dict[tuple[str, str], str] = {}
    for chunk in _chunks(sorted(wanted), _CHUNK):
        keys = sa.tuple_(table.c.run_id, table.c.key)
        rows = conn.execute(
            sa.select(table.c.run_id, table.c.key, table.c.value).where(keys.in_(chunk))
        )
        existing.update({(r.run_id, r.key): r.value for r in rows})
    new_rows = []
    for (run_id, key), value in wanted.items():
        old = existing.get((run_id, key))
        if old is None:
            new_rows.append({"run_id": run_id, "key": key, "value": value})
        elif old != value:
            raise ParamConflictError(run_id, key, old, value)
    if new_rows:
        conn.execute(upsert(conn, table).on_conflict_do_nothing(), new_rows)


def _group(points: Sequence[PointTuple]) -> list[MetricSeries]:
    """Points one by one, regrouped as one series per run and key (in logging order)."""
    grouped: dict[tuple[str, str], tuple[list[int], list[float], list[int]]] = {}
    for run_id, key, value, step, timestamp in points:
        columns = grouped.get((run_id, key))
        if columns is None:
            columns = grouped[(run_id, key)] = ([], [], [])
        columns[0].append(step)
        columns[1].append(value)
        columns[2].append(timestamp)
    return [MetricSeries(r, k, s, v, t) for (r, k), (s, v, t) in grouped.items()]


def _write_metrics(
    conn: sa.engine.Connection, statements: dict[str, Any], all_series: Sequence[MetricSeries]
) -> None:
    from trialbook.store.sql import chunks  # numpy: only writers of metrics need it

    merged: dict[tuple[str, str], dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    for series in all_series:
        if not len(series):
            continue
        arrays = chunks.as_arrays(series)
        rows.extend(chunks.chunk_rows(series.run_id, series.key, arrays))
        _, value, step, timestamp, low, high = chunks.summary(arrays)
        latest = {
            "value": value,
            "step": step,
            "timestamp": timestamp,
            "min_value": low,
            "max_value": high,
            "count": len(arrays),
        }
        pair = (series.run_id, series.key)
        merged[pair] = _merge(merged[pair], latest) if pair in merged else latest
    chunks.insert(conn, rows)
    if merged:
        conn.execute(
            statements["latest"],
            [_latest_row(run_id, key, latest) for (run_id, key), latest in merged.items()],
        )


def _merge_latest(stmt: Any) -> Any:
    """The insert ``stmt`` into ``latest_metrics``, merging a summary into an existing row.

    One statement, no read first: the newer point (larger step, then timestamp; on a tie the
    incoming one) gives value, step and timestamp; min and max ignore NULL; counts add up.
    """
    table = schema.latest_metrics
    new = stmt.excluded
    newer = sa.or_(
        new.step > table.c.step,
        sa.and_(new.step == table.c.step, new.timestamp >= table.c.timestamp),
    )

    def latest(column: str) -> Any:
        return sa.case((newer, new[column]), else_=table.c[column])

    def bound(column: str, wins: Any) -> Any:
        return sa.case(
            (sa.or_(table.c[column].is_(None), wins(new[column], table.c[column])), new[column]),
            else_=table.c[column],
        )

    return stmt.on_conflict_do_update(
        index_elements=["run_id", "key"],
        set_={
            "value": latest("value"),
            "is_nan": latest("is_nan"),
            "step": latest("step"),
            "timestamp": latest("timestamp"),
            "min_value": bound("min_value", lambda a, b: a < b),
            "max_value": bound("max_value", lambda a, b: a > b),
            "count": table.c.count + new.count,
        },
    )


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Combine two summaries; on equal step and timestamp the newer point wins."""
    newer = new if (new["step"], new["timestamp"]) >= (old["step"], old["timestamp"]) else old
    lows = [v for v in (old["min_value"], new["min_value"]) if v is not None]
    highs = [v for v in (old["max_value"], new["max_value"]) if v is not None]
    return {
        "value": newer["value"],
        "step": newer["step"],
        "timestamp": newer["timestamp"],
        "min_value": min(lows) if lows else None,
        "max_value": max(highs) if highs else None,
        "count": old["count"] + new["count"],
    }


def _latest_row(run_id: str, key: str, latest: dict[str, Any]) -> dict[str, Any]:
    value, is_nan = stored_value(latest["value"])
    return {"run_id": run_id, "key": key, **latest, "value": value, "is_nan": is_nan}


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
