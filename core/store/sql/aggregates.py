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
