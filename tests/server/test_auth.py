"""Token authentication: hashed tokens, read-only and read-write, every route classified."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import trialbook
from trialbook.server import auth
from trialbook.server.auth import PERMISSIONS, PUBLIC_PATHS, TokenStore
from trialbook.server.testing import ServerProcess
from trialbook.store.rest.errors import AuthenticationError, PermissionDeniedError
from trialbook.store.sql.schema import server_tokens
from trialbook.ui.routes_edit import require_editor

WRITING = {"POST", "PUT", "PATCH", "DELETE"}
DOCS = {"/api/v1/docs"}
READ_BY_POST = {
    "/api/v1/runs/search",
    "/api/v1/runs/count",
    "/api/v1/runs/child-counts",
    "/api/v1/metrics/summaries",
    "/api/v1/metrics/arrays",
    "/api/v1/metrics/overviews",
}
"""Reads that take a JSON body (long id lists, filters): POST, but only read."""
"""FastAPI's own pages: no dependencies of ours, protected by the middleware (tested below)."""


@pytest.fixture
def secured(make_app: Callable[..., Any]) -> Any:
    return make_app(auth=True)


@pytest.fixture
def tokens(secured: Any) -> TokenStore:
    store: TokenStore = secured.state.trialbook_server.tokens
    return store


def flat(routes: list[Any]) -> list[Any]:
    """Routes with included routers expanded (newer FastAPI keeps them nested)."""
    found = []
    for route in routes:
        nested = getattr(route, "original_router", None)
        found.extend(flat(nested.routes) if nested is not None else [route])
    return found


def test_tokens_are_stored_hashed_never_in_clear(tokens: TokenStore) -> None:
    token = tokens.create("ci", read_only=False)
    with tokens.table.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = [tuple(row) for row in conn.execute(sa.select(server_tokens))]
    assert all(token not in str(value) for value in rows[0])
    assert hashlib.sha256(token.encode()).hexdigest() in rows[0]


def test_tokens_are_compared_in_constant_time(
    tokens: TokenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = tokens.create("ci", read_only=False)
    compared: list[tuple[str, str]] = []
    real = auth.hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    assert tokens.verify(token) is not None
    assert tokens.verify(token[:-1] + "x") is None
    assert tokens.verify("tbk_unknownid_secret") is None
    assert len(compared) == 3


def test_request_without_a_token_is_refused(secured: Any, api_of: Any) -> None:
    answer = api_of(secured).get("/api/v1/experiments")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_health_and_the_spec_need_no_token(secured: Any, api_of: Any) -> None:
    client = api_of(secured)
    assert client.get("/health").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_unknown_token_is_refused(secured: Any, api_of: Any) -> None:
    answer = api_of(secured, "tbk_0000000000000000_guess").get("/api/v1/experiments")
    assert answer.status_code == 401


def test_read_only_token_reads_but_cannot_write(
    secured: Any, tokens: TokenStore, api_of: Any
) -> None:
    client = api_of(secured, tokens.create("viewer", read_only=True))
    assert client.get("/api/v1/experiments").status_code == 200
    answer = client.post("/api/v1/experiments", json={"name": "nope"})
    assert answer.status_code == 403
    assert "read-only" in answer.json()["error"]["message"]
    assert client.get("/api/v1/experiments/by-name", params={"name": "nope"}).json() == {
        "experiment": None
    }


def test_read_write_token_writes(secured: Any, tokens: TokenStore, api_of: Any) -> None:
    client = api_of(secured, tokens.create("trainer", read_only=False))
    assert client.post("/api/v1/experiments", json={"name": "yes"}).status_code == 200


def test_revoked_token_is_refused(secured: Any, tokens: TokenStore, api_of: Any) -> None:
    token = tokens.create("leaked", read_only=False)
    client = api_of(secured, token)
    assert client.get("/api/v1/experiments").status_code == 200
    assert tokens.revoke("leaked") == 1
    assert client.get("/api/v1/experiments").status_code == 401


def test_ui_takes_the_token_as_a_basic_auth_password(
    secured: Any, tokens: TokenStore, api_of: Any
) -> None:
    token = tokens.create("browser", read_only=True)
    client = api_of(secured)
    refused = client.get("/")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Basic")
    basic = base64.b64encode(f"me:{token}".encode()).decode()
    assert client.get("/", headers={"authorization": f"Basic {basic}"}).status_code == 200


def test_every_route_is_public_or_classified(secured: Any) -> None:
    from fastapi.routing import APIRoute
    from starlette.routing import Mount

    for route in flat(secured.routes):
        path = getattr(route, "path", "")
        if path in PUBLIC_PATHS or path in DOCS:
            continue
        if isinstance(route, Mount):
            assert route.name == "ui", f"unclassified mount {path!r}"
            for ui_route in flat(route.routes):
                if getattr(ui_route, "methods", {"GET"}) <= {"GET", "HEAD"}:
                    continue
                # The UI's edits check the token's permission themselves (may_write).
                assert isinstance(ui_route, APIRoute)
                guards = {d.call for d in ui_route.dependant.dependencies}
                assert require_editor in guards, f"UI route {ui_route.path} writes unguarded"
            continue
        assert isinstance(route, APIRoute), f"unclassified route {path!r}"
        kinds = {PERMISSIONS.get(d.call) for d in route.dependant.dependencies} - {None}  # type: ignore[call-overload]
        assert len(kinds) == 1, f"{path} {route.methods} is not classified read or write"
        if route.methods & WRITING and path not in READ_BY_POST:
            assert kinds == {"write"}, f"{path} {route.methods} changes data but needs only read"


def test_every_protected_route_answers_401_without_a_token(secured: Any, api_of: Any) -> None:
    client = api_of(secured)
    for route in flat(secured.routes):
        path = getattr(route, "path", "")
        if path in PUBLIC_PATHS:
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path) or "/"
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            answer = client.request(method, concrete, json={})
            assert answer.status_code == 401, f"{method} {concrete} answered {answer.status_code}"


