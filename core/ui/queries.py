"""Questions the runs table asks beyond a page of runs: which keys, how many per value.

::

    columns = run_columns(store, ["1"])          # {"params": [...], "metrics": [...], ...}
    groups = group_counts(store, ["1"], "optimizer", "metrics.acc > 0.5")

A store with :class:`~trialbook.store.base.RunAggregates` answers each with one aggregate
query; on any other store the keys come from the first page of
:meth:`TrackingStore.search_runs` and groups are unavailable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from trialbook.entities import ViewType
from trialbook.errors import InvalidValueError
from trialbook.store.base import RunAggregates, RunFamilies, TrackingStore

MAX_GROUPS = 500
"""Group headers shown at most; the rest of the runs still appear, without a header."""

_SAMPLE_RUNS = 1000
_RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def run_columns(
    store: TrackingStore, experiment_ids: Sequence[str], view_type: ViewType = ViewType.ACTIVE
) -> dict[str, list[str]]:
    """The param, metric and tag keys the experiments' runs have, sorted."""
    if isinstance(store, RunAggregates):
        return store.run_keys(experiment_ids, view_type)
    return _sampled_columns(store, experiment_ids, view_type)


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
    if not isinstance(store, RunAggregates):
        return None
    counts = store.param_value_counts(experiment_ids, param, filter_string, view_type, MAX_GROUPS)
    return [{"value": value, "count": count} for value, count in counts]


def count_runs(
    store: TrackingStore,
    experiment_ids: Sequence[str],
    filter_string: str = "",
    view_type: ViewType = ViewType.ACTIVE,
) -> int:
    """How many runs match."""
    return store.count_runs(experiment_ids, filter_string, view_type)


def child_counts(
    store: TrackingStore,
    experiment_ids: Sequence[str],
    parent_ids: Sequence[str],
    filter_string: str = "",
    view_type: ViewType = ViewType.ACTIVE,
) -> dict[str, int]:
    """How many runs matching the filter each parent has (parents without any left out)."""
    if isinstance(store, RunFamilies):
        return store.child_counts(experiment_ids, parent_ids, filter_string, view_type)
    counts = {
        parent: store.count_runs(
            experiment_ids, join_filters(filter_string, parent_filter(parent)), view_type
        )
        for parent in parent_ids
    }
    return {parent: count for parent, count in counts.items() if count}


def parent_filter(parent_id: str | None) -> str:
    """The filter of a parent's children (None: of runs without a parent)."""
    if parent_id is None:
        return "attributes.parent_run_id IS NULL"
    if not _RUN_ID.fullmatch(parent_id):
        raise InvalidValueError("parent", parent_id, "run ids are letters, digits, '-' and '_'")
    return f"attributes.parent_run_id = '{parent_id}'"


def join_filters(*filters: str) -> str:
    """Filters that must all hold, each in parentheses; empty ones left out."""
    present = [f for f in filters if f.strip()]
    return " and ".join(f"({f})" for f in present) if len(present) > 1 else "".join(present)
