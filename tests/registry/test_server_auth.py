"""The registry's REST routes sit behind the server's token authentication."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[Any]:
    """A server app with ``--auth`` on this test's SQLite store."""
    from trialbook.server.app import create_server_app
    from trialbook.store.factory import reset_stores

    app = create_server_app(
        f"sqlite:///{tmp_path / 'server.db'}",
        str(tmp_path / "artifacts"),
        auth=True,
        allowed_hosts=None,
        ui=False,
    )
    yield app
    app.state.trialbook_server.store.close()
    reset_stores()


def http(app: Any, token: str | None = None) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette's TestClient import warns about httpx.
        from fastapi.testclient import TestClient
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return TestClient(app, base_url="http://testserver", headers=headers)


def test_registering_without_a_token_is_refused(secured: Any) -> None:
    with http(secured) as client:
        answer = client.post("/api/v1/registered-models", json={"name": "fraud"})
    assert answer.status_code == 401


def test_a_read_only_token_reads_the_registry_but_cannot_change_it(secured: Any) -> None:
    tokens = secured.state.trialbook_server.tokens
    writer, reader = tokens.create("ci", read_only=False), tokens.create("ro", read_only=True)
    with http(secured, writer) as client:
        assert client.post("/api/v1/registered-models", json={"name": "fraud"}).status_code == 200
    with http(secured, reader) as client:
        assert client.get("/api/v1/registered-models/fraud").json()["name"] == "fraud"
        assert client.get("/api/v1/registered-models").status_code == 200
        refused = client.post("/api/v1/registered-models/fraud/delete", json={})
        assert refused.status_code == 403
        assert client.get("/api/v1/registered-models/fraud").status_code == 200


def test_errors_cross_the_wire_as_the_same_exception(secured: Any) -> None:
    from trialbook.errors import RegisteredModelNotFoundError
    from trialbook.store.rest.errors import from_response

    token = secured.state.trialbook_server.tokens.create("ci", read_only=False)
    with http(secured, token) as client:
        answer = client.get("/api/v1/registered-models/missing/versions/1")
    error = from_response(answer.status_code, answer.json())
    assert answer.status_code == 404
    assert isinstance(error, RegisteredModelNotFoundError)
    assert error.name == "missing"
