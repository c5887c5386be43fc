"""scikit-learn autolog records each fit's training data, and score's data, by digest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trialbook
import trialbook as mlflow

pytest.importorskip("sklearn")

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

pytestmark = pytest.mark.sklearn

X, Y = make_classification(80, 4, random_state=0)


def inputs_of(run_id: str) -> dict[str, str]:
    found = trialbook.get_run(run_id).inputs.dataset_inputs
    return {i.context: i.dataset.digest for i in found}


def test_fit_records_the_training_data_by_digest() -> None:
    mlflow.autolog()
    model = LogisticRegression().fit(X, Y)
    run = mlflow.last_active_run()
    assert run is not None
    expected = trialbook.data.from_training_data(X, Y)
    assert expected is not None
    assert inputs_of(run.info.run_id) == {"training": expected.digest}
    assert model.coef_.shape == (1, 4)


def test_every_run_trained_on_the_same_dataframe_is_found_by_its_digest() -> None:
    mlflow.autolog()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    ids = []
    for c in (0.1, 1.0):
        LogisticRegression(C=c).fit(frame, Y)
        ids.append(mlflow.last_active_run().info.run_id)  # type: ignore[union-attr]
    LogisticRegression().fit(X[:40], Y[:40])
    digest = inputs_of(ids[0])["training"]
    found = mlflow.search_runs(filter_string=f"datasets.digest = '{digest}'", output_format="list")
    assert sorted(r.info.run_id for r in found) == sorted(ids)


def test_score_records_the_evaluation_data() -> None:
    mlflow.autolog()
    model = LogisticRegression().fit(X[:60], Y[:60])
    model.score(X[60:], Y[60:])
    run_id = mlflow.last_active_run().info.run_id  # type: ignore[union-attr]
    assert set(inputs_of(run_id)) == {"training", "evaluation"}
    assert inputs_of(run_id)["evaluation"] != inputs_of(run_id)["training"]


def test_log_datasets_false_records_nothing() -> None:
    mlflow.autolog(log_datasets=False)
    LogisticRegression().fit(X, Y)
    run_id = mlflow.last_active_run().info.run_id  # type: ignore[union-attr]
    assert inputs_of(run_id) == {}


def test_the_training_data_is_neither_copied_nor_changed() -> None:
    mlflow.autolog()
    data = np.array(X)
    data.setflags(write=False)
    before = data.copy()
    LogisticRegression().fit(data, Y)
    assert np.array_equal(data, before)
