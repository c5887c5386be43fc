"""Nested runs in the runs table: families kept together by the query, and the parent's page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def families(isolated_store: Path, fresh_api: Callable[[], Any]) -> tuple[Any, dict[str, str]]:
    """Two parents with children (one child has its own child), and two lone runs."""
    import trialbook

    client = trialbook.TrackingClient(str(isolated_store))
    experiment = client.create_experiment("nested")
    ids: dict[str, str] = {"experiment": experiment}

    def run(name: str, score: float, start: int, parent: str | None = None) -> str:
        found = client.create_run(experiment, run_name=name, start_time=start, parent_run_id=parent)
        client.log_metric(found.info.run_id, "score", score)
        client.set_terminated(found.info.run_id)
        ids[name] = found.info.run_id
        return found.info.run_id

    search = run("search", 0.5, 1000)
    for i, score in enumerate([0.9, 0.1, 0.7]):
        run(f"candidate-{i}", score, 1001 + i, search)
    cv = run("cv", 0.6, 2000)
    run("fold-0", 0.95, 2001, cv)
    run("fold-0-inner", 0.2, 2002, ids["fold-0"])
    run("lone-a", 0.3, 3000)
    run("lone-b", 0.8, 4000)
    client.flush()
    return fresh_api(), ids


def names(body: dict[str, Any]) -> list[str]:
    return [r["run_name"] for r in body["runs"]]


def runs_url(ids: dict[str, str]) -> str:
    return f"/api/ui/experiments/{ids['experiment']}/runs"


def test_nesting_lists_only_top_level_runs_with_their_child_counts(families: Any) -> None:
    api, ids = families
    body = api.get(runs_url(ids), params={"nest": True, "order_by": "metrics.score DESC"}).json()
    assert names(body) == ["lone-b", "cv", "search", "lone-a"]
    assert {r["run_name"]: r["child_count"] for r in body["runs"]} == {
        "lone-b": 0,
        "cv": 1,
        "search": 3,
        "lone-a": 0,
    }
    assert body["total"] == 4


def test_children_do_not_take_places_on_a_page(families: Any) -> None:
    api, ids = families
    params: dict[str, Any] = {"nest": True, "order_by": "attributes.start_time ASC"}
    first = api.get(runs_url(ids), params={**params, "max_results": 2}).json()
    second = api.get(
        runs_url(ids),
        params={**params, "max_results": 2, "page_token": first["next_page_token"]},
    ).json()
    assert names(first) + names(second) == ["search", "cv", "lone-a", "lone-b"]


def test_a_parents_children_come_in_the_tables_order(families: Any) -> None:
    api, ids = families
    body = api.get(
        runs_url(ids), params={"parent": ids["search"], "order_by": "metrics.score ASC"}
    ).json()
    assert names(body) == ["candidate-1", "candidate-2", "candidate-0"]
    assert all(r["child_count"] == 0 for r in body["runs"])


def test_a_child_with_children_of_its_own_can_be_expanded(families: Any) -> None:
    api, ids = families
    body = api.get(runs_url(ids), params={"parent": ids["cv"]}).json()
    assert [(r["run_name"], r["child_count"]) for r in body["runs"]] == [("fold-0", 1)]


def test_child_counts_follow_the_filter(families: Any) -> None:
    api, ids = families
    body = api.get(runs_url(ids), params={"nest": True, "filter": "metrics.score > 0.4"}).json()
    counts = {r["run_name"]: r["child_count"] for r in body["runs"]}
    assert counts == {"lone-b": 0, "cv": 1, "search": 2}


def test_without_nesting_every_run_is_listed(families: Any) -> None:
    api, ids = families
    assert api.get(runs_url(ids)).json()["total"] == len(ids) - 1  # all but "experiment"


def test_a_filter_mistake_is_reported_in_the_users_own_filter(families: Any) -> None:
    api, ids = families
    response = api.get(runs_url(ids), params={"nest": True, "filter": "metrics.score >"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "filter"
    assert error["text"] == "metrics.score >"


def test_a_malformed_parent_id_is_refused(families: Any) -> None:
    api, ids = families
    response = api.get(runs_url(ids), params={"parent": "x' or 1=1 --"})
    assert response.status_code == 400
    assert "parent" in response.json()["error"]["message"]


def test_a_parents_page_lists_its_children_with_their_metrics(families: Any) -> None:
    api, ids = families
    html = api.get(f"/runs/{ids['search']}").text
    section = html[html.index('id="child-runs"') :]
    section = section[: section.index("</table>")]
    assert 'Child runs <span class="count">3</span>' in html
    for i in range(3):
        assert f"candidate-{i}" in section
    assert ">score<" in section
    assert ">0.9<" in section


def test_a_run_without_children_has_no_children_section(families: Any) -> None:
    api, ids = families
    assert 'id="child-runs"' not in api.get(f"/runs/{ids['lone-a']}").text


def test_a_filter_matching_only_children_lists_their_parents_as_context(families: Any) -> None:
    api, ids = families
    body = api.get(runs_url(ids), params={"nest": True, "filter": "metrics.score > 0.85"}).json()
    rows = {r["run_name"]: (r["child_count"], r["context"]) for r in body["runs"]}
    assert rows == {"search": (1, True), "cv": (1, True)}
    assert body["total"] == 2
    children = api.get(
        runs_url(ids), params={"parent": ids["search"], "filter": "metrics.score > 0.85"}
    ).json()
    assert [(r["run_name"], r["context"]) for r in children["runs"]] == [("candidate-0", False)]


def test_a_matching_grandchild_brings_its_whole_line_as_context(families: Any) -> None:
    api, ids = families
    score = {"filter": "metrics.score < 0.25"}
    top = api.get(runs_url(ids), params={"nest": True, **score}).json()
    assert {r["run_name"]: r["context"] for r in top["runs"]} == {"search": True, "cv": True}
    middle = api.get(runs_url(ids), params={"parent": ids["cv"], **score}).json()
    assert [(r["run_name"], r["child_count"], r["context"]) for r in middle["runs"]] == [
        ("fold-0", 1, True)
    ]
    inner = api.get(runs_url(ids), params={"parent": ids["fold-0"], **score}).json()
    assert [(r["run_name"], r["context"]) for r in inner["runs"]] == [("fold-0-inner", False)]


def test_a_parent_that_matches_itself_is_not_marked_as_context(families: Any) -> None:
    api, ids = families
    body = api.get(runs_url(ids), params={"nest": True, "filter": "metrics.score >= 0.5"}).json()
    rows = {r["run_name"]: r["context"] for r in body["runs"]}
    assert rows == {"lone-b": False, "cv": False, "search": False}
