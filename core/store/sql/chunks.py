"""Metric histories as chunks of packed arrays.

A chunk row holds up to :data:`CHUNK_POINTS` points of one run's metric: ``steps`` and
``timestamps`` as little-endian int64, ``values`` as little-endian float64 (NaN and ±inf kept
bit for bit). Reading concatenates a metric's chunks and orders the points by step, then
timestamp, then the order they were logged.

Overviews are built after logging, never by it (:func:`build_overviews`, which the tracker
runs in the background when a run ends and every so many points of a live run): the chunks
of a history that follow its last overview get one of their own, ``metric_overviews`` rows
holding the points that keep the lowest and highest value of each of :data:`OVERVIEW_BUCKETS`
step-buckets of the stretch, packed the same way. A stretch is closed once it holds
:data:`STRETCH_POINTS` points; the rest of an ended run's history gets one too when it holds
``8 * OVERVIEW_BUCKETS`` or more, so most long histories end up with a single overview.
:func:`load_overviews` reads the overviews instead of the chunks they cover, and the chunks
of a stretch without one as they are, so a chart of 200 runs x 10,000 steps reads about
200 x 1,000 points, not 2,000,000.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa

from trialbook.entities import RunStatus
from trialbook.store.base import MetricArrays, MetricSeries
from trialbook.store.downsample import minmax_indices
from trialbook.store.sql import schema

CHUNK_POINTS = 100_000

OVERVIEW_BUCKETS = 512
"""Step-buckets of an overview (at most ``2 * OVERVIEW_BUCKETS + 2`` points)."""

STRETCH_POINTS = 100_000
"""Points of a history one overview stands for, at most (the rest of an ended run's, fewer)."""

_STEP = np.dtype("<i8")
_VALUE = np.dtype("<f8")
_IN_LIMIT = 500


def as_arrays(series: MetricSeries) -> MetricArrays:
    """The series' columns as numpy arrays (no copy for ``array``/numpy input of the right type)."""
    return MetricArrays(
        steps=np.asarray(series.steps, dtype=_STEP),
        values=np.asarray(series.values, dtype=_VALUE),
        timestamps=np.asarray(series.timestamps, dtype=_STEP),
    )


def chunk_rows(run_id: str, key: str, arrays: MetricArrays) -> list[dict[str, Any]]:
    """The ``metric_chunks`` rows for a run's metric points."""
    rows = []
    for start in range(0, len(arrays), CHUNK_POINTS):
        steps = arrays.steps[start : start + CHUNK_POINTS]
        rows.append(
            {
                "run_id": run_id,
                "key": key,
                "count": len(steps),
                "first_step": int(steps.min()),
                "last_step": int(steps.max()),
                **_packed(
                    MetricArrays(
                        steps,
                        arrays.values[start : start + CHUNK_POINTS],
                        arrays.timestamps[start : start + CHUNK_POINTS],
                    )
                ),
            }
        )
    return rows


def insert(conn: sa.engine.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert chunk rows, in order (chunk ids keep the logging order)."""
    if rows:
        conn.execute(sa.insert(schema.metric_chunks), rows)


def build_overviews(conn: sa.engine.Connection, run_id: str) -> int:
    """Give the chunks of each of a run's histories that follow its last overview overviews.

    Chunks are taken in id order into stretches; a stretch is closed once it holds
    :data:`STRETCH_POINTS` points. What is left over gets an overview only when the run has
    ended and it holds ``8 * OVERVIEW_BUCKETS`` points or more. Call it in a write
    transaction: the run's row is locked first (PostgreSQL; SQLite's writers queue up
    anyway), so that two builders never summarise a stretch twice. Returns how many
    overviews were added (0 for a run that does not exist).
    """
    chunks = schema.metric_chunks
    stretches = due_overviews(conn, run_id, lock=True)
    for key, stretch in stretches:
        rows = conn.execute(
            sa.select(chunks.c.id, chunks.c.steps, chunks.c["values"], chunks.c.timestamps)
            .where(chunks.c.id.between(stretch[0], stretch[-1]), chunks.c.run_id == run_id)
            .where(chunks.c.key == key)
            .order_by(chunks.c.id)
        ).all()
        _add_overview(conn, run_id, key, [(row.id, row._mapping) for row in rows])
    return len(stretches)


def due_overviews(
    conn: sa.engine.Connection, run_id: str, lock: bool = False
) -> list[tuple[str, list[int]]]:
    """The stretches of the run's histories that :func:`build_overviews` would summarise:
    (key, chunk ids) pairs, read from the chunks' sizes alone (``lock``: the run's row too)."""
    chunks, overviews, runs = schema.metric_chunks, schema.metric_overviews, schema.runs
    status_query = sa.select(runs.c.status).where(runs.c.run_id == run_id)
    status = conn.execute(
        status_query.with_for_update() if lock else status_query
    ).scalar_one_or_none()
    if status is None:
        return []
    covered = dict(
        conn.execute(
            sa.select(overviews.c.key, sa.func.max(overviews.c.last_chunk_id))
            .where(overviews.c.run_id == run_id)
            .group_by(overviews.c.key)
        ).all()
    )
    pending: dict[str, list[tuple[int, int]]] = {}
    for chunk_id, key, count in conn.execute(
        sa.select(chunks.c.id, chunks.c.key, chunks.c.count)
        .where(chunks.c.run_id == run_id)
        .order_by(chunks.c.id)
    ):
        if chunk_id > covered.get(key, 0):
            pending.setdefault(key, []).append((chunk_id, count))
    ended = status != RunStatus.RUNNING.value
    return [
        (key, stretch) for key, found in pending.items() for stretch in _stretches(found, ended)
    ]


def _stretches(chunk_counts: Sequence[tuple[int, int]], ended: bool) -> list[list[int]]:
    """The chunk ids, in order, of each stretch that gets an overview (see build_overviews)."""
    closed: list[list[int]] = []
    stretch: list[int] = []
    points = 0
    for chunk_id, count in chunk_counts:
        stretch.append(chunk_id)
        points += count
        if points >= STRETCH_POINTS:
            closed.append(stretch)
            stretch, points = [], 0
    # The rest, from 8 * OVERVIEW_BUCKETS points: at least 4 times fewer points to read.
    # Shorter histories are read whole; summarising them would cost the training process
    # more than it saves a chart.
    if ended and points >= 8 * OVERVIEW_BUCKETS:
        closed.append(stretch)
    return closed


def _add_overview(
    conn: sa.engine.Connection,
    run_id: str,
    key: str,
    pieces: Sequence[tuple[int, Mapping[Any, Any]]],
) -> None:
    """Store the overview of chunks (id and row, in id order) of one run's metric."""
    if not pieces:
        return
    arrays = _ordered(
        [np.frombuffer(row["steps"], dtype=_STEP) for _, row in pieces],
        [np.frombuffer(row["values"], dtype=_VALUE) for _, row in pieces],
        [np.frombuffer(row["timestamps"], dtype=_STEP) for _, row in pieces],
    )
    keep = minmax_indices(arrays.steps, arrays.values, OVERVIEW_BUCKETS)
    overview = MetricArrays(arrays.steps[keep], arrays.values[keep], arrays.timestamps[keep])
    row = {"run_id": run_id, "key": key, "first_chunk_id": pieces[0][0]}
    row["last_chunk_id"] = pieces[-1][0]
    conn.execute(sa.insert(schema.metric_overviews).values(**row, **_packed(overview)))


