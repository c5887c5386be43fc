"""Questions the runs table asks beyond a page of runs: which keys, how many per value.

::

    columns = run_columns(store, ["1"])          # {"params": [...], "metrics": [...], ...}
    groups = group_counts(store, ["1"], "optimizer", "metrics.acc > 0.5")
    context = ancestors_of_matches(store, ["1"], "metrics.acc > 0.5")   # parents to show

A store with :class:`~trialbook.store.base.RunAggregates` answers each with one aggregate
query; on any other store the keys come from the first page of
:meth:`TrackingStore.search_runs` and groups are unavailable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from trialbook.entities import ViewType
from trialbook.errors import InvalidValueError
from trialbook.store.base import RunAggregates, RunFamilies, TrackingStore

MAX_GROUPS = 500
"""Group headers shown at most; the rest of the runs still appear, without a header."""

MAX_CONTEXT_MATCHES = 1000
"""Matching child runs whose parents a nested table shows as context, at most."""

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


def any_of(*filters: str) -> str:
    """Filters of which one must hold, each in parentheses; empty ones left out."""
    present = [f for f in filters if f.strip()]
    return " or ".join(f"({f})" for f in present) if len(present) > 1 else "".join(present)


def ids_filter(run_ids: Iterable[str]) -> str:
    """The filter of exactly these runs ("" for none)."""
    ids = sorted(run_ids)
    if not ids:
        return ""
    for run_id in ids:
        if not _RUN_ID.fullmatch(run_id):
            raise InvalidValueError("run id", run_id, "run ids are letters, digits, '-' and '_'")
    return "attributes.run_id IN (" + ", ".join(f"'{run_id}'" for run_id in ids) + ")"


def ancestors_of_matches(
    store: TrackingStore,
    experiment_ids: Sequence[str],
    filter_string: str,
    view_type: ViewType = ViewType.ACTIVE,
) -> set[str]:
    """Ids of the parents, grandparents... of the child runs that match the filter.

    A nested table shows them as context, so a filter that matches only children (a fold,
    a search candidate) still lists them under their families. Looks at the first
    :data:`MAX_CONTEXT_MATCHES` matching children; empty without a filter.
    """
    if not filter_string.strip():
        return set()
    children = join_filters(filter_string, "attributes.parent_run_id IS NOT NULL")
    page = store.search_runs(experiment_ids, children, (), MAX_CONTEXT_MATCHES, view_type)
    found: set[str] = set()
    while page.runs:
        frontier = {
            parent
            for run in page.runs
            if (parent := run.info.parent_run_id) is not None and parent not in found
        }
        if not frontier:
            break
        found |= frontier
        page = store.search_runs(
            experiment_ids, ids_filter(frontier), (), len(frontier), ViewType.ALL
        )
    return found
