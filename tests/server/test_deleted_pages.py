"""Deleted runs through the server: paged by run id, so ``gc`` reaches every one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from trialbook.store.rest.limits import Limits
from trialbook.store.rest.store import RestStore


def store_over(api: Any) -> RestStore:
    """A REST store whose requests go to the in-process app behind ``api``."""

    def forward(request: httpx.Request) -> httpx.Response:
        answer: httpx.Response = api.request(
            request.method,
            request.url.path,
            params=request.url.params,
            content=request.content,
            headers=dict(request.headers),
        )
        return answer

    return RestStore("http://testserver", http_transport=httpx.MockTransport(forward))


def test_every_deleted_run_is_listed_across_pages_once(
    make_app: Callable[..., Any], api_of: Callable[..., Any]
) -> None:
    store = store_over(api_of(make_app(limits=Limits(max_results=2))))
    experiment = store.create_experiment("paged")
    run_ids = [store.create_run(experiment, f"r{i}", 0, {}).info.run_id for i in range(5)]
    for run_id in run_ids:
        store.delete_run(run_id)

    listed = [run.info.run_id for run in store.deleted_runs()]

    assert sorted(listed) == sorted(run_ids)


def test_a_page_ends_with_the_token_of_the_next(
    make_app: Callable[..., Any], api_of: Callable[..., Any]
) -> None:
    api = api_of(make_app(limits=Limits(max_results=2)))
    store = store_over(api)
    experiment = store.create_experiment("paged")
    for i in range(3):
        store.delete_run(store.create_run(experiment, f"r{i}", 0, {}).info.run_id)

    first = api.get("/api/v1/runs/deleted").json()
    last = api.get("/api/v1/runs/deleted", params={"page_token": first["next_page_token"]}).json()

    assert len(first["runs"]) == 2
    assert len(last["runs"]) == 1
    assert last["next_page_token"] is None
