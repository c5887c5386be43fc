"""The aggregate queries of the runs table (:class:`~trialbook.store.base.RunAggregates`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from trialbook.store.sql import schema


def run_keys(conn: sa.engine.Connection, where: Any) -> dict[str, list[str]]:
    """The sorted param, metric and tag keys of the runs matching ``where``."""
    chosen = sa.select(schema.runs.c.run_id).where(where)
    found: dict[str, list[str]] = {}
    for name, table in (
        ("params", schema.params),
        ("metrics", schema.latest_metrics),
        ("tags", schema.tags),
    ):
        query = (
            sa.select(table.c.key)
            .where(table.c.run_id.in_(chosen))
            .distinct()
            .order_by(table.c.key)
        )
        found[name] = [row[0] for row in conn.execute(query)]
    return found


def param_value_counts(
    conn: sa.engine.Connection, where: Any, param: str, limit: int
) -> list[tuple[str | None, int]]:
    """(value, run count) per value of ``param`` among the runs matching ``where``."""
    # An alias, so the filter's own subqueries on ``params`` do not correlate with the join.
    runs, params = schema.runs, schema.params.alias("group_param")
    joined = runs.outerjoin(
        params, sa.and_(params.c.run_id == runs.c.run_id, params.c.key == param)
    )
    query = (
        sa.select(params.c.value, sa.func.count())
        .select_from(joined)
        .where(where)
        .group_by(params.c.value)
        .order_by(params.c.value.is_(None), params.c.value)
        .limit(limit)
    )
    rows: Sequence[Any] = list(conn.execute(query))
    return [(value, int(count)) for value, count in rows]


def child_counts(
    conn: sa.engine.Connection, where: Any, parent_ids: Sequence[str]
) -> dict[str, int]:
    """How many runs matching ``where`` each of ``parent_ids`` is the parent of (0s left out)."""
    runs = schema.runs
    query = (
        sa.select(runs.c.parent_run_id, sa.func.count())
        .where(where, runs.c.parent_run_id.in_(list(parent_ids)))
        .group_by(runs.c.parent_run_id)
    )
    return {parent: int(count) for parent, count in conn.execute(query)}
