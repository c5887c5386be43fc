"""Questions the runs table asks that the store protocol does not answer (yet).

::

    columns = run_columns(store, ["1"])          # {"params": [...], "metrics": [...], ...}
    groups = group_counts(store, ["1"], "optimizer", "metrics.acc > 0.5")

On an SQL store they are single aggregate queries; on any other store they fall back on
the first page of :meth:`TrackingStore.search_runs` (keys) or are unavailable (groups).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trialbook.entities import LifecycleStage, ViewType
from trialbook.store.base import TrackingStore

MAX_GROUPS = 500
"""Group headers shown at most; the rest of the runs still appear, without a header."""

_SAMPLE_RUNS = 1000


def _engine(store: TrackingStore) -> Any:
    from trialbook.store.sql import SqlStore

    return store.engine if isinstance(store, SqlStore) else None


def _run_filter(experiment_ids: Sequence[str], view_type: ViewType, filter_string: str) -> Any:
    import sqlalchemy as sa

    from trialbook.search import parse_filter
    from trialbook.store.sql import schema
    from trialbook.store.sql.search import filter_clause

    runs = schema.runs
    clauses = [
        runs.c.experiment_id.in_([int(e) for e in experiment_ids]),
        filter_clause(parse_filter(filter_string)),
    ]
    if view_type is not ViewType.ALL:
        stage = LifecycleStage.ACTIVE if view_type is ViewType.ACTIVE else LifecycleStage.DELETED
        clauses.append(runs.c.lifecycle_stage == stage.value)
    return sa.and_(*clauses)


def run_columns(
    store: TrackingStore, experiment_ids: Sequence[str], view_type: ViewType = ViewType.ACTIVE
) -> dict[str, list[str]]:
    """The param, metric and tag keys the experiments' runs have, sorted."""
    engine = _engine(store)
    if engine is None:
        return _sampled_columns(store, experiment_ids, view_type)
    import sqlalchemy as sa

    from trialbook.store.sql import schema

    runs = schema.runs
    chosen = sa.select(runs.c.run_id).where(_run_filter(experiment_ids, view_type, ""))
    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
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


def _sampled_columns(
    store: TrackingStore, experiment_ids: Sequence[str], view_type: ViewType
) -> dict[str, list[str]]:
    page = store.search_runs(experiment_ids, max_results=_SAMPLE_RUNS, view_type=view_type)
    params: set[str] = set()
    metrics: set[str] = set()
    tags: set[str] = set()
    for run in page.runs:
        params.update(run.data.params)
        metrics.update(run.data.metrics)
        tags.update(run.data.tags)
    return {"params": sorted(params), "metrics": sorted(metrics), "tags": sorted(tags)}


def group_counts(
    store: TrackingStore,
    experiment_ids: Sequence[str],
    param: str,
    filter_string: str = "",
    view_type: ViewType = ViewType.ACTIVE,
) -> list[dict[str, Any]] | None:
    """How many matching runs have each value of a param (None: a missing param), in the
    order ``params.<param>`` sorts them; None when the store cannot tell."""
    engine = _engine(store)
    if engine is None:
        return None
    import sqlalchemy as sa

    from trialbook.store.sql import schema

    # An alias, so the filter's own subqueries on ``params`` do not correlate with the join.
    runs, params = schema.runs, schema.params.alias("group_param")
    joined = runs.outerjoin(
        params, sa.and_(params.c.run_id == runs.c.run_id, params.c.key == param)
    )
    query = (
        sa.select(params.c.value, sa.func.count())
        .select_from(joined)
        .where(_run_filter(experiment_ids, view_type, filter_string))
        .group_by(params.c.value)
        .order_by(params.c.value.is_(None), params.c.value)
        .limit(MAX_GROUPS)
    )
    with engine.connect() as conn:
        return [{"value": value, "count": int(count)} for value, count in conn.execute(query)]


def count_runs(
    store: TrackingStore,
    experiment_ids: Sequence[str],
    filter_string: str = "",
    view_type: ViewType = ViewType.ACTIVE,
) -> int | None:
    """How many runs match, or None when the store cannot count."""
    counter = getattr(store, "count_runs", None)
    if counter is None:
        return None
    return int(counter(experiment_ids, filter_string, view_type))
