"""MLflow tracking scripts written the MLflow way, with only ``import trialbook as mlflow``."""

from __future__ import annotations

from pathlib import Path

import pytest

import trialbook as mlflow
from trialbook.entities import ViewType


def test_experiment_functions_create_find_and_delete_an_experiment() -> None:
    experiment_id = mlflow.create_experiment("wine-quality", tags={"team": "ml"})

    by_name = mlflow.get_experiment_by_name("wine-quality")
    by_id = mlflow.get_experiment(experiment_id)
    mlflow.delete_experiment(experiment_id)

    assert by_name is not None
    assert by_name.experiment_id == experiment_id
    assert (by_id.name, by_id.tags["team"]) == ("wine-quality", "ml")
    assert mlflow.get_experiment(experiment_id).lifecycle_stage.value == "deleted"
    assert mlflow.get_experiment_by_name("no such experiment") is None


def test_search_all_experiments_finds_runs_of_every_experiment() -> None:
    run_ids = set()
    for name in ("first", "second"):
        mlflow.set_experiment(name)
        with mlflow.start_run() as run:
            mlflow.log_metric("rmse", 0.5)
        run_ids.add(run.info.run_id)

    everywhere = mlflow.search_runs(search_all_experiments=True)
    current_only = mlflow.search_runs()

    assert set(everywhere["run_id"]) == run_ids
    assert len(current_only) == 1


def test_search_runs_takes_mlflow_arguments_by_position_and_view_type_names() -> None:
    mlflow.set_experiment("positional")
    with mlflow.start_run(run_name="kept"):
        mlflow.log_metric("rmse", 0.3)
    with mlflow.start_run(run_name="dropped") as dropped:
        mlflow.log_metric("rmse", 0.1)
    mlflow.delete_run(dropped.info.run_id)
    experiment_id = mlflow.get_experiment_by_name("positional").experiment_id

    active = mlflow.search_runs(
        [experiment_id], "metrics.rmse < 1", ViewType.ACTIVE_ONLY, 10, ["metrics.rmse"], "list"
    )
    every = mlflow.search_runs(experiment_names=["positional"], run_view_type=3)

    assert [r.info.run_name for r in active] == ["kept"]
    assert sorted(every["run_name"]) == ["dropped", "kept"]


def test_last_active_run_is_the_run_that_just_ended() -> None:
    with mlflow.start_run() as run:
        mlflow.log_param("alpha", 0.5)

    last = mlflow.last_active_run()

    assert last is not None
    assert (last.info.run_id, last.data.params) == (run.info.run_id, {"alpha": "0.5"})


def test_tracking_uri_of_the_default_store_has_its_scheme(isolated_store: Path) -> None:
    uri = mlflow.get_tracking_uri()

    assert uri == f"sqlite:///{isolated_store.resolve() / 'trialbook.db'}"


def test_tracking_uri_set_as_a_folder_reads_back_as_the_same_store(tmp_path: Path) -> None:
    mlflow.set_tracking_uri(str(tmp_path / "mlruns"))
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0)
    shown = mlflow.get_tracking_uri()

    mlflow.set_tracking_uri(shown)

    assert shown.startswith("sqlite:///")
    assert mlflow.get_run(run.info.run_id).data.metrics == {"m": 1.0}
    assert mlflow.MlflowClient(str(tmp_path / "mlruns")).tracking_uri == shown


def test_client_search_page_reads_as_a_list_with_a_token() -> None:
    client = mlflow.MlflowClient()
    experiment_id = client.create_experiment("paged")
    for _ in range(3):
        client.set_terminated(client.create_run(experiment_id).info.run_id)

    page = client.search_runs([experiment_id], max_results=2)
    rest = client.search_runs([experiment_id], max_results=2, page_token=page.token)

    assert len(page) == 2
    assert page.token is not None
    assert [run.info.run_id for run in page] == [page[0].info.run_id, page[1].info.run_id]
    assert len(rest) == 1
    assert rest.token is None
    assert {r.info.run_id for r in [*page, *rest]} == {
        r.info.run_id for r in client.search_runs(experiment_id)
    }


