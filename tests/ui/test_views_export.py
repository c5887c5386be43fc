"""Saved views (kept as experiment tags) and the runs table as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from trialbook.ui.routes_export import safe_cell


@pytest.fixture
def team(isolated_store: Path, fresh_api: Callable[[], Any]) -> tuple[Any, str, dict[str, str]]:
    """A client, an experiment with three runs (params, metrics, a formula-like tag)."""
    import trialbook

    client = trialbook.TrackingClient(str(isolated_store))
    experiment = client.create_experiment("team")
    ids = {}
    for i, (lr, acc) in enumerate([(0.1, 0.7), (0.01, 0.9), (0.001, 0.8)]):
        run = client.create_run(experiment, run_name=f"run-{i}", start_time=1000 + i)
        client.log_batch(run.info.run_id, params={"lr": lr}, tags={"note": "=HYPERLINK(1)"})
        client.log_metric(run.info.run_id, "acc", acc - 0.1, step=0)
        client.log_metric(run.info.run_id, "acc", acc, step=1)
        client.set_terminated(run.info.run_id)
        ids[f"run-{i}"] = run.info.run_id
    child = client.create_run(experiment, run_name="child", parent_run_id=ids["run-1"])
    client.set_terminated(child.info.run_id)
    ids["child"] = child.info.run_id
    client.flush()
    return fresh_api(), experiment, ids


def test_a_saved_view_is_kept_in_the_store_for_everyone(
    team: Any, isolated_store: Path, fresh_api: Callable[[], Any]
) -> None:
    api, experiment, _ = team
    query = "filter=metrics.acc+%3E+0.75&sort=%7B%7D&chart=%7B%22log%22%3Atrue%7D"
    saved = api.put(
        f"/api/ui/experiments/{experiment}/views", json={"name": "good runs", "query": query}
    )
    assert saved.status_code == 200
    assert saved.json()["views"] == [{"name": "good runs", "query": query}]
    with fresh_api() as other:  # another user, another app over the same store
        listed = other.get(f"/api/ui/experiments/{experiment}/views").json()["views"]
    assert listed == [{"name": "good runs", "query": query}]
    import trialbook

    tags = trialbook.TrackingClient(str(isolated_store)).get_experiment(experiment).tags
    assert "trialbook.view.good runs" in tags


def test_a_view_can_be_replaced_and_deleted(team: Any) -> None:
    api, experiment, _ = team
    url = f"/api/ui/experiments/{experiment}/views"
    api.put(url, json={"name": "v", "query": "filter=a"})
    api.put(url, json={"name": "v", "query": "filter=b"})
    assert api.get(url).json()["views"] == [{"name": "v", "query": "filter=b"}]
    left = api.delete(url, params={"name": "v"}, headers={"content-type": "application/json"})
    assert left.json()["views"] == []


def test_a_view_with_a_bad_name_or_a_huge_query_is_refused(team: Any) -> None:
    api, experiment, _ = team
    url = f"/api/ui/experiments/{experiment}/views"
    bad = api.put(url, json={"name": "no!", "query": ""})
    assert bad.status_code == 400
    assert "'!'" in bad.json()["error"]["message"]
    huge = api.put(url, json={"name": "big", "query": "x" * 9000})
    assert huge.status_code == 400
    assert "8000" in huge.json()["error"]["message"]
    assert api.get(url).json()["views"] == []


def read_csv(api: Any, experiment: str, **params: Any) -> list[dict[str, str]]:
    response = api.get(f"/api/ui/experiments/{experiment}/runs.csv", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="team-runs.csv"' in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_export_follows_the_filter_order_and_columns(team: Any) -> None:
    api, experiment, ids = team
    rows = read_csv(
        api,
        experiment,
        filter="metrics.acc > 0.75",
        order_by="metrics.acc DESC",
        params=["lr"],
        metrics=["acc:latest", "acc:min"],
        tags=["note"],
    )
    assert [r["run_name"] for r in rows] == ["run-1", "run-2"]
    assert rows[0]["params.lr"] == "0.01"
    assert float(rows[0]["metrics.acc"]) == pytest.approx(0.9)
    assert float(rows[0]["min(metrics.acc)"]) == pytest.approx(0.8)
    assert rows[0]["tags.note"] == "'=HYPERLINK(1)"
    assert rows[0]["run_id"] == ids["run-1"]


def test_the_export_includes_children_with_their_parent(team: Any) -> None:
    api, experiment, ids = team
    rows = read_csv(api, experiment)
    parents = {r["run_name"]: r["parent_run_id"] for r in rows}
    assert parents["child"] == ids["run-1"]
    assert len(rows) == 4


def test_a_bad_filter_answers_400_not_a_broken_file(team: Any) -> None:
    api, experiment, _ = team
    response = api.get(f"/api/ui/experiments/{experiment}/runs.csv", params={"filter": "acc >"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+1", "'=1+1"), ("@SUM(A1)", "'@SUM(A1)"), ("-0.5", "-0.5"), ("+x", "'+x"), ("ok", "ok")],
)
def test_formula_like_text_is_kept_as_text(value: str, cell: str) -> None:
    assert safe_cell(value) == cell
