"""The red-team findings of issue 12 against the server and the UI, one test each.

Each test replays the attack or the fault that worked before the fix: a gzip or nesting
bomb, a read-only token's body, a foreign Host header, a torn upload, a permanent error
served as a 503, a hostile filter, searches holding every worker. Memory is bounded with
generous margins here and measured exactly by ``benchmarks/bench_server_limits.py``
(``nox -s bench``); the search-grammar fuzz is in ``test_redteam_fuzz.py``.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import logging
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from tests.polling import eventually
from trialbook.errors import QueryTooComplexError
from trialbook.server.testing import free_port
from trialbook.store.rest.errors import from_response
from trialbook.store.rest.limits import MIB, Limits

JSON_GZIP = {"content-type": "application/json", "content-encoding": "gzip"}
SMALL = Limits(max_body_bytes=MIB, max_decoded_bytes=MIB)
"""Limits small enough that a bomb's cost is easy to see against them."""


def new_run(api: Any) -> tuple[str, str]:
    experiment_id = api.post("/api/v1/experiments/get-or-create", json={"name": "e"}).json()[
        "experiment_id"
    ]
    answer = api.post(
        "/api/v1/runs", json={"experiment_id": experiment_id, "run_name": "r", "start_time": 1}
    )
    assert answer.status_code == 200, answer.text
    return str(experiment_id), str(answer.json()["info"]["run_id"])


def search(api: Any, experiment_id: str, filter_string: str, **more: Any) -> Any:
    body = {"experiment_ids": [experiment_id], "filter_string": filter_string, **more}
    return api.post("/api/v1/runs/search", json=body)


