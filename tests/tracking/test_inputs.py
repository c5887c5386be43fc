"""log_input and run.inputs, through the fluent API and the client, as MLflow users write them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trialbook
import trialbook as mlflow
from trialbook.entities import CONTEXT_TAG, DatasetInput, InputTag
from trialbook.errors import InvalidValueError


def wine() -> pd.DataFrame:
    return pd.DataFrame({"alcohol": [12.1, 13.4, 11.9, 14.0], "quality": [5, 6, 5, 7]})


def test_mlflow_style_log_input_is_read_back_from_run_inputs() -> None:
    dataset = mlflow.data.from_pandas(wine(), source="wine.csv", name="wine", targets="quality")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training", tags={"split": "2024"})
    found = mlflow.get_run(run.info.run_id).inputs.dataset_inputs
    assert len(found) == 1
    assert found[0].dataset.name == "wine"
    assert found[0].dataset.digest == dataset.digest
    assert found[0].dataset.source == "wine.csv"
    assert found[0].tags == (InputTag(CONTEXT_TAG, "training"), InputTag("split", "2024"))
    assert found[0].context == "training"


def test_runs_trained_on_the_same_data_are_found_by_digest() -> None:
    same = mlflow.data.from_numpy(np.arange(20.0).reshape(10, 2), targets=np.arange(10))
    other = mlflow.data.from_numpy(np.ones((10, 2)))
    ids = []
    for dataset in (same, same, other):
        with mlflow.start_run() as run:
            mlflow.log_input(dataset, context="training")
        ids.append(run.info.run_id)
    found = mlflow.search_runs(
        filter_string=f"datasets.digest = '{same.digest}'", output_format="list"
    )
    assert sorted(r.info.run_id for r in found) == sorted(ids[:2])


def test_log_inputs_matches_contexts_one_to_one() -> None:
    train = trialbook.data.from_numpy(np.zeros((4, 2)), name="train")
    test = trialbook.data.from_numpy(np.ones((4, 2)), name="test")
    with trialbook.start_run() as run:
        trialbook.log_inputs([train, test], contexts=["training", "evaluation"])
    found = trialbook.get_run(run.info.run_id).inputs.dataset_inputs
    assert {(i.dataset.name, i.context) for i in found} == {
        ("train", "training"),
        ("test", "evaluation"),
    }


def test_the_client_takes_dataset_inputs_as_mlflows_client_does() -> None:
    client = trialbook.TrackingClient()
    experiment_id = client.create_experiment("inputs")
    run_id = client.create_run(experiment_id).info.run_id
    entity = trialbook.data.from_pandas(wine(), name="wine").to_entity()
    client.log_inputs(run_id, [DatasetInput(entity, (InputTag(CONTEXT_TAG, "eval"),))])
    assert client.get_run(run_id).inputs.dataset_inputs[0].dataset == entity


def test_log_input_refuses_what_is_not_a_dataset() -> None:
    with trialbook.start_run(), pytest.raises(InvalidValueError, match="from_pandas"):
        trialbook.log_input(wine(), context="training")
