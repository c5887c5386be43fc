"""The web UI serving a tracking server's store (``trialbook ui --backend-store-uri http://...``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import trialbook
from trialbook.server.testing import ServerProcess

JSON = {"content-type": "application/json"}


@pytest.fixture
def logged(server_uri: str) -> str:
    """A run logged to the live server: a metric history, a text file and a confusion matrix."""
    with trialbook.start_run(run_name="remote") as run:
        for step in range(5):
            trialbook.log_metric("loss", 1.0 / (step + 1), step=step)
        trialbook.log_text("served through the API", "notes.txt")
        trialbook.log_dict(
            {"labels": [0, 1], "matrix": [[3, 1], [0, 4]]}, "val_confusion_matrix.json"
        )
    return run.info.run_id


@pytest.fixture
def ui(live_server: ServerProcess, api_of: Callable[..., Any]) -> Any:
    """A test client of the UI app whose store is the live server."""
    from trialbook.ui import create_app

    return api_of(create_app(live_server.url, allowed_hosts=None))


def test_ui_lists_the_servers_artifacts(ui: Any, logged: str) -> None:
    listing = ui.get(f"/api/ui/runs/{logged}/artifacts").json()
    assert {"notes.txt", "val_confusion_matrix.json"} <= {e["path"] for e in listing["entries"]}


def test_ui_previews_an_artifact_read_through_the_server(ui: Any, logged: str) -> None:
    preview = ui.get(f"/api/ui/runs/{logged}/artifacts/preview", params={"path": "notes.txt"})
    assert preview.json()["text"] == "served through the API"


def test_ui_draws_a_confusion_matrix_read_through_the_server(ui: Any, logged: str) -> None:
    charts = ui.get(f"/api/ui/runs/{logged}/charts").json()
    assert [c["matrix"] for c in charts["confusion_matrices"]] == [[[3, 1], [0, 4]]]


def test_ui_shows_the_metric_history_from_the_server(ui: Any, logged: str) -> None:
    history = ui.get(f"/api/ui/runs/{logged}/history", params={"key": "loss"}).json()
    assert history["values"] == [1.0 / (step + 1) for step in range(5)]


def test_ui_lists_the_servers_registered_models(ui: Any, server_uri: str) -> None:
    with trialbook.start_run() as run:
        info = trialbook.log_model({"weights": [1]}, "model")
    version = trialbook.register_model(info.model_uri, f"remote-{run.info.run_id[:8]}")

    page = ui.get(f"/models/{version.name}").text

    assert f'href="/runs/{run.info.run_id}"' in page


def test_ui_removes_a_tag_through_the_server(ui: Any, logged: str) -> None:
    client = trialbook.TrackingClient()
    client.set_tag(logged, "team", "vision")
    client.flush()  # set_tag is buffered; the UI below reaches the server on its own

    removed = ui.delete(f"/api/ui/runs/{logged}/tags", params={"key": "team"}, headers=JSON)
    assert removed.status_code == 200
    assert "team" not in trialbook.TrackingClient().get_run(logged).data.tags
    again = ui.delete(f"/api/ui/runs/{logged}/tags", params={"key": "team"}, headers=JSON)
    assert again.status_code == 404


def test_ui_charts_many_runs_read_in_one_call_through_the_server(ui: Any, logged: str) -> None:
    charts = ui.get("/api/ui/charts", params={"runs": logged, "keys": "loss"}).json()
    assert charts["histories"]["loss"][logged]["values"] == [1.0 / (s + 1) for s in range(5)]


def test_ui_charts_many_runs_from_the_servers_overviews(
    ui: Any, server_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trialbook.store.rest.store import RestStore

    with trialbook.start_run() as run:
        for step in range(3_000):
            trialbook.log_metric("long", 100.0 if step == 1_234 else step % 7, step=step)
    read_whole: list[Any] = []
    monkeypatch.setattr(
        RestStore, "get_many_metric_arrays", lambda *args: read_whole.append(args) or {}
    )

    params = {"runs": run.info.run_id, "keys": "long", "points": 200}
    history = ui.get("/api/ui/charts", params=params).json()["histories"]["long"][run.info.run_id]

    assert read_whole == []  # the server's overviews were asked for, not every point
    assert max(history["values"]) == 100.0
    assert (history["steps"][-1], history["total"]) == (2_999, 3_000)