def peak_bytes(call: Any) -> tuple[Any, int]:
    """``call()``'s answer and the peak of memory Python allocated while it ran."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        answer = call()
        return answer, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


# 1. A small request must not take memory out of proportion to the body limits. -------------

BOMBS = {
    # Decodes to 64 MiB: past the decoded limit, streaming stops at the first MiB.
    "gzip": gzip.compress(b"[" + b"0," * (32 * MIB) + b"0]", 9),
    # Decodes to 0.9 MiB (within the limit) of empty objects: past the element limit.
    "wide": gzip.compress(b'{"experiment_ids": [' + b"{}," * 300_000 + b"{}]}", 9),
    # Decodes to 0.9 MiB of '[': past the depth limit (json would recurse).
    "deep": gzip.compress(b'{"experiment_ids": ' + b"[" * 900_000, 9),
}


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_a_bomb_costs_a_few_times_the_body_limit_and_is_a_413(
    make_app: Any, api_of: Any, bomb: str
) -> None:
    api = api_of(make_app(limits=SMALL))
    assert len(BOMBS[bomb]) < 100_000  # Small requests, all of them.
    api.get("/health")  # Warm the app up outside the measure.
    answer, peak = peak_bytes(
        lambda: api.post("/api/v1/runs/search", content=BOMBS[bomb], headers=JSON_GZIP)
    )
    assert answer.status_code == 413, answer.text
    assert peak < 8 * MIB, f"{bomb} bomb took {peak / MIB:.1f} MiB against a 1 MiB limit"


def receive_spy(body: bytes) -> tuple[Any, list[bytes]]:
    """An ASGI receive that records what the app read of ``body``."""
    read: list[bytes] = []

    async def receive() -> dict[str, Any]:
        read.append(body)
        return {"type": "http.request", "body": body, "more_body": False}

    return receive, read


def call_asgi(app: Any, path: str, body: bytes, token: str | None) -> tuple[int, list[bytes]]:
    """POST ``body`` to ``path`` straight through ASGI; the status and what was read."""
    headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    receive, read = receive_spy(body)
    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def run() -> None:
        await app(scope, receive, send)

    # A thread of its own: an event loop another test left set on this thread must not matter.
    caller = threading.Thread(target=anyio.run, args=(run,))
    caller.start()
    caller.join()
    return statuses[0], read


@pytest.mark.parametrize(("who", "status"), [("nobody", 401), ("reader", 403)])
def test_auth_is_checked_before_the_body_is_read(make_app: Any, who: str, status: int) -> None:
    app = make_app(auth=True)
    token = app.state.trialbook_server.tokens.create("r", read_only=True)
    body = json.dumps({"name": "x"}).encode()
    answer, read = call_asgi(
        app, "/api/v1/experiments/get-or-create", body, token if who == "reader" else None
    )
    assert answer == status
    assert read == []


def test_a_read_only_token_still_reads_with_a_body(make_app: Any, api_of: Any) -> None:
    app = make_app(auth=True)
    token = app.state.trialbook_server.tokens.create("r", read_only=True)
    answer = api_of(app, token).post("/api/v1/runs/search", json={"experiment_ids": ["0"]})
    assert answer.status_code == 200, answer.text


# 5. The standalone UI answers only the Host names of where it listens. ----------------------


@pytest.fixture
def ui_process(tmp_path: Path) -> Iterator[str]:
    """A real ``trialbook ui`` on 127.0.0.1, its URL; stopped after the test."""
    port = free_port()
    command = [sys.executable, "-c", "from trialbook.cli.main import cli; cli()"]
    command += ["--tracking-uri", str(tmp_path / "store"), "ui", "--port", str(port)]
    log = open(tmp_path / "ui.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "ui.log").read_text()
            try:
                httpx.get(f"{url}/", timeout=2.0)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the UI did not start within 60 s"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_standalone_ui_refuses_a_dns_rebinding_host(ui_process: str) -> None:
    assert httpx.get(f"{ui_process}/", timeout=10).status_code == 200
    foreign = httpx.get(f"{ui_process}/", headers={"host": "evil.com"}, timeout=10)
    assert foreign.status_code == 400
    assert "evil.com" in foreign.json()["error"]["message"]


# 7. What can never succeed is a client error at once, without paths or SQL. -----------------


def assert_permanent(answer: Any, *secrets: str) -> None:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    assert "retry-after" not in answer.headers
    message = answer.json()["error"]["message"]
    assert "SELECT" not in message
    for secret in secrets:
        assert secret not in message


def test_a_filter_too_large_for_sqlite_is_a_client_error(
    api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    experiment_id, _ = new_run(api)
    terms = " or ".join(f"run_name = 'r{i}'" for i in range(1000))  # SQLite's own limit
    with caplog.at_level(logging.WARNING):
        answer = search(api, experiment_id, terms)
    assert_permanent(answer)
    assert answer.status_code == 413
    assert len(caplog.text) < 5000  # One short line, not the statement.
    error = from_response(answer.status_code, answer.json())
    assert isinstance(error, QueryTooComplexError)  # What the client raises: no retry.


def test_the_store_says_a_query_is_too_complex_not_unavailable(tmp_path: Path) -> None:
    from trialbook.store.factory import get_store

    store = get_store(f"sqlite:///{tmp_path / 'local.db'}")
    experiment_id = str(store.create_experiment("e"))
    terms = " or ".join(f"run_name = 'r{i}'" for i in range(1000))
    with pytest.raises(QueryTooComplexError, match="Expression tree is too large") as caught:
        store.search_runs([experiment_id], terms)
    assert "SELECT" not in str(caught.value)


HOSTILE_SEARCHES = {
    # PostgreSQL ran each of these, after tens of seconds spent building its SQL in Python,
    # before the database's time budget started (60,000 comparisons: 46 s, then 200).
    "comparisons": {"filter_string": " or ".join(f"run_name = 'r{i}'" for i in range(1001))},
    "characters": {"filter_string": "run_name = '" + "r" * 70_000 + "'"},
    "order-by keys": {"filter_string": "", "order_by": [f"params.p{i}" for i in range(2100)]},
}


@pytest.mark.parametrize("shape", sorted(HOSTILE_SEARCHES))
def test_a_search_past_the_parser_limits_is_refused_before_any_work(
    db_api: Any, shape: str
) -> None:
    experiment_id, _ = new_run(db_api)
    answer = db_api.post(
        "/api/v1/runs/search", json={"experiment_ids": [experiment_id], **HOSTILE_SEARCHES[shape]}
    )
    assert_permanent(answer)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "QueryTooComplexError"
    assert "at most" in answer.json()["error"]["message"]


def test_too_many_order_by_terms_is_a_client_error(db_api: Any) -> None:
    experiment_id, _ = new_run(db_api)
    answer = search(db_api, experiment_id, "", order_by=[f"params.p{i}" for i in range(2100)])
    assert_permanent(answer)


@pytest.mark.parametrize("path", ["folder", "x" * 300])
def test_an_unstorable_artifact_path_is_a_client_error(api: Any, tmp_path: Path, path: str) -> None:
    _, run_id = new_run(api)
    url = f"/api/v1/runs/{run_id}/artifacts/content"
    octets = {"content-type": "application/octet-stream"}
    assert api.put(url, params={"path": "folder/inner"}, content=b"x", headers=octets).is_success
    answer = api.put(url, params={"path": path}, content=b"y", headers=octets)
    assert_permanent(answer, str(tmp_path))


def test_thousands_of_nested_nots_are_a_syntax_error(db_api: Any) -> None:
    experiment_id, _ = new_run(db_api)
    answer = search(db_api, experiment_id, "not " * 5000 + "run_name = 'r'")
    assert_permanent(answer)
    assert answer.json()["error"]["code"] == "SearchSyntaxError"


# 6. An upload is visible whole, or not at all. ----------------------------------------------

OCTETS = {"content-type": "application/octet-stream"}


@pytest.mark.parametrize("lie", ["digest", "size"])
def test_an_upload_that_is_not_what_was_announced_is_refused_and_not_kept(
    api: Any, tmp_path: Path, lie: str
) -> None:
    from trialbook.server.uploads import STAGING_FOLDER

    _, run_id = new_run(api)
    body = b"the real content"
    other = base64.b64encode(hashlib.sha256(b"something else").digest()).decode()
    headers = {**OCTETS, "content-digest": f"sha-256=:{other}:"} if lie == "digest" else OCTETS
    url = f"/api/v1/runs/{run_id}/artifacts/content"
    params = {"path": "model.pkl"}
    if lie == "size":  # A body that ends early: fewer bytes than its Content-Length.
        request = api.build_request("PUT", url, params=params, content=body, headers=headers)
        request.headers["content-length"] = str(len(body) + 10)
        answer = api.send(request)
    else:
        answer = api.put(url, params=params, content=body, headers=headers)
    assert answer.status_code == 400, answer.text
    assert api.get(f"/api/v1/runs/{run_id}/artifacts").json()["files"] == []
    assert list((tmp_path / "artifacts" / STAGING_FOLDER).iterdir()) == []


def test_the_rest_client_announces_size_and_digest() -> None:
    from trialbook.store.rest.artifacts import HttpArtifactRepository
    from trialbook.store.rest.transport import Transport

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(200, json={"path": "a.bin"})

    http = Transport("http://server", http_transport=httpx.MockTransport(handler))
    HttpArtifactRepository(http, "run").write_bytes("a.bin", b"payload")
    digest = base64.b64encode(hashlib.sha256(b"payload").digest()).decode()
    assert seen[0].headers["content-digest"] == f"sha-256=:{digest}:"
    assert seen[0].headers["content-length"] == "7"


def test_a_server_killed_mid_upload_leaves_no_torn_artifact(tmp_path: Path) -> None:
    from trialbook.server.testing import ServerProcess
    from trialbook.server.uploads import STAGING_FOLDER

    destination = tmp_path / "artifacts"
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    server = ServerProcess(
        f"sqlite:///{tmp_path / 'server.db'}", destination, env={"TMPDIR": str(system_temp)}
    )
    server.start()
    api = httpx.Client(base_url=server.url, timeout=30)
    try:
        experiment_id, run_id = new_run(api)
        run_folder = destination / experiment_id / run_id / "artifacts"
        staging = destination / STAGING_FOLDER
        release = threading.Event()
        failures: list[BaseException] = []

        def body() -> Iterator[bytes]:
            for _ in range(4):
                yield b"x" * MIB
            release.wait(timeout=60)
            yield b"x" * MIB

        def upload() -> None:
            try:
                httpx.put(
                    f"{server.url}/api/v1/runs/{run_id}/artifacts/content",
                    params={"path": "big.bin"},
                    content=body(),
                    headers=OCTETS,
                    timeout=60,
                )
            except httpx.HTTPError as err:
                failures.append(err)

        sender = threading.Thread(target=upload)
        sender.start()

        def part_is_growing() -> bool:
            parts = list(staging.glob("*.part")) if staging.exists() else []
            return any(p.stat().st_size >= MIB for p in parts)

        try:
            eventually(part_is_growing, "the upload to reach the staging folder", seconds=60)
            server.kill()
        finally:
            release.set()
            sender.join(timeout=60)
        assert failures, "the upload cannot have succeeded: the server was killed"
        assert not (run_folder / "big.bin").exists()
        assert list(system_temp.iterdir()) == []
        server.start()
        assert list(staging.glob("*.part")) == []
        listed = api.get(f"/api/v1/runs/{run_id}/artifacts").json()["files"]
        assert [f["path"] for f in listed] == []
    finally:
        api.close()
        server.stop()


# 2. Slow searches are bounded and never starve /health. ------------------------------------


def test_health_answers_while_slow_searches_hold_every_worker(
    make_app: Any, api_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    api = api_of(app)
    experiment_id, _ = new_run(api)
    store = app.state.trialbook_server.store
    release = threading.Event()
    entered: list[int] = []
    real = store.search_runs

    def slow_search(*args: Any, **kwargs: Any) -> Any:
        entered.append(1)
        release.wait(timeout=120)
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "search_runs", slow_search)
    body = {"experiment_ids": [experiment_id]}
    limit = Limits().max_concurrent_searches
    with ThreadPoolExecutor(max_workers=50) as pool:
        searches = [pool.submit(api.post, "/api/v1/runs/search", json=body) for _ in range(45)]
        try:
            eventually(
                lambda: len(entered) == limit and sum(s.done() for s in searches) == 45 - limit,
                f"{limit} searches running and the others refused",
                seconds=60,
            )
            health = pool.submit(api.get, "/health").result(timeout=60)
            assert health.status_code == 200
        finally:
            release.set()
        statuses = sorted(s.result(timeout=120).status_code for s in searches)
    assert statuses == [200] * limit + [503] * (45 - limit)


@contextlib.contextmanager
def searches_past_their_budget(
    app: Any, database_uri: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str]]:
    """An experiment and a filter whose searches overrun their time budget, for real.

    SQLite: 300 runs and a budget of 0 s (its deadline is checked every few thousand steps).
    PostgreSQL: the tags table locked by another connection, and a budget of 0.5 s: the
    search waits for the lock until its ``statement_timeout`` cancels it.
    """
    store = app.state.trialbook_server.store
    experiment_id = str(store.get_or_create_experiment("busy").experiment_id)
    if database_uri.startswith("sqlite"):
        for i in range(300):
            store.create_run(experiment_id, f"run-{i}", 1)
        monkeypatch.setenv("TRIALBOOK_SEARCH_TIMEOUT", "0")
        yield experiment_id, "run_name LIKE '%9%'"
        return
    import sqlalchemy as sa

    monkeypatch.setenv("TRIALBOOK_SEARCH_TIMEOUT", "0.5")
    locker = sa.create_engine(database_uri, poolclass=sa.NullPool)
    try:
        with locker.connect() as conn, conn.begin():
            conn.execute(sa.text("LOCK TABLE tags IN ACCESS EXCLUSIVE MODE"))
            yield experiment_id, "tags.t = 'x'"
    finally:
        locker.dispose()


def test_a_search_past_its_budget_is_a_clear_client_error_and_the_next_one_works(
    make_db_app: Any, api_of: Any, database_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_db_app()
    api = api_of(app)
    experiment_id, _ = new_run(api)
    with searches_past_their_budget(app, database_uri, monkeypatch) as (busy, slow_filter):
        answer = search(api, busy, slow_filter)
        assert_permanent(answer, database_uri)
        error = answer.json()["error"]
        assert error["code"] == "SearchTimeoutError"
        assert error["fields"]["what"] == slow_filter
        assert "TRIALBOOK_SEARCH_TIMEOUT" in error["message"]
    monkeypatch.delenv("TRIALBOOK_SEARCH_TIMEOUT")
    again = search(api, experiment_id, "run_name = 'r'")  # On a connection back in the pool.
    assert again.status_code == 200, again.text
    assert [r["info"]["run_name"] for r in again.json()["runs"]] == ["r"]


# The limits are settings of `trialbook server`. --------------------------------------------


def test_server_limits_are_set_by_name(tmp_path: Path) -> None:
    from trialbook.server.run import ServerConfig, build_app

    config = ServerConfig(
        f"sqlite:///{tmp_path / 's.db'}", str(tmp_path / "a"), limits={"max_json_depth": 5}
    )
    app = build_app(config)
    try:
        assert app.state.trialbook_server.limits.max_json_depth == 5
    finally:
        app.state.trialbook_server.store.close()


def test_an_unknown_limit_is_refused_with_the_known_names() -> None:
    from click.testing import CliRunner

    from trialbook.cli.main import cli

    result = CliRunner().invoke(cli, ["server", "--limit", "max_bogus=1"])
    assert result.exit_code == 2
    assert "max_body_bytes" in result.output
