"""Writing a :class:`~trialbook.store.base.Batch` in one transaction.

Metric points are appended to ``metric_chunks`` as packed arrays (a long chunk with its
overview in ``metric_overviews``); ``latest_metrics`` keeps,
per run and key, the latest point (largest step, then timestamp), the minimum, the maximum and
the count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from trialbook.entities import LifecycleStage
from trialbook.errors import DeletedRunError, ParamConflictError, RunNotFoundError
from trialbook.store.base import Batch, MetricSeries, PointTuple
from trialbook.store.sql import schema
from trialbook.store.sql.rows import loaded_value, stored_value

_CHUNK = 500


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
    run_ids = {p[0] for p in batch.metrics} | {s.run_id for s in batch.series}
    run_ids.update(r for r, _, _ in batch.params)
    run_ids.update(r for r, _, _ in batch.tags)
    check_runs(conn, run_ids)
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
    if batch.metrics or batch.series:
        _write_metrics(conn, [*_group(batch.metrics), *batch.series])
    return True


def check_runs(conn: sa.engine.Connection, run_ids: set[str]) -> None:
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


def _write_metrics(conn: sa.engine.Connection, all_series: Sequence[MetricSeries]) -> None:
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
    added = {pair: latest["count"] for pair, latest in merged.items()}

    table = schema.latest_metrics
    for chunk in _chunks(sorted(merged), _CHUNK):
        keys = sa.tuple_(table.c.run_id, table.c.key)
        for r in conn.execute(sa.select(table).where(keys.in_(chunk))):
            stored = {
                "value": loaded_value(r.value, r.is_nan),
                "step": r.step,
                "timestamp": r.timestamp,
                "min_value": r.min_value,
                "max_value": r.max_value,
                "count": r.count,
            }
            merged[(r.run_id, r.key)] = _merge(stored, merged[(r.run_id, r.key)])
    if not merged:
        return
    # Every TAIL_POINTS points logged, the history's newest short chunks get an overview.
    step = chunks.TAIL_POINTS
    for (run_id, key), summary in merged.items():
        count = int(summary["count"])
        if count // step != (count - int(added[(run_id, key)])) // step:
            chunks.overview_tail(conn, run_id, key)
    stmt = upsert(conn, table)
    columns = ("value", "is_nan", "step", "timestamp", "min_value", "max_value", "count")
    stmt = stmt.on_conflict_do_update(
        index_elements=["run_id", "key"], set_={c: stmt.excluded[c] for c in columns}
    )
    conn.execute(
        stmt, [_latest_row(run_id, key, latest) for (run_id, key), latest in merged.items()]
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
