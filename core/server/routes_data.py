"""Logged data::

    POST /api/v1/batches                            params, tags, points: all or nothing
    GET  /api/v1/runs/{id}/metrics/history?key=&max_results=&page_token=
    GET  /api/v1/runs/{id}/metrics/arrays?key=      the whole history as packed columns
    POST /api/v1/metrics/summaries                  latest, min, max, count per run and key
    POST /api/v1/metrics/arrays                     many runs' histories of some keys at once
    GET  /api/v1/metrics/overviews                  the overviews' resolution (0: none kept)
    POST /api/v1/metrics/overviews                  the same, long stretches by their overviews

A batch is validated whole before anything is written (keys, values, sizes, the packed
columns); with a ``batch_id`` it is applied at most once, so a client may resend it.
Bodies may be gzip-compressed (``Content-Encoding: gzip``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query

from trialbook.errors import UnsupportedStoreError
from trialbook.server import API_PREFIX
from trialbook.server.auth import READ, WRITE
from trialbook.server.routes_runs import check_ids
from trialbook.server.schemas import BatchIn, ManyArrays, RunIds
from trialbook.server.state import ServerState, State
from trialbook.store.base import (
    Batch,
    ManyMetricArrays,
    MetricArrays,
    MetricOverviews,
    MetricSeries,
)
from trialbook.store.rest.errors import LimitExceededError, ServerError
from trialbook.store.rest.limits import Limits
from trialbook.store.rest.wire import arrays_json, metric_json, summary_json, unpack_series
from trialbook.validation import check_key, param_value, tag_value

router = APIRouter(prefix=API_PREFIX, tags=["data"])

_RUN_ID_LENGTH = 32


def decode_batch(body: BatchIn, limits: Limits) -> Batch:
    """The store batch of a request, every part checked; raise before anything is written."""
    items = len(body.params) + len(body.tags)
    if items > limits.max_batch_items:
        raise LimitExceededError(
            f"The batch has {items} params and tags; at most {limits.max_batch_items} are "
            "accepted per batch."
        )
    for run_id, key, value in body.params:
        _check_run_id(run_id)
        param_value(check_key(key), value)
    for run_id, key, value in body.tags:
        _check_run_id(run_id)
        tag_value(check_key(key), value)
    series = []
    points = 0
    for item in body.series:
        _check_run_id(item.run_id)
        check_key(item.key)
        try:
            steps, values, timestamps = unpack_series(item.model_dump(), f"series {item.key!r}")
        except ValueError as err:
            raise ServerError(str(err), 400) from None
        points += len(values)
        if points > limits.max_batch_points:
            raise LimitExceededError(
                f"The batch has more than {limits.max_batch_points} metric points, the most "
                "accepted per batch; nothing was written."
            )
        series.append(MetricSeries(item.run_id, item.key, steps, values, timestamps))
    return Batch(
        params=[tuple(p) for p in body.params],  # type: ignore[misc]
        tags=[tuple(t) for t in body.tags],  # type: ignore[misc]
        series=series,
        batch_id=body.batch_id,
    )


def _check_run_id(run_id: str) -> None:
    if not run_id or len(run_id) > _RUN_ID_LENGTH:
        from trialbook.errors import RunNotFoundError

        raise RunNotFoundError(run_id)


@router.post("/batches", dependencies=[WRITE])
def write_batch(state: State, body: BatchIn, after: BackgroundTasks) -> dict[str, Any]:
    """Write params, tags and metric points in one transaction (once per ``batch_id``).

    Live runs that logged enough points get their metric overviews after the response.
    """
    batch = decode_batch(body, state.limits)
    state.store.write_batch(batch)
    state.prune_batch_ids()
    due = state.overviews_due(batch)
    if due:
        after.add_task(state.build_overviews, due)
    return {}


@router.get("/runs/{run_id}/metrics/history", dependencies=[READ])
def metric_history(
    state: State,
    run_id: str,
    key: Annotated[str, Query(max_length=250)],
    max_results: Annotated[int | None, Query(ge=1)] = None,
    page_token: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """One page of a metric's points, ordered by step then timestamp."""
    limit = state.limits.max_history_page
    if max_results is not None and max_results > limit:
        raise ServerError(f"max_results is at most {limit} points per page here.", 400)
    points, token = state.store.get_metric_history(run_id, key, max_results or limit, page_token)
    return {"metrics": [metric_json(p) for p in points], "next_page_token": token}


