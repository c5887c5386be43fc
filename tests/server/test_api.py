"""The REST API's own behaviour: spec, health, JSON shapes, bookkeeping."""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa

from trialbook.server import ARTIFACTS_SCHEME
from trialbook.store.rest.wire import pack, run_from_json


def new_run(api: Any) -> str:
    experiment = api.post("/api/v1/experiments/get-or-create", json={"name": "e"}).json()
    body = {"experiment_id": experiment["experiment_id"], "run_name": "r", "start_time": 1}
    return str(api.post("/api/v1/runs", json=body).json()["info"]["run_id"])


def test_openapi_spec_is_published_under_the_versioned_prefix(api: Any) -> None:
    spec = api.get("/api/v1/openapi.json").json()
    assert "/api/v1/batches" in spec["paths"]
    assert "/api/v1/runs/{run_id}/artifacts/content" in spec["paths"]


def test_health_answers_ok(api: Any) -> None:
    assert api.get("/health").json() == {"status": "ok"}


def test_nan_and_infinities_travel_as_strings(api: Any) -> None:
    run_id = new_run(api)
    values = [math.nan, math.inf, -math.inf]
    series = {
        "run_id": run_id,
        "key": "m",
        "steps": pack([0, 1, 2], "<i8"),
        "values": pack(values, "<f8"),
        "timestamps": pack([0, 0, 0], "<i8"),
    }
    assert api.post("/api/v1/batches", json={"series": [series]}).status_code == 200
    history = api.get(f"/api/v1/runs/{run_id}/metrics/history", params={"key": "m"}).json()
    assert [p["value"] for p in history["metrics"]] == ["NaN", "Infinity", "-Infinity"]
    run = run_from_json(api.get(f"/api/v1/runs/{run_id}").json())
    assert run.data.metrics["m"] == -math.inf


def test_experiment_location_is_shown_through_the_server(api: Any) -> None:
    experiment = api.post("/api/v1/experiments/get-or-create", json={"name": "shown"}).json()
    assert experiment["artifact_location"] == f"{ARTIFACTS_SCHEME}/{experiment['experiment_id']}"


def test_resent_batch_is_applied_once(api: Any) -> None:
    run_id = new_run(api)
    body = {
        "batch_id": "same",
        "series": [
            {
                "run_id": run_id,
                "key": "m",
                "steps": pack([0], "<i8"),
                "values": pack([1.0], "<f8"),
                "timestamps": pack([0], "<i8"),
            }
        ],
    }
    api.post("/api/v1/batches", json=body)
    api.post("/api/v1/batches", json=body)
    history = api.get(f"/api/v1/runs/{run_id}/metrics/history", params={"key": "m"}).json()
    assert len(history["metrics"]) == 1


def test_ids_of_old_batches_are_forgotten(app: Any, api: Any) -> None:
    from trialbook.store.sql.schema import applied_batches

    state = app.state.trialbook_server
    with state.store.engine.begin() as conn:
        conn.execute(sa.insert(applied_batches).values(batch_id="ancient", applied_time=1))
    state._pruned = -float("inf")
    api.post("/api/v1/batches", json={"batch_id": "fresh"})
    with state.store.engine.connect() as conn:
        kept = [r.batch_id for r in conn.execute(sa.select(applied_batches))]
    assert kept == ["fresh"]
