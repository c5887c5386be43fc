"""The REST client's wire behaviour, against a mock network (httpx.MockTransport)."""

from __future__ import annotations

import gzip
import json
import math
from array import array
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest

from trialbook.errors import ParamConflictError, RunNotFoundError
from trialbook.store.base import Batch, MetricSeries
from trialbook.store.rest.errors import ServerUnavailableError
from trialbook.store.rest.store import RestStore
from trialbook.store.rest.wire import pack, unpack, unpack_series

RUN = "a" * 32


def store_with(handler: Callable[[httpx.Request], httpx.Response]) -> RestStore:
    return RestStore(
        "http://tracking.test", token="tbk_x_y", http_transport=httpx.MockTransport(handler)
    )


def body_of(request: httpx.Request) -> Any:
    raw = request.content
    if request.headers.get("content-encoding") == "gzip":
        raw = gzip.decompress(raw)
    return json.loads(raw)


def big_batch(points: int = 5000) -> Batch:
    steps = list(range(points))
    return Batch(
        series=[MetricSeries(RUN, "loss", steps, [float(s) for s in steps], steps)],
        params=[(RUN, "lr", "0.1")],
    )


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALBOOK_HTTP_RETRY_TIMEOUT", "5")


def test_batch_travels_gzipped_as_packed_columns_with_a_batch_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    store_with(handler).write_batch(big_batch())
    (request,) = seen
    assert request.headers["content-encoding"] == "gzip"
    assert request.headers["content-type"] == "application/json"
    body = body_of(request)
    assert len(body["batch_id"]) == 32
    steps, values, _ = unpack_series(body["series"][0], "loss")
    assert steps.tolist() == list(range(5000))
    assert values[-1] == 4999.0


def test_token_is_sent_as_a_bearer_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"stats": {}})

    store_with(handler).experiment_stats()
    assert seen[0].headers["authorization"] == "Bearer tbk_x_y"


def test_batch_resent_after_a_lost_answer_keeps_its_batch_id() -> None:
    ids: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        ids.append(body_of(request)["batch_id"])
        if len(ids) == 1:
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(200, json={})

    store_with(handler).write_batch(big_batch(10))
    assert len(ids) == 2
    assert ids[0] == ids[1]


def test_connection_refused_is_retried_until_the_server_answers() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"stats": {"1": [2, 5]}})

    assert store_with(handler).experiment_stats() == {"1": (2, 5)}
    assert len(calls) == 3


def test_unreachable_server_is_an_os_error_the_writer_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIALBOOK_HTTP_RETRY_TIMEOUT", "0.3")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"error": {"code": "Unavailable", "message": "db down"}})

    with pytest.raises(OSError, match="503"):
        store_with(handler).write_batch(big_batch(10))


def test_create_experiment_is_not_resent_once_it_may_have_arrived() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadError("connection reset", request=request)

    with pytest.raises(ServerUnavailableError):
        store_with(handler).create_experiment("once")
    assert len(calls) == 1


def test_server_error_keeps_its_class_and_fields() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        error = ParamConflictError(RUN, "lr", "0.1", "0.2")
        fields = {"run_id": RUN, "key": "lr", "old_value": "0.1", "new_value": "0.2"}
        body = {"error": {"code": "ParamConflictError", "message": str(error), "fields": fields}}
        return httpx.Response(409, json=body)

    with pytest.raises(ParamConflictError) as raised:
        store_with(handler).write_batch(big_batch(1))
    assert (raised.value.old_value, raised.value.new_value) == ("0.1", "0.2")


def test_not_found_answer_raises_run_not_found() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": "RunNotFoundError", "message": "", "fields": {"run_id": "x"}}}
        return httpx.Response(404, json=body)

    with pytest.raises(RunNotFoundError) as raised:
        store_with(handler).get_run("x")
    assert raised.value.run_id == "x"


def test_run_id_with_a_slash_stays_one_path_segment() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.raw_path.decode())
        return httpx.Response(
            404, json={"error": {"code": "RunNotFoundError", "fields": {"run_id": "x"}}}
        )

    with pytest.raises(RunNotFoundError):
        store_with(handler).get_run("../experiments/1")
    assert paths == ["/api/v1/runs/..%2Fexperiments%2F1"]


def test_batch_over_the_client_limit_goes_in_parts_with_stable_ids() -> None:
    from trialbook.store.rest.limits import CLIENT_BATCH_POINTS

    sent: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(body_of(request))
        return httpx.Response(200, json={})

    store = store_with(handler)
    batch = Batch(
        series=[
            MetricSeries(
                RUN,
                "m",
                range(CLIENT_BATCH_POINTS + 5),
                [0.0] * (CLIENT_BATCH_POINTS + 5),
                range(CLIENT_BATCH_POINTS + 5),
            ),
            MetricSeries("b" * 32, "m", [0], [1.0], [0]),
        ],
        batch_id="root",
    )
    store.write_batch(batch)
    first = [b["batch_id"] for b in sent]
    sent.clear()
    store.write_batch(batch)
    assert [b["batch_id"] for b in sent] == first
    assert len(first) == 3
    counts = [sum(len(unpack_series(s, "x")[0]) for s in b["series"]) for b in sent]
    assert sum(counts) == CLIENT_BATCH_POINTS + 6


@pytest.mark.parametrize(
    ("column", "dtype"),
    [
        (array("q", [0, -1, 2**63 - 1, -(2**63)]), "<i8"),
        (array("d", [0.5, -math.inf, math.nan, 1e300]), "<f8"),
        (array("i", [1, 2, 3]), "<i8"),
        ([4, 5, 6], "<i8"),
    ],
)
def test_packed_columns_are_the_same_bits_with_or_without_numpy(column: Any, dtype: str) -> None:
    expected = np.asarray(column, dtype=dtype).tobytes()
    assert unpack(pack(column, dtype), dtype, "column").tobytes() == expected
