"""Runs, their data and metric summaries loaded from plain row tuples, for pages of runs.

::

    runs, summaries = load_runs(conn, run_ids)   # in the order of run_ids

Reads select exactly the columns they use and build each entity once: a page of 1,000 runs
with 10 params and 10 metrics each is some 21,000 rows, so per-row overhead decides its cost.
Metric summaries are built only when read (:class:`~trialbook.store.base.SummaryRecords`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from trialbook.entities import (
    LifecycleStage,
    MetricSummary,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunStatus,
)
from trialbook.store.base import SummaryRecords
from trialbook.store.sql import inputs, schema
from trialbook.store.sql.ids import id_in

_first = itemgetter(0)
_STATUS = {status.value: status for status in RunStatus}
_STAGE = {stage.value: stage for stage in LifecycleStage}
_RUNS = schema.runs
_RUN_COLUMNS = (
    _RUNS.c.run_id,
    _RUNS.c.experiment_id,
    _RUNS.c.name,
    _RUNS.c.status,
    _RUNS.c.start_time,
    _RUNS.c.end_time,
    _RUNS.c.lifecycle_stage,
    _RUNS.c.artifact_uri,
    _RUNS.c.user_id,
    _RUNS.c.parent_run_id,
    _RUNS.c.description,
)
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


def load_runs(
    conn: sa.engine.Connection, run_ids: Sequence[str]
) -> tuple[list[Run], SummaryRecords]:
    """The runs with these ids that exist, in the order given, and their metric summaries."""
    ids = list(run_ids)
    if not ids:
        return [], SummaryRecords({}, summary)
    dialect = conn.dialect.name
    query = sa.select(*_RUN_COLUMNS).where(id_in(_RUNS.c.run_id, ids, dialect))
    infos = {row[0]: row for row in conn.execute(query).all()}
    params = _key_values(conn, schema.params, ids)
    tags = _key_values(conn, schema.tags, ids)
    records: dict[str, list[Any]] = {}
    metrics: dict[str, dict[str, float]] = {}
    query = sa.select(*_SUMMARY_COLUMNS).where(id_in(_LATEST.c.run_id, ids, dialect))
    # In primary-key order: no sort, and each run's rows side by side.
    rows = conn.execute(query.order_by(_LATEST.c.run_id, _LATEST.c.key)).all()
    for run_id, group in itertools.groupby(rows, _first):
        found = records[run_id] = list(group)
        metrics[run_id] = {r[1]: math.nan if r[3] else float(r[2]) for r in found}
    used = inputs.load(conn, ids)
    runs = [
        Run(
            info=_info(infos[run_id]),
            data=RunData(
                params=params.get(run_id) or {},
                metrics=metrics.get(run_id) or {},
                tags=tags.get(run_id) or {},
            ),
            inputs=RunInputs(used.get(run_id, ())),
        )
        for run_id in ids
        if run_id in infos
    ]
    return runs, SummaryRecords(records, summary)


def summaries(conn: sa.engine.Connection, run_ids: Sequence[str]) -> dict[str, list[MetricSummary]]:
    """Every metric summary of these runs, by run id, each run's by key."""
    query = sa.select(*_SUMMARY_COLUMNS)
    query = query.where(id_in(_LATEST.c.run_id, list(run_ids), conn.dialect.name))
    rows = conn.execute(query.order_by(_LATEST.c.run_id, _LATEST.c.key)).all()
    return {
        run_id: [summary(r) for r in group] for run_id, group in itertools.groupby(rows, _first)
    }


def _key_values(
    conn: sa.engine.Connection, table: sa.Table, ids: list[str]
) -> dict[str, dict[str, str]]:
    query = sa.select(table.c.run_id, table.c.key, table.c.value)
    query = query.where(id_in(table.c.run_id, ids, conn.dialect.name))
    rows = conn.execute(query.order_by(table.c.run_id, table.c.key)).all()
    return {
        run_id: {r[1]: r[2] for r in group} for run_id, group in itertools.groupby(rows, _first)
    }


def _info(row: Any) -> RunInfo:
    (run_id, experiment_id, name, status, start, end, stage, uri, user, parent, text) = row
    return RunInfo(
        run_id=run_id,
        experiment_id=str(experiment_id),
        run_name=name,
        status=_STATUS[status],
        start_time=start,
        end_time=end,
        lifecycle_stage=_STAGE[stage],
        artifact_uri=uri,
        user_id=user,
        parent_run_id=parent,
        description=text,
    )


def summary(row: Any) -> MetricSummary:
    """A MetricSummary from a row of ``_SUMMARY_COLUMNS``."""
    _run_id, key, value, is_nan, step, timestamp, low, high, count = row
    return MetricSummary(
        key=key,
        latest=math.nan if is_nan else float(value),
        step=step,
        timestamp=timestamp,
        min=math.nan if low is None else float(low),
        max=math.nan if high is None else float(high),
        count=count,
    )
