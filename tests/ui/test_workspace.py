"""The experiment page's chart panel: metric families, single values, many runs' histories."""

from __future__ import annotations

from typing import Any

import pytest

from trialbook.ui.families import Family, metric_families, split_key


@pytest.mark.parametrize(
    ("keys", "family"),
    [
        (["validation_0-logloss", "validation_1-logloss"], "logloss"),
        (["train_loss", "val_loss"], "loss"),
        (["train/acc", "val/acc"], "acc"),
        (["training.f1", "test.f1", "eval.f1"], "f1"),
    ],
)
def test_the_same_metric_on_different_datasets_forms_one_family(
    keys: list[str], family: str
) -> None:
    assert metric_families(keys) == [Family(family, sorted(keys))]


def test_a_metric_without_a_dataset_prefix_stays_alone() -> None:
    families = metric_families(["trainer_steps", "lr", "val_loss"])
    assert [f.keys for f in families] == [["lr"], ["trainer_steps"], ["val_loss"]]


def test_a_dataset_needs_a_separator_before_the_quantity() -> None:
    assert split_key("validation_0-logloss") == ("validation_0", "logloss")
    assert split_key("testing") is None


def ids(populated: Any, *names: str) -> str:
    return ",".join(populated.runs[n] for n in names)


def test_charts_list_families_and_single_values_of_the_runs(api: Any, populated: Any) -> None:
    body = api.get("/api/ui/charts", params={"runs": ids(populated, "run-0", "run-1")}).json()
    assert body["families"] == [{"name": "loss", "keys": ["loss"]}]
    # accuracy was logged once per run: a value, not a one-point chart.
    assert body["values"] == {
        "accuracy": {populated.runs["run-0"]: 0.5, populated.runs["run-1"]: 0.6}
    }


def test_the_runs_table_brings_the_chart_panels_families_of_its_page(
    api: Any, populated: Any
) -> None:
    experiment = populated.experiment
    page = api.get(
        f"/api/ui/experiments/{experiment}/runs", params={"charts": True, "max_results": 2}
    ).json()
    page_ids = ",".join(r["run_id"] for r in page["runs"])
    assert page["charts"] == api.get("/api/ui/charts", params={"runs": page_ids}).json()
    plain = api.get(f"/api/ui/experiments/{experiment}/runs", params={"max_results": 2}).json()
    assert "charts" not in plain


def test_charts_give_every_runs_history_downsampled_with_extremes_kept(
    api: Any, populated: Any
) -> None:
    runs = ids(populated, "run-0", "run-2", "run-3")
    body = api.get("/api/ui/charts", params={"runs": runs, "keys": "loss", "points": 10}).json()
    histories = body["histories"]["loss"]
    assert set(histories) == set(runs.split(","))
    spiky = histories[populated.runs["run-2"]]
    assert spiky["downsampled"] is True
    assert spiky["total"] == 20
    assert len(spiky["steps"]) <= 12
    assert max(spiky["values"]) == pytest.approx(5.0 + 1.0 / 8 + 0.2)
    assert "timestamps" not in spiky


def test_charts_include_timestamps_for_a_time_axis(api: Any, populated: Any) -> None:
    body = api.get(
        "/api/ui/charts", params={"runs": ids(populated, "run-0"), "keys": "loss", "times": True}
    ).json()
    history = body["histories"]["loss"][populated.runs["run-0"]]
    assert len(history["timestamps"]) == len(history["steps"]) == 20


def test_a_run_without_the_metric_is_left_out(api: Any, populated: Any) -> None:
    body = api.get(
        "/api/ui/charts", params={"runs": ids(populated, "run-0", "marked"), "keys": "accuracy"}
    ).json()
    assert list(body["histories"]["accuracy"]) == [populated.runs["run-0"]]


def test_charts_refuse_more_runs_than_one_request_draws(api: Any) -> None:
    from trialbook.ui.routes_workspace import MAX_CHART_RUNS

    runs = ",".join(f"{i:032x}" for i in range(MAX_CHART_RUNS + 1))
    response = api.get("/api/ui/charts", params={"runs": runs})
    assert response.status_code == 400
    assert str(MAX_CHART_RUNS) in response.json()["error"]["message"]


class _PlainStore:
    """A store with only the required reads (no ManyMetricArrays capability)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.arrays_read = 0

    def get_metric_summaries(self, run_ids: Any) -> Any:
        return self.store.get_metric_summaries(run_ids)

    def get_metric_arrays(self, run_id: str, key: str) -> Any:
        self.arrays_read += 1
        return self.store.get_metric_arrays(run_id, key)


def test_overviews_read_each_history_from_a_store_without_the_batch_read(populated: Any) -> None:
    from trialbook.store.factory import get_store
    from trialbook.ui.history import HistoryService

    sql = get_store(populated.uri)
    plain = _PlainStore(sql)
    runs = [populated.runs["run-0"], populated.runs["run-2"]]
    by_plain = HistoryService(plain).overviews(runs, ["loss"], 5)  # type: ignore[arg-type]
    by_sql = HistoryService(sql).overviews(runs, ["loss"], 5)
    assert plain.arrays_read == 2
    assert by_plain == by_sql
    assert max(by_plain["loss"][populated.runs["run-2"]].values) == pytest.approx(5.325)


def test_overviews_asked_twice_read_the_store_once(populated: Any) -> None:
    from trialbook.store.factory import get_store
    from trialbook.ui.history import HistoryService

    plain = _PlainStore(get_store(populated.uri))
    service = HistoryService(plain)  # type: ignore[arg-type]
    runs = [populated.runs["run-0"], populated.runs["run-1"]]
    service.overviews(runs, ["loss"], 5)
    service.overviews(runs, ["loss"], 5)
    assert plain.arrays_read == 2


def test_a_zoomed_chart_gets_the_points_of_its_step_range(api: Any, populated: Any) -> None:
    body = api.get(
        "/api/ui/charts",
        params={
            "runs": ids(populated, "run-2"),
            "keys": "loss",
            "points": 10,
            "min_step": 5,
            "max_step": 9,
        },
    ).json()
    history = body["histories"]["loss"][populated.runs["run-2"]]
    assert history["steps"] == [5, 6, 7, 8, 9]
    assert history["downsampled"] is False
