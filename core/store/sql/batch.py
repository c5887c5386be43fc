"""Writing a :class:`~trialbook.store.base.Batch` in one transaction.

Metric points are appended to ``metrics``; ``latest_metrics`` keeps, per run and key, the
latest point (largest step, then timestamp), the minimum, the maximum and the count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from trialbook.entities import LifecycleStage
from trialbook.errors import DeletedRunError, ParamConflictError, RunNotFoundError
from trialbook.store.base import Batch, PointTuple
from trialbook.store.sql import schema
from trialbook.store.sql.rows import loaded_value, stored_value

_CHUNK = 500


@dataclass
class _Latest:
    value: float
    step: int
    timestamp: int
    minimum: float | None
    maximum: float | None
    count: int

    def add(self, value: float, step: int, timestamp: int) -> None:
        if (step, timestamp) >= (self.step, self.timestamp):
            self.value, self.step, self.timestamp = value, step, timestamp
        if not math.isnan(value):
            self.minimum = value if self.minimum is None else min(self.minimum, value)
            self.maximum = value if self.maximum is None else max(self.maximum, value)
        self.count += 1


def upsert(conn: sa.engine.Connection, table: sa.Table) -> Any:
    """A dialect-specific INSERT that supports ``on_conflict_do_*``."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def write(conn: sa.engine.Connection, batch: Batch, now: int) -> bool:
    """Write ``batch``; return False when its ``batch_id`` was already applied."""
    if batch.batch_id is not None:
        table = schema.applied_batches
        inserted = conn.execute(
            upsert(conn, table)
            .values(batch_id=batch.batch_id, applied_time=now)
            .on_conflict_do_nothing()
            .returning(table.c.batch_id)
        ).first()
        if inserted is None:
            return False
    run_ids = {p[0] for p in batch.metrics}
    run_ids.update(r for r, _, _ in batch.params)
    run_ids.update(r for r, _, _ in batch.tags)
    _check_runs(conn, run_ids)
    if batch.params:
        _write_params(conn, batch.params)
    if batch.tags:
        stmt = upsert(conn, schema.tags)
        stmt = stmt.on_conflict_do_update(
            index_elements=["run_id", "key"], set_={"value": stmt.excluded.value}
        )
        latest_tags = {(r, k): v for r, k, v in batch.tags}
        conn.execute(
            stmt, [{"run_id": r, "key": k, "value": v} for (r, k), v in latest_tags.items()]
        )
    if batch.metrics:
        _write_metrics(conn, batch.metrics)
    return True


def _check_runs(conn: sa.engine.Connection, run_ids: set[str]) -> None:
    if not run_ids:
        return
    query = sa.select(schema.runs.c.run_id, schema.runs.c.lifecycle_stage).where(
        schema.runs.c.run_id.in_(sorted(run_ids))
    )
    found = {row.run_id: row.lifecycle_stage for row in conn.execute(query)}
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


def _write_metrics(conn: sa.engine.Connection, points: Sequence[PointTuple]) -> None:
    rows = [
        (run_id, key, 0.0, True, step, ts)
        if value != value
        else (run_id, key, value, False, step, ts)
        for run_id, key, value, step, ts in points
    ]
    conn.exec_driver_sql(_insert_metrics_sql(conn), rows)

    merged: dict[tuple[str, str], _Latest] = {}
    table = schema.latest_metrics
    pairs = sorted({(p[0], p[1]) for p in points})
    for chunk in _chunks(pairs, _CHUNK):
        keys = sa.tuple_(table.c.run_id, table.c.key)
        for r in conn.execute(sa.select(table).where(keys.in_(chunk))):
            merged[(r.run_id, r.key)] = _Latest(
                loaded_value(r.value, r.is_nan),
                r.step,
                r.timestamp,
                r.min_value,
                r.max_value,
                r.count,
            )
    for run_id, key, value, step, ts in points:
        latest = merged.get((run_id, key))
        if latest is None:
            merged[(run_id, key)] = latest = _Latest(value, step, ts, None, None, 0)
        latest.add(value, step, ts)
    stmt = upsert(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["run_id", "key"],
        set_={
            c: stmt.excluded[c]
            for c in ("value", "is_nan", "step", "timestamp", "min_value", "max_value", "count")
        },
    )
    conn.execute(
        stmt, [_latest_row(run_id, key, latest) for (run_id, key), latest in merged.items()]
    )


def _latest_row(run_id: str, key: str, latest: _Latest) -> dict[str, Any]:
    value, is_nan = stored_value(latest.value)
    return {
        "run_id": run_id,
        "key": key,
        "value": value,
        "is_nan": is_nan,
        "step": latest.step,
        "timestamp": latest.timestamp,
        "min_value": latest.minimum,
        "max_value": latest.maximum,
        "count": latest.count,
    }


def _insert_metrics_sql(conn: sa.engine.Connection) -> str:
    # Raw executemany: metric points are the hot path, and SQLAlchemy's per-row bind
    # processing would double the cost. Only placeholders vary; values are bound.
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    marks = ", ".join([mark] * 6)
    return f"INSERT INTO metrics (run_id, key, value, is_nan, step, timestamp) VALUES ({marks})"


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
