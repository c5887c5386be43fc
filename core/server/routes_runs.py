"""Runs::

    POST  /api/v1/runs                  create (409 when the requested run_id exists)
    POST  /api/v1/runs/search           one page of runs matching a filter, with summaries
                                        (format=table: as columns, see wire.table_json)
    POST  /api/v1/runs/count            how many runs match a filter
    POST  /api/v1/runs/child-counts     how many matching children each parent has
    POST  /api/v1/runs/heartbeat        the owner of these RUNNING runs is alive
    POST  /api/v1/runs/reap             mark runs without a heartbeat KILLED now
    GET   /api/v1/runs/deleted?older_than=
    POST  /api/v1/runs/purge            remove deleted runs, their data and artifacts for good
    GET   /api/v1/runs/{id}
    PATCH /api/v1/runs/{id}             status, end time, name, description
    POST  /api/v1/runs/{id}/delete      soft delete (…/restore undoes it)
    POST  /api/v1/runs/{id}/inputs      datasets the run used (stores with DatasetInputs)
    POST  /api/v1/runs/{id}/tags/delete remove one tag (stores with TagDeletion)

Heartbeats use the server's clock, so clients with skewed clocks are judged fairly.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, BackgroundTasks

from trialbook.entities import Dataset, DatasetInput, InputTag, Run
from trialbook.errors import RunExistsError, RunNotFoundError, UnsupportedStoreError
from trialbook.server import API_PREFIX
from trialbook.server.auth import READ, WRITE
from trialbook.server.responses import JsonBody
from trialbook.server.schemas import (
    ChildCounts,
    CountRuns,
    LogInputs,
    Reap,
    RunCreate,
    RunIds,
    RunUpdate,
    SearchRuns,
    TagKey,
)
from trialbook.server.state import SEARCH, ServerState, State
from trialbook.store.base import (
    DatasetInputs,
    DeadRunReaping,
    RunFamilies,
    RunTables,
    TagDeletion,
)
from trialbook.store.rest.errors import ServerError
from trialbook.store.rest.wire import run_json, summary_json, table_json
from trialbook.store.tables import table_of_page
from trialbook.validation import check_key, tag_value

router = APIRouter(prefix=f"{API_PREFIX}/runs", tags=["runs"])


def run_body(state: ServerState, run: Run) -> dict[str, Any]:
    """A run as the API shows it (its artifact URI through the server)."""
    return run_json(run, state.public_uri(run.info.artifact_uri))


def check_ids(state: ServerState, ids: list[str]) -> list[str]:
    """Refuse more ids than one request may carry."""
    if len(ids) > state.limits.max_ids:
        raise ServerError(f"At most {state.limits.max_ids} ids per request.", 400)
    return ids


@router.post("", dependencies=[WRITE])
def create_run(state: State, body: RunCreate) -> dict[str, Any]:
    """Create a RUNNING run."""
    tags = {check_key(k): tag_value(k, v) for k, v in body.tags.items()}
    if body.run_id is not None:
        try:
            state.store.get_run(body.run_id)
        except RunNotFoundError:
            pass
        else:
            raise RunExistsError(body.run_id)
    run = state.store.create_run(
        body.experiment_id,
        body.run_name,
        body.start_time,
        tags=tags,
        parent_run_id=body.parent_run_id,
        user_id=body.user_id,
        run_id=body.run_id,
        description=body.description,
    )
    return run_body(state, run)


@router.post("/search", dependencies=[READ, SEARCH], response_class=JsonBody)
def search_runs(state: State, body: SearchRuns) -> JsonBody:
    """One page of runs matching a filter, in order, with their metric summaries."""
    if body.max_results > state.limits.max_results:
        raise ServerError(f"max_results is at most {state.limits.max_results} here.", 400)
    ids = check_ids(state, body.experiment_ids)
    query = (body.filter_string, body.order_by, body.max_results, body.view_type, body.page_token)
    if body.format == "table":
        if isinstance(state.store, RunTables):
            table = state.store.search_run_table(ids, *query, summaries=body.summaries)
        else:
            table = table_of_page(state.store.search_runs(ids, *query))
        return JsonBody(table_json(table, state.public_uri))
    page = state.store.search_runs(ids, *query)
    return JsonBody(
        {
            "runs": [run_body(state, r) for r in page.runs],
            "next_page_token": page.next_page_token,
            "total": page.total,
            "summaries": {k: [summary_json(s) for s in v] for k, v in page.summaries.items()},
        }
    )


@router.post("/count", dependencies=[READ, SEARCH])
def count_runs(state: State, body: CountRuns) -> dict[str, int]:
    """How many runs match a filter."""
    ids = check_ids(state, body.experiment_ids)
    return {"count": state.store.count_runs(ids, body.filter_string, body.view_type)}


@router.post("/child-counts", dependencies=[READ, SEARCH])
def child_counts(state: State, body: ChildCounts) -> dict[str, dict[str, int]]:
    """How many runs matching a filter each parent has (parents without any left out)."""
    store = state.store
    if not isinstance(store, RunFamilies):
        raise UnsupportedStoreError(type(store).__name__, "RunFamilies", "child_counts")
    ids = check_ids(state, body.experiment_ids)
    parents = check_ids(state, body.parent_ids)
    return {"counts": store.child_counts(ids, parents, body.filter_string, body.view_type)}


@router.post("/heartbeat", dependencies=[WRITE])
def heartbeat(state: State, body: RunIds) -> dict[str, Any]:
    """Mark these RUNNING runs alive now (server time)."""
    state.store.heartbeat(check_ids(state, body.run_ids), int(time.time() * 1000))
    return {}


@router.post("/reap", dependencies=[WRITE])
def reap_dead_runs(state: State, body: Reap) -> dict[str, Any]:
    """Mark RUNNING runs whose owner stopped sending heartbeats as KILLED, now."""
    if isinstance(state.store, DeadRunReaping):
        state.store.reap_dead_runs_now()
    return {}


@router.get("/deleted", dependencies=[READ])
def deleted_runs(
    state: State, older_than: int | None = None, page_token: str | None = None
) -> dict[str, Any]:
    """Runs soft-deleted (before ``older_than`` ms), and the runs of deleted experiments.

    In pages of at most ``max_results`` runs, by run id; ``next_page_token`` (the last id of
    this page) asks for the next one, and is null on the last page.
    """
    found = sorted(state.store.deleted_runs(older_than), key=lambda r: r.info.run_id)
    if page_token is not None:
        found = [r for r in found if r.info.run_id > page_token]
    page = found[: state.limits.max_results]
    more = len(found) > len(page)
    return {
        "runs": [run_body(state, r) for r in page],
        "next_page_token": page[-1].info.run_id if more else None,
    }


@router.post("/purge", dependencies=[WRITE])
def purge_runs(state: State, body: RunIds) -> dict[str, Any]:
    """Remove deleted runs, their data and their artifacts for good (others are refused)."""
    ids = check_ids(state, body.run_ids)
    deleted = {r.info.run_id: r for r in state.store.deleted_runs()}
    alive = [i for i in ids if i not in deleted]
    if alive:
        raise ServerError(f"Only deleted runs can be purged; these are not: {alive[:5]}.", 400)
    for run_id in ids:
        if deleted[run_id].info.artifact_uri.startswith(state.destination + "/"):
            state.repository(run_id).delete_all()
    state.store.purge_runs(ids)
    return {}


@router.get("/{run_id}", dependencies=[READ])
def get_run(state: State, run_id: str) -> dict[str, Any]:
    """The run with its params, latest metrics and tags."""
    return run_body(state, state.store.get_run(run_id))


@router.patch("/{run_id}", dependencies=[WRITE])
def update_run(
    state: State, run_id: str, body: RunUpdate, after: BackgroundTasks
) -> dict[str, Any]:
    """Change a run's status, end time, name or description.

    A run ended here gets its last metric overviews once the response has gone.
    """
    state.store.update_run(
        run_id,
        status=body.status,
        end_time=body.end_time,
        run_name=body.run_name,
        description=body.description,
    )
    if body.status is not None and body.status.is_terminated:
        after.add_task(state.build_overviews, state.overviews_at_end(run_id))
    return {}


@router.post("/{run_id}/delete", dependencies=[WRITE])
def delete_run(state: State, run_id: str) -> dict[str, Any]:
    """Soft-delete a run."""
    state.store.delete_run(run_id)
    return {}


@router.post("/{run_id}/restore", dependencies=[WRITE])
def restore_run(state: State, run_id: str) -> dict[str, Any]:
    """Restore a soft-deleted run."""
    state.store.restore_run(run_id)
    return {}


@router.post("/{run_id}/inputs", dependencies=[WRITE])
def log_inputs(state: State, run_id: str, body: LogInputs) -> dict[str, Any]:
    """Link datasets to a run."""
    store = state.store
    if not isinstance(store, DatasetInputs):
        raise UnsupportedStoreError(type(store).__name__, "DatasetInputs", "log_input")
    items = [
        DatasetInput(
            Dataset(
                name=item.dataset.name,
                digest=item.dataset.digest,
                source_type=item.dataset.source_type,
                source=item.dataset.source,
                schema=item.dataset.schema_,
                profile=item.dataset.profile,
            ),
            tuple(InputTag(t.key, t.value) for t in item.tags),
        )
        for item in body.datasets
    ]
    store.log_inputs(run_id, items)
    return {}


@router.post("/{run_id}/tags/delete", dependencies=[WRITE])
def delete_run_tag(state: State, run_id: str, body: TagKey) -> dict[str, Any]:
    """Remove a run's tag (404 when it has no such tag)."""
    store = state.store
    if not isinstance(store, TagDeletion):
        raise UnsupportedStoreError(type(store).__name__, "TagDeletion", "delete_run_tag")
    store.delete_run_tag(run_id, body.key)
    return {}
