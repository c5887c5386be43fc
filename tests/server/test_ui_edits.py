"""The web UI mounted in the server edits only with a read-write token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trialbook.server.auth import TokenStore


def test_ui_edits_need_a_read_write_token(
    make_app: Callable[..., Any], api_of: Callable[..., Any]
) -> None:
    app = make_app(auth=True)
    store = app.state.trialbook_server.store
    experiment = store.create_experiment("shared")
    run_id = store.create_run(experiment, "before", 0).info.run_id
    tokens: TokenStore = app.state.trialbook_server.tokens
    reader = api_of(app, tokens.create("viewer", read_only=True))
    writer = api_of(app, tokens.create("editor", read_only=False))

    assert 'id="rename-run"' not in reader.get(f"/runs/{run_id}").text
    refused = reader.patch(f"/api/ui/runs/{run_id}", json={"run_name": "by viewer"})
    assert refused.status_code == 403
    assert "read-only" in refused.json()["error"]["message"]
    assert store.get_run(run_id).info.run_name == "before"

    assert 'id="rename-run"' in writer.get(f"/runs/{run_id}").text
    renamed = writer.patch(f"/api/ui/runs/{run_id}", json={"run_name": "by editor"})
    assert renamed.status_code == 200
    assert store.get_run(run_id).info.run_name == "by editor"


def test_ui_edits_without_a_token_are_refused(
    make_app: Callable[..., Any], api_of: Callable[..., Any]
) -> None:
    app = make_app(auth=True)
    store = app.state.trialbook_server.store
    run_id = store.create_run(store.create_experiment("shared"), "before", 0).info.run_id
    reply = api_of(app).post(f"/api/ui/runs/{run_id}/delete", json={})
    assert reply.status_code == 401
    assert store.get_run(run_id).info.lifecycle_stage.value == "active"
