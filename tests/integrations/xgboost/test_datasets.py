"""XGBoost autolog records the training matrix and the evaluation sets by name and digest."""

from __future__ import annotations

from typing import Any

import pytest

import trialbook

xgboost = pytest.importorskip("xgboost")

pytestmark = pytest.mark.xgboost


def inputs_of(run_id: str) -> set[tuple[str, str]]:
    found = trialbook.get_run(run_id).inputs.dataset_inputs
    return {(i.dataset.name, i.context) for i in found}


def test_train_records_dtrain_and_each_eval_set_by_its_name(regression: tuple[Any, Any]) -> None:
    x, y = regression
    dtrain, dvalid = xgboost.DMatrix(x[:150], y[:150]), xgboost.DMatrix(x[150:], y[150:])
    trialbook.autolog()
    with trialbook.start_run() as run:
        xgboost.train({"nthread": 1}, dtrain, 2, evals=[(dtrain, "train"), (dvalid, "valid")])
    assert inputs_of(run.info.run_id) == {("train", "training"), ("valid", "evaluation")}


def test_the_same_matrix_has_the_same_digest_in_two_runs(regression: tuple[Any, Any]) -> None:
    x, y = regression
    trialbook.autolog()
    digests = []
    for _ in range(2):
        with trialbook.start_run() as run:
            xgboost.train({"nthread": 1}, xgboost.DMatrix(x, y), 2)
        found = trialbook.get_run(run.info.run_id).inputs.dataset_inputs
        digests.append(found[0].dataset.digest)
    assert digests[0] == digests[1]
    y2 = y.copy()
    y2[0] += 1.0
    with trialbook.start_run() as run:
        xgboost.train({"nthread": 1}, xgboost.DMatrix(x, y2), 2)
    assert trialbook.get_run(run.info.run_id).inputs.dataset_inputs[0].dataset.digest not in digests


def test_a_wrappers_fit_records_x_and_its_eval_set(classification: tuple[Any, Any]) -> None:
    x, y = classification
    trialbook.autolog()
    with trialbook.start_run() as run:
        xgboost.XGBClassifier(n_estimators=2, n_jobs=1).fit(
            x[:150], y[:150], eval_set=[(x[150:], y[150:])], verbose=False
        )
    assert inputs_of(run.info.run_id) == {
        ("dataset", "training"),
        ("validation_0", "evaluation"),
    }