def test_token_commands_create_list_and_revoke(tmp_path: Path) -> None:
    from trialbook.cli.main import cli

    uri = f"sqlite:///{tmp_path / 'tokens.db'}"
    runner = CliRunner()
    created = runner.invoke(
        cli,
        ["server", "tokens", "create", "--backend-store-uri", uri, "--name", "ci", "--read-only"],
    )
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("tbk_")
    listed = runner.invoke(cli, ["server", "tokens", "list", "--backend-store-uri", uri])
    assert "ci" in listed.output
    assert "read-only" in listed.output
    assert token not in listed.output
    revoked = runner.invoke(cli, ["server", "tokens", "revoke", "--backend-store-uri", uri, "ci"])
    assert revoked.exit_code == 0, revoked.output
    from trialbook.store.sql import SqlStore

    store = SqlStore(uri, str(tmp_path))
    try:
        assert TokenStore(store).verify(token) is None
    finally:
        store.close()


def test_client_sends_the_token_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trialbook.store.factory import reset_stores
    from trialbook.store.rest.store import RestStore
    from trialbook.store.sql import SqlStore
    from trialbook.tracking import fluent, reproducibility

    monkeypatch.setenv(reproducibility.DISABLE_ENV_VAR, "1")
    uri = f"sqlite:///{tmp_path / 'auth.db'}"
    store = SqlStore(uri, str(tmp_path))
    writer = TokenStore(store).create("trainer", read_only=False)
    reader = TokenStore(store).create("viewer", read_only=True)
    store.close()
    with ServerProcess(uri, tmp_path / "artifacts", args=["--auth"]) as server:
        monkeypatch.setenv("TRIALBOOK_TRACKING_URI", server.url)
        monkeypatch.setenv("TRIALBOOK_TRACKING_TOKEN", writer)
        try:
            with trialbook.start_run() as run:
                trialbook.log_metric("m", 1.0)
        finally:
            fluent.reset()
            reset_stores()
        viewer, anonymous = RestStore(server.url, token=reader), RestStore(server.url, token="")
        try:
            assert viewer.get_run(run.info.run_id).data.metrics == {"m": 1.0}
            with pytest.raises(PermissionDeniedError):
                viewer.create_experiment(f"x-{uuid.uuid4().hex}")
            with pytest.raises(AuthenticationError):
                anonymous.get_run(run.info.run_id)
        finally:
            viewer.close()
            anonymous.close()
