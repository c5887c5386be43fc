"""The JSON of the experiments list, the runs table and the compare view."""

from __future__ import annotations

from typing import Any


def _runs(api: Any, experiment: str, **params: Any) -> Any:
    response = api.get(f"/api/ui/experiments/{experiment}/runs", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_experiments_list_has_run_counts_and_last_activity(api: Any, populated: Any) -> None:
    found = {e["name"]: e for e in api.get("/api/ui/experiments").json()["experiments"]}
    assert found["vision"]["run_count"] == 5
    assert found["vision"]["last_activity"] is not None


def test_one_experiment_answers_with_its_stats(api: Any, populated: Any) -> None:
    body = api.get(f"/api/ui/experiments/{populated.experiment}").json()
    assert body["experiment"]["name"] == "vision"
    assert body["experiment"]["run_count"] == 5


def test_unknown_experiment_answers_404_with_a_json_error(api: Any) -> None:
    response = api.get("/api/ui/experiments/999/runs")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "ExperimentNotFoundError"


def test_runs_page_has_rows_total_and_next_token(api: Any, populated: Any) -> None:
    body = _runs(api, populated.experiment, max_results=2)
    assert len(body["runs"]) == 2
    assert body["total"] == 5
    assert body["next_page_token"]


def test_following_page_tokens_visits_every_run_once(api: Any, populated: Any) -> None:
    seen: list[str] = []
    token = None
    while True:
        body = _runs(api, populated.experiment, max_results=2, page_token=token)
        seen.extend(r["run_id"] for r in body["runs"])
        token = body["next_page_token"]
        if not token:
            break
    assert sorted(seen) == sorted(v for k, v in populated.runs.items() if k != "marked")


def test_rows_carry_params_and_metric_summaries(api: Any, populated: Any) -> None:
    rows = {r["run_name"]: r for r in _runs(api, populated.experiment)["runs"]}
    row = rows["run-2"]
    assert row["params"]["optimizer"] == "sgd"
    assert row["metrics"]["loss"]["max"] == 5.0 + 1.0 / 8 + 0.2
    assert row["metrics"]["loss"]["count"] == 20


def test_runs_sort_by_a_metric_descending(api: Any, populated: Any) -> None:
    body = _runs(api, populated.experiment, order_by="metrics.accuracy DESC")
    assert [r["run_name"] for r in body["runs"]] == ["run-4", "run-3", "run-2", "run-1", "run-0"]


def test_runs_sort_by_the_maximum_of_a_metric(api: Any, populated: Any) -> None:
    body = _runs(api, populated.experiment, order_by="max(metrics.`loss`) DESC")
    assert body["runs"][0]["run_name"] == "run-2"


def test_runs_sort_by_a_param(api: Any, populated: Any) -> None:
    body = _runs(api, populated.experiment, order_by="params.`optimizer` ASC")
    assert [r["params"]["optimizer"] for r in body["runs"]] == [
        "adam", "adam", "rmsprop", "sgd", "sgd",
    ]  # fmt: skip


def test_runs_filter_with_the_search_language(api: Any, populated: Any) -> None:
    body = _runs(api, populated.experiment, filter="params.optimizer = 'sgd'")
    assert sorted(r["run_name"] for r in body["runs"]) == ["run-2", "run-3"]
    assert body["total"] == 2


def test_a_bad_filter_answers_400_with_its_column(api: Any, populated: Any) -> None:
    response = api.get(
        f"/api/ui/experiments/{populated.experiment}/runs", params={"filter": "metrics.loss >"}
    )
    error = response.json()["error"]
    assert response.status_code == 400
    assert (error["type"], error["field"], error["column"]) == ("SearchSyntaxError", "filter", 15)


def test_a_bad_order_by_answers_400_naming_the_field(api: Any, populated: Any) -> None:
    response = api.get(
        f"/api/ui/experiments/{populated.experiment}/runs", params={"order_by": "metrics.loss UP"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "order_by"


def test_grouping_orders_runs_by_the_param_and_counts_each_value(api: Any, populated: Any) -> None:
    body = _runs(api, populated.experiment, group_by="optimizer")
    assert [r["params"]["optimizer"] for r in body["runs"]][:2] == ["adam", "adam"]
    assert body["groups"] == [
        {"value": "adam", "count": 2},
        {"value": "rmsprop", "count": 1},
        {"value": "sgd", "count": 2},
    ]


def test_group_counts_follow_the_filter(api: Any, populated: Any) -> None:
    body = _runs(api, populated.experiment, group_by="optimizer", filter="metrics.accuracy > 0.65")
    assert body["groups"] == [{"value": "rmsprop", "count": 1}, {"value": "sgd", "count": 2}]


def test_runs_without_the_grouping_param_form_a_null_group(api: Any, populated: Any) -> None:
    body = _runs(api, populated.experiment, group_by="missing")
    assert body["groups"] == [{"value": None, "count": 5}]


def test_rows_carry_only_the_tags_asked_for(api: Any, populated: Any) -> None:
    row = _runs(api, populated.experiment, tags="team")["runs"][0]
    assert row["tags"] == {"team": "vision"}


def test_columns_lists_the_experiments_keys(api: Any, populated: Any) -> None:
    body = api.get(f"/api/ui/experiments/{populated.experiment}/columns").json()
    assert body["params"] == ["lr", "optimizer"]
    assert body["metrics"] == ["accuracy", "loss"]
    assert {"index", "team"} <= set(body["tags"])


def test_compare_marks_the_params_that_differ(api: Any, populated: Any) -> None:
    ids = [populated.runs["run-0"], populated.runs["run-1"]]
    body = api.get("/api/ui/compare", params={"runs": ids}).json()
    assert [r["run_name"] for r in body["runs"]] == ["run-0", "run-1"]
    assert body["differing_params"] == ["lr"]
    assert body["metric_keys"] == ["accuracy", "loss"]


def test_compare_accepts_a_comma_separated_list(api: Any, populated: Any) -> None:
    ids = f"{populated.runs['run-0']},{populated.runs['run-3']}"
    body = api.get("/api/ui/compare", params={"runs": ids}).json()
    assert body["differing_params"] == ["lr", "optimizer"]
    assert body["runs"][0]["experiment_name"] == "vision"


def test_page_size_above_the_limit_is_rejected(api: Any, populated: Any) -> None:
    response = api.get(
        f"/api/ui/experiments/{populated.experiment}/runs", params={"max_results": 100_000}
    )
    assert response.status_code == 422