def test_client_log_batch_takes_mlflow_entities() -> None:
    client = mlflow.tracking.MlflowClient()
    run_id = client.create_run(client.create_experiment("batch")).info.run_id
    metrics = [mlflow.Metric("loss", 0.5, 0, 1000), mlflow.Metric("loss", 0.25, 1, 2000)]

    client.log_batch(
        run_id,
        metrics=metrics,
        params=[mlflow.Param("lr", "0.1")],
        tags=[mlflow.RunTag("stage", "dev")],
    )
    client.set_terminated(run_id)

    history = client.get_metric_history(run_id, "loss")
    run = client.get_run(run_id)
    assert [(m.step, m.value, m.timestamp) for m in history] == [(0, 0.5, 1000), (1, 0.25, 2000)]
    assert (run.data.params, run.data.tags["stage"]) == ({"lr": "0.1"}, "dev")


def test_client_update_run_takes_mlflow_name_and_status() -> None:
    client = mlflow.MlflowClient()
    run_id = client.create_run(client.create_experiment("update")).info.run_id

    client.update_run(run_id, status="FAILED", name="renamed")

    info = client.get_run(run_id).info
    assert (info.run_name, info.status.value) == ("renamed", "FAILED")
    assert info.end_time is not None


def test_parent_run_is_found_from_its_child() -> None:
    with mlflow.start_run() as parent, mlflow.start_run(nested=True) as child:
        pass

    found = mlflow.get_parent_run(child.info.run_id)
    client_found = mlflow.MlflowClient().get_parent_run(child.info.run_id)

    assert found is not None
    assert client_found is not None
    assert found.info.run_id == client_found.info.run_id == parent.info.run_id
    assert mlflow.get_parent_run(parent.info.run_id) is None


def test_parent_run_filter_with_mlflow_tag_name_finds_the_children() -> None:
    with mlflow.start_run() as parent:
        for i in range(2):
            with mlflow.start_run(nested=True):
                mlflow.log_param("fold", i)

    children = mlflow.search_runs(
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
        order_by=["params.fold"],
    )

    assert list(children["params.fold"]) == ["0", "1"]


@pytest.mark.parametrize(
    ("mlflow_view", "view"),
    [
        (ViewType.ACTIVE_ONLY, ViewType.ACTIVE),
        (ViewType.DELETED_ONLY, ViewType.DELETED),
        (1, ViewType.ACTIVE),
        (2, ViewType.DELETED),
        (3, ViewType.ALL),
        ("ACTIVE_ONLY", ViewType.ACTIVE),
    ],
)
def test_view_types_accept_mlflow_names_and_numbers(
    mlflow_view: ViewType | int | str, view: ViewType
) -> None:
    assert ViewType.parse(mlflow_view) is view


def test_unknown_view_type_number_raises() -> None:
    with pytest.raises(ValueError, match="view type 4"):
        ViewType.parse(4)


def test_delete_tag_removes_a_run_tag_even_one_still_buffered() -> None:
    with mlflow.start_run() as run:
        mlflow.set_tags({"keep": "1", "stage": "draft"})
        mlflow.delete_tag("stage")  # set a moment ago: still in the writer's buffer
    client = mlflow.MlflowClient()
    client.set_tag(run.info.run_id, "temporary", "x")
    client.delete_tag(run.info.run_id, "temporary")
    experiment_id = run.info.experiment_id
    client.set_experiment_tag(experiment_id, "owner", "me")
    client.delete_experiment_tag(experiment_id, "owner")

    tags = mlflow.get_run(run.info.run_id).data.tags
    assert tags.get("keep") == "1"
    assert "stage" not in tags
    assert "temporary" not in tags
    assert "owner" not in mlflow.get_experiment(experiment_id).tags
    with pytest.raises(mlflow.TagNotFoundError, match="stage"):
        client.delete_tag(run.info.run_id, "stage")