def _packed(arrays: MetricArrays) -> dict[str, bytes]:
    return {
        "steps": arrays.steps.astype(_STEP, copy=False).tobytes(),
        "values": arrays.values.astype(_VALUE, copy=False).tobytes(),
        "timestamps": arrays.timestamps.astype(_STEP, copy=False).tobytes(),
    }


def load(conn: sa.engine.Connection, run_id: str, key: str) -> MetricArrays:
    """A metric's points, ordered by step, then timestamp, then logging order."""
    table = schema.metric_chunks
    query = (
        sa.select(table.c.steps, table.c["values"], table.c.timestamps)
        .where(table.c.run_id == run_id, table.c.key == key)
        .order_by(table.c.id)
    )
    found = list(conn.execute(query))
    return _ordered(
        [np.frombuffer(r.steps, dtype=_STEP) for r in found],
        [np.frombuffer(r[1], dtype=_VALUE) for r in found],
        [np.frombuffer(r.timestamps, dtype=_STEP) for r in found],
    )


def load_many(
    conn: sa.engine.Connection, run_ids: Sequence[str], keys: Sequence[str]
) -> dict[tuple[str, str], MetricArrays]:
    """Every (run, key) pair's points, each ordered as :func:`load` orders them."""
    table = schema.metric_chunks
    parts: dict[tuple[str, str], tuple[list[Any], list[Any], list[Any]]] = {}
    for first in range(0, len(run_ids), _IN_LIMIT):
        query = (
            sa.select(
                table.c.run_id, table.c.key, table.c.steps, table.c["values"], table.c.timestamps
            )
            .where(table.c.run_id.in_(run_ids[first : first + _IN_LIMIT]), table.c.key.in_(keys))
            .order_by(table.c.id)
        )
        for row in conn.execute(query):
            steps, values, times = parts.setdefault((row.run_id, row.key), ([], [], []))
            steps.append(np.frombuffer(row.steps, dtype=_STEP))
            values.append(np.frombuffer(row[3], dtype=_VALUE))
            times.append(np.frombuffer(row.timestamps, dtype=_STEP))
    return {pair: _ordered(*arrays) for pair, arrays in parts.items()}


