"""Schemathesis against the published OpenAPI spec: valid and invalid requests, no 500s.

Bounded: about ten examples per operation, valid and invalid, half of them aimed at a real
run and experiment so the store is reached, not only the validation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

EXAMPLES = {"positive": 6, "negative": 4}


def checker(
    strategy: Any, count: int, real: dict[str, str], failures: list[str], label: str
) -> Callable[[], None]:
    """A hypothesis test calling the app with ``count`` generated cases."""
    from hypothesis import HealthCheck, Phase, given, settings

    aim = itertools.count()

    @given(case=strategy)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        if case.path_parameters and next(aim) % 2:
            aimed = {k: v for k, v in real.items() if k in case.path_parameters}
            case.path_parameters = {**case.path_parameters, **aimed}
        response = case.call()
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code} {response.text[:200]}")

    return check  # type: ignore[no-any-return]


def test_no_request_the_spec_allows_or_breaks_gets_a_500(make_app: Any, api_of: Any) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis.errors import Unsatisfiable

    app = make_app(ui=False)
    api = api_of(app)
    experiment = api.post("/api/v1/experiments/get-or-create", json={"name": "fuzz"}).json()
    run = api.post(
        "/api/v1/runs",
        json={"experiment_id": experiment["experiment_id"], "run_name": "r", "start_time": 1},
    ).json()
    real = {"run_id": run["info"]["run_id"], "ident": experiment["experiment_id"]}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, count in EXAMPLES.items():
            strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode))
            try:
                checker(strategy, count, real, failures, operation.label)()
            except Unsatisfiable:
                continue  # No invalid request exists for this operation (e.g. GET /health).
    assert failures == []