@router.get("/runs/{run_id}/metrics/arrays", dependencies=[READ])
def metric_arrays(
    state: State, run_id: str, key: Annotated[str, Query(max_length=250)]
) -> dict[str, Any]:
    """A metric's whole history as packed little-endian columns (base64)."""
    arrays = state.store.get_metric_arrays(run_id, key)
    if len(arrays) > state.limits.max_array_points:
        raise LimitExceededError(
            f"The history of {key!r} has {len(arrays)} points; page through it with "
            "/metrics/history instead."
        )
    return arrays_json(arrays.steps, arrays.values, arrays.timestamps)


@router.post("/metrics/summaries", dependencies=[READ])
def metric_summaries(state: State, body: RunIds) -> dict[str, Any]:
    """Latest, min, max and count of every metric of the given runs."""
    found = state.store.get_metric_summaries(check_ids(state, body.run_ids))
    return {"summaries": {k: [summary_json(s) for s in v] for k, v in found.items()}}


@router.post("/metrics/arrays", dependencies=[READ])
def many_metric_arrays(state: State, body: ManyArrays) -> dict[str, Any]:
    """The histories of the given keys of the given runs, each as packed columns; pairs
    without points are left out. At most ``max_array_points`` points in all (413 beyond)."""
    run_ids = check_ids(state, body.run_ids)
    keys = [check_key(key) for key in body.keys]
    store = state.store
    found: dict[tuple[str, str], MetricArrays]
    if isinstance(store, ManyMetricArrays):
        found = store.get_many_metric_arrays(run_ids, keys)
    else:
        summaries = store.get_metric_summaries(run_ids)
        wanted = set(keys)
        found = {
            (run_id, s.key): store.get_metric_arrays(run_id, s.key)
            for run_id in run_ids
            for s in summaries.get(run_id, [])
            if s.key in wanted
        }
    return histories_json(state, found)


@router.get("/metrics/overviews", dependencies=[READ])
def overview_resolution(state: State) -> dict[str, Any]:
    """How many step-buckets each stored overview keeps (0: this store keeps none)."""
    store = state.store
    return {"overview_buckets": store.overview_buckets if isinstance(store, MetricOverviews) else 0}


@router.post("/metrics/overviews", dependencies=[READ])
def metric_overviews(state: State, body: ManyArrays) -> dict[str, Any]:
    """As ``POST /metrics/arrays``, with each long stretch of a history replaced by its
    overview (charts of many runs read these)."""
    store = state.store
    if not isinstance(store, MetricOverviews):
        raise UnsupportedStoreError(type(store).__name__, "MetricOverviews", "metric overviews")
    run_ids = check_ids(state, body.run_ids)
    keys = [check_key(key) for key in body.keys]
    return histories_json(state, store.get_metric_overviews(run_ids, keys))


def histories_json(
    state: ServerState, found: dict[tuple[str, str], MetricArrays]
) -> dict[str, Any]:
    """Histories as packed columns, refused (413) past ``max_array_points`` points in all."""
    points = sum(len(arrays) for arrays in found.values())
    if points > state.limits.max_array_points:
        raise LimitExceededError(
            f"These histories have {points} points, more than the {state.limits.max_array_points} "
            "one answer carries; ask for fewer runs or keys at a time."
        )
    return {
        "histories": [
            {"run_id": run_id, "key": key, **arrays_json(a.steps, a.values, a.timestamps)}
            for (run_id, key), a in found.items()
        ]
    }