def load_overviews(
    conn: sa.engine.Connection, run_ids: Sequence[str], keys: Sequence[str]
) -> dict[tuple[str, str], MetricArrays]:
    """Every (run, key) pair's points, overviews standing for the chunks they cover.

    Ordered as :func:`load` orders them. Each overview holds the lowest and highest point of
    each of :data:`OVERVIEW_BUCKETS` step-buckets of its stretch (and its first and last), so
    downsampling the result to at most ``OVERVIEW_BUCKETS`` buckets keeps the envelope of
    the whole history. NaN values are left out of overviews.
    """
    chunks, overviews = schema.metric_chunks, schema.metric_overviews
    parts: dict[tuple[str, str], list[tuple[int, Any]]] = {}
    for first in range(0, len(run_ids), _IN_LIMIT):
        some = run_ids[first : first + _IN_LIMIT]
        summarised = sa.select(overviews.c.id).where(
            overviews.c.run_id == chunks.c.run_id,
            overviews.c.key == chunks.c.key,
            chunks.c.id.between(overviews.c.first_chunk_id, overviews.c.last_chunk_id),
        )
        # One statement, so one snapshot: an overview committed between two statements would
        # hide its chunks from the second while the first had not seen it.
        query = sa.union_all(
            sa.select(
                overviews.c.run_id, overviews.c.key, overviews.c.first_chunk_id,
                overviews.c.steps, overviews.c["values"], overviews.c.timestamps,
            ).where(overviews.c.run_id.in_(some), overviews.c.key.in_(keys)),
            sa.select(
                chunks.c.run_id, chunks.c.key, chunks.c.id,
                chunks.c.steps, chunks.c["values"], chunks.c.timestamps,
            ).where(chunks.c.run_id.in_(some), chunks.c.key.in_(keys), ~summarised.exists()),
        )  # fmt: skip
        for row in conn.execute(query):
            parts.setdefault((row[0], row[1]), []).append((row[2], row))
    found = {}
    for pair, pieces in parts.items():
        pieces.sort(key=lambda piece: piece[0])
        found[pair] = _ordered(
            [np.frombuffer(row[3], dtype=_STEP) for _, row in pieces],
            [np.frombuffer(row[4], dtype=_VALUE) for _, row in pieces],
            [np.frombuffer(row[5], dtype=_STEP) for _, row in pieces],
        )
    return found


def _ordered(
    steps: Sequence[Any], values: Sequence[Any], timestamps: Sequence[Any]
) -> MetricArrays:
    if not steps:
        empty = np.empty(0, dtype=_STEP)
        return MetricArrays(empty, np.empty(0, dtype=_VALUE), empty)
    all_steps = np.concatenate(steps)
    all_values = np.concatenate(values)
    all_times = np.concatenate(timestamps)
    if len(all_steps) > 1 and not _sorted(all_steps, all_times):
        order = np.lexsort((all_times, all_steps))  # stable: ties keep logging order
        all_steps, all_values, all_times = all_steps[order], all_values[order], all_times[order]
    return MetricArrays(all_steps, all_values, all_times)


def _sorted(steps: Any, timestamps: Any) -> bool:
    step_up = steps[1:] > steps[:-1]
    same = steps[1:] == steps[:-1]
    return bool(np.all(step_up | (same & (timestamps[1:] >= timestamps[:-1]))))


def summary(arrays: MetricArrays) -> tuple[int, float, int, int, float | None, float | None]:
    """(index of the latest point, its value, step, timestamp, min, max) ignoring NaN for min/max."""
    steps, times, values = arrays.steps, arrays.timestamps, arrays.values
    top = steps.max()
    candidates = np.flatnonzero(steps == top)
    best = candidates[np.flatnonzero(times[candidates] == times[candidates].max())[-1]]
    finite = values[~np.isnan(values)]
    low = float(finite.min()) if finite.size else None
    high = float(finite.max()) if finite.size else None
    return int(best), float(values[best]), int(steps[best]), int(times[best]), low, high
