"""Metric histories as chunks of packed arrays.

A chunk row holds up to :data:`CHUNK_POINTS` points of one run's metric: ``steps`` and
``timestamps`` as little-endian int64, ``values`` as little-endian float64 (NaN and ±inf kept
bit for bit). Reading concatenates a metric's chunks and orders the points by step, then
timestamp, then the order they were logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa

from trialbook.store.base import MetricArrays, MetricSeries
from trialbook.store.sql import schema

CHUNK_POINTS = 100_000

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
                "steps": steps.astype(_STEP, copy=False).tobytes(),
                "values": arrays.values[start : start + CHUNK_POINTS]
                .astype(_VALUE, copy=False)
                .tobytes(),
                "timestamps": arrays.timestamps[start : start + CHUNK_POINTS]
                .astype(_STEP, copy=False)
                .tobytes(),
            }
        )
    return rows


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
