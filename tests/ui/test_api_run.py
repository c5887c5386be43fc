"""The JSON of one run: details, metric histories, sparklines and evaluation charts."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any


def test_run_details_include_params_metrics_tags_and_description(api: Any, populated: Any) -> None:
    body = api.get(f"/api/ui/runs/{populated.runs['marked']}").json()
    run = body["run"]
    assert run["params"] == {"payload": "<script>alert(1)</script>"}
    assert run["tags"]["note"] == "<script>alert(1)</script>"
    assert run["description"] == "about <script>alert(1)</script>"
    assert body["experiment"]["name"] == "<script>alert(1)</script> lab"


def test_unknown_run_answers_404(api: Any) -> None:
    response = api.get("/api/ui/runs/0123456789abcdef0123456789abcdef")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "RunNotFoundError"


def test_a_short_history_comes_back_whole(api: Any, populated: Any) -> None:
    body = api.get(f"/api/ui/runs/{populated.runs['run-2']}/history", params={"key": "loss"}).json()
    assert body["total"] == 20
    assert body["downsampled"] is False
    assert body["steps"] == list(range(20))


def test_a_long_history_is_downsampled_keeping_its_spike(api: Any, populated: Any) -> None:
    body = api.get(
        f"/api/ui/runs/{populated.runs['run-2']}/history", params={"key": "loss", "points": 10}
    ).json()
    assert body["downsampled"] is True
    assert len(body["steps"]) <= 12
    assert 7 in body["steps"]
    assert max(body["values"]) == 5.0 + 1.0 / 8 + 0.2


def test_a_zoomed_history_holds_only_the_steps_in_range(api: Any, populated: Any) -> None:
    body = api.get(
        f"/api/ui/runs/{populated.runs['run-1']}/history",
        params={"key": "loss", "min_step": 5, "max_step": 9},
    ).json()
    assert body["steps"] == [5, 6, 7, 8, 9]
    assert body["total"] == 5


def test_a_missing_metric_has_an_empty_history(api: Any, populated: Any) -> None:
    body = api.get(f"/api/ui/runs/{populated.runs['run-1']}/history", params={"key": "nope"}).json()
    assert (body["total"], body["steps"]) == (0, [])


def test_histories_answer_for_each_run_that_has_the_metric(api: Any, populated: Any) -> None:
    ids = [populated.runs["run-0"], populated.runs["marked"]]
    body = api.get("/api/ui/histories", params={"key": "loss", "runs": ids}).json()
    assert set(body["histories"]) == set(ids)
    assert body["histories"][populated.runs["marked"]]["steps"] == [0]


def test_sparklines_cover_every_metric_of_the_run(api: Any, populated: Any) -> None:
    body = api.get(
        f"/api/ui/runs/{populated.runs['run-2']}/sparklines", params={"points": 8}
    ).json()
    assert set(body["sparklines"]) == {"accuracy", "loss"}
    assert len(body["sparklines"]["loss"]) <= 10
    assert max(body["sparklines"]["loss"]) == 5.0 + 1.0 / 8 + 0.2


def test_non_finite_values_come_as_strings(fresh_api: Callable[[], Any]) -> None:
    import trialbook

    client = trialbook.TrackingClient()
    run_id = client.create_run(client.create_experiment("e")).info.run_id
    for step, value in enumerate([1.0, math.nan, math.inf, -math.inf]):
        client.log_metric(run_id, "m", value, step=step)
    client.flush()
    body = fresh_api().get(f"/api/ui/runs/{run_id}/history", params={"key": "m"}).json()
    assert body["values"] == [1.0, "NaN", "Infinity", "-Infinity"]


def test_charts_find_confusion_matrices_and_feature_importances(api: Any, populated: Any) -> None:
    body = api.get(f"/api/ui/runs/{populated.runs['run-0']}/charts").json()
    assert [c["path"] for c in body["confusion_matrices"]] == ["training_confusion_matrix.json"]
    assert body["confusion_matrices"][0]["matrix"] == [[3, 1], [0, 4]]
    importance = body["feature_importances"][0]
    assert (importance["type"], importance["features"]) == ("gain", ["f2", "f1", "f3"])


def test_a_run_without_chart_data_has_no_charts(api: Any, populated: Any) -> None:
    body = api.get(f"/api/ui/runs/{populated.runs['run-1']}/charts").json()
    assert body == {"confusion_matrices": [], "feature_importances": []}


def test_history_of_a_running_run_follows_new_points(fresh_api: Callable[[], Any]) -> None:
    import trialbook

    client = trialbook.TrackingClient()
    run_id = client.create_run(
        client.create_experiment("live"), start_time=int(time.time() * 1000)
    ).info.run_id
    api = fresh_api()
    client.log_metric(run_id, "loss", 1.0, step=0)
    client.flush()
    assert api.get(f"/api/ui/runs/{run_id}/history", params={"key": "loss"}).json()["total"] == 1
    client.log_metric(run_id, "loss", 0.5, step=1)
    client.flush()
    assert api.get(f"/api/ui/runs/{run_id}/history", params={"key": "loss"}).json()["total"] == 2
