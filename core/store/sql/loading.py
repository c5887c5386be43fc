"""Pages of runs loaded from plain row tuples: :func:`load_table` and :func:`load_runs`.

::

    table = load_table(conn, run_ids)       # a RunTable, in the order of run_ids
    runs, summaries = load_runs(conn, run_ids)

A page of 1,000 runs with 10 params and 10 metrics each is some 21,000 rows, so per-row
overhead decides its cost: the queries run on the driver's own cursor
(:func:`~trialbook.store.sql.ids.fetch`), each row tagged with its run's position in the page;
params and tags come as one JSON object per run, built by the database (JSON carries text
exactly; floats stay rows, since SQLite's JSON rounds them to 15 digits). Metric summaries
are built only when read (:attr:`~trialbook.store.tables.RunTable.summaries`).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from trialbook.entities import MetricSummary, Run
from trialbook.store.sql import inputs, schema
from trialbook.store.sql.ids import bind_ids, fetch, id_in, positions
from trialbook.store.tables import (
    INFO_FIELDS,
    RunTable,
    SummaryColumns,
    empty_table,
    latest_values,
    nan_for_none,
)

_first = itemgetter(0)
_LATEST = schema.latest_metrics
_SUMMARY_COLUMNS = (
    _LATEST.c.run_id,
    _LATEST.c.key,
    _LATEST.c.value,
    _LATEST.c.is_nan,
    _LATEST.c.step,
    _LATEST.c.timestamp,
    _LATEST.c.min_value,
    _LATEST.c.max_value,
    _LATEST.c.count,
)
# {ids} is ids.positions(): j(run_id, pos). Rows come in page order, each run's by key.
_RUNS_SQL = (
    "SELECT j.pos, r.run_id, r.experiment_id, r.name, r.status, r.start_time, r.end_time, "
    "r.lifecycle_stage, r.artifact_uri, r.user_id, r.parent_run_id, r.description "
    "FROM {ids} JOIN runs AS r ON r.run_id = j.run_id ORDER BY j.pos"
)
_KEY_VALUES_SQL = (
    "SELECT j.pos, {object}(t.key, t.value) FROM {ids} JOIN {table} AS t "
    "ON t.run_id = j.run_id GROUP BY j.pos ORDER BY j.pos"
)
_JSON_OBJECT = {"postgresql": "json_object_agg", "sqlite": "json_group_object"}
# NaN (stored as 0 with is_nan) reads as NULL.
_LATEST_SQL = (
    "SELECT j.pos, m.key, CASE WHEN m.is_nan THEN NULL ELSE m.value END "
    "FROM {ids} JOIN latest_metrics AS m ON m.run_id = j.run_id ORDER BY j.pos, m.key"
)
_SUMMARIES_SQL = (
    "SELECT j.pos, m.key, CASE WHEN m.is_nan THEN NULL ELSE m.value END, m.step, m.timestamp, "
    "m.min_value, m.max_value, m.count "
    "FROM {ids} JOIN latest_metrics AS m ON m.run_id = j.run_id ORDER BY j.pos, m.key"
)


def load_table(
    conn: sa.engine.Connection, run_ids: Sequence[str], summaries: bool = True
) -> RunTable:
    """The runs with these ids that exist, in the order given (``summaries``: with their
    metric summaries)."""
    dialect = conn.dialect.name
    ids = list(run_ids)
    if not ids:
        return empty_table()
    found = fetch(conn, _RUNS_SQL.format(ids=positions(dialect)), [bind_ids(ids, dialect)])
    if len(found) < len(ids):  # Some were purged meanwhile: number the others from 0.
        ids = [row[1] for row in found]
        found = [(position, *row[1:]) for position, row in enumerate(found)]
        if not ids:
            return empty_table()
    info: dict[str, Sequence[Any]] = dict(
        zip(INFO_FIELDS, list(zip(*found, strict=True))[1:], strict=True)
    )
    info["experiment_id"] = [str(e) for e in info["experiment_id"]]
    bound = [bind_ids(ids, dialect)]
    params = _key_values(conn, "params", bound, len(ids))
    tags = _key_values(conn, "tags", bound, len(ids))
    columns: SummaryColumns | None = None
    if summaries:
        rows = fetch(conn, _SUMMARIES_SQL.format(ids=positions(dialect)), bound)
        raw = SummaryColumns(*(list(zip(*rows, strict=True)) or [()] * 8))
        columns = raw._replace(
            latest=nan_for_none(raw.latest),
            mins=nan_for_none(raw.mins),
            maxes=nan_for_none(raw.maxes),
        )
        metrics = latest_values(columns, len(ids))
    else:
        metrics = [{} for _ in ids]
        for position, key, value in fetch(conn, _LATEST_SQL.format(ids=positions(dialect)), bound):
            metrics[position][key] = math.nan if value is None else value
    used = inputs.load(conn, ids)
    return RunTable(
        info=info,
        params=params,
        metrics=metrics,
        tags=tags,
        inputs={i: used[run_id] for i, run_id in enumerate(ids) if run_id in used},
        summary_columns=columns,
    )


def _key_values(
    conn: sa.engine.Connection, table: str, bound: list[Any], count: int
) -> list[dict[str, str]]:
    """The params or tags of each run of the page, one dict per position."""
    dialect = conn.dialect.name
    sql = _KEY_VALUES_SQL.format(ids=positions(dialect), table=table, object=_JSON_OBJECT[dialect])
    rows = fetch(conn, sql, bound)
    found: list[dict[str, str]] = [{} for _ in range(count)]
    if rows and isinstance(rows[0][1], str):  # JSON text: decode every run's in one call.
        objects = json.loads("[" + ",".join(row[1] for row in rows) + "]")
        for (position, _text), values in zip(rows, objects, strict=True):
            found[position] = values
    else:
        for position, values in rows:
            found[position] = values
    return found


def load_runs(
    conn: sa.engine.Connection, run_ids: Sequence[str]
) -> tuple[list[Run], Mapping[str, list[MetricSummary]]]:
    """The runs with these ids that exist, in the order given, and their metric summaries."""
    table = load_table(conn, run_ids)
    return table.runs(), table.summaries


def summaries(conn: sa.engine.Connection, run_ids: Sequence[str]) -> dict[str, list[MetricSummary]]:
    """Every metric summary of these runs, by run id, each run's by key."""
    query = sa.select(*_SUMMARY_COLUMNS)
    query = query.where(id_in(_LATEST.c.run_id, list(run_ids), conn.dialect.name))
    rows = conn.execute(query.order_by(_LATEST.c.run_id, _LATEST.c.key)).all()
    return {
        run_id: [summary(r) for r in group] for run_id, group in itertools.groupby(rows, _first)
    }


def summary(row: Any) -> MetricSummary:
    """A MetricSummary from a row of ``_SUMMARY_COLUMNS`` (or of ``_SUMMARIES_SQL``)."""
    _run, key, value, is_nan, step, timestamp, low, high, count = row
    return MetricSummary(
        key=key,
        latest=math.nan if is_nan else float(value),
        step=step,
        timestamp=timestamp,
        min=math.nan if low is None else float(low),
        max=math.nan if high is None else float(high),
        count=count,
    )
