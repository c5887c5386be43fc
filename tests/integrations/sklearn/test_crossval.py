"""Cross-validation helpers: one parent run with the aggregated scores, folds as children."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import trialbook

pytest.importorskip("sklearn")

from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    cross_val_predict,
    cross_val_score,
    cross_validate,
    learning_curve,
    permutation_test_score,
    validation_curve,
)

pytestmark = pytest.mark.sklearn

X = np.random.RandomState(0).rand(80, 4)
Y = (X[:, 0] + X[:, 1] > 1).astype(int)


def runs() -> list[trialbook.Run]:
    return trialbook.search_runs(output_format="list", run_view_type="all")  # type: ignore[no-any-return]


def parent_and_children() -> tuple[trialbook.Run, list[trialbook.Run]]:
    logged = runs()
    parents = [run for run in logged if run.info.parent_run_id is None]
    assert len(parents) == 1
    (parent,) = parents
    children = [run for run in logged if run.info.parent_run_id == parent.info.run_id]
    assert len(children) == len(logged) - 1
    return parent, children


def test_cross_val_score_logs_one_parent_with_a_child_per_fold() -> None:
    trialbook.autolog(log_models=False)
    scores = cross_val_score(LogisticRegression(), X, Y, cv=5)
    parent, children = parent_and_children()
    assert parent.data.tags["cv_function"] == "cross_val_score"
    assert parent.data.tags["estimator_name"] == "LogisticRegression"
    assert parent.data.params["cv"] == "5"
    assert parent.data.metrics["mean_test_score"] == pytest.approx(scores.mean())
    assert parent.data.metrics["std_test_score"] == pytest.approx(scores.std())
    by_fold = {int(child.data.params["fold"]): child.data.metrics for child in children}
    assert [by_fold[i]["test_score"] for i in range(5)] == pytest.approx(list(scores))


def test_fold_runs_can_be_turned_off() -> None:
    trialbook.integrations.sklearn.autolog(log_models=False, log_fold_runs=False)
    cross_val_score(LogisticRegression(), X, Y, cv=3)
    (parent,) = runs()
    assert "mean_test_score" in parent.data.metrics


def test_cross_validate_aggregates_every_score_and_time() -> None:
    trialbook.autolog(log_models=False)
    result = cross_validate(
        LogisticRegression(),
        X,
        Y,
        cv=3,
        scoring=["accuracy", "f1"],
        return_train_score=True,
        n_jobs=2,
    )
    parent, children = parent_and_children()
    assert len(children) == 3
    for key in ("test_accuracy", "test_f1", "train_accuracy", "fit_time", "score_time"):
        assert parent.data.metrics[f"mean_{key}"] == pytest.approx(np.mean(result[key]))
    assert parent.data.params["scoring"] == "['accuracy', 'f1']"


def test_cross_val_predict_logs_one_run() -> None:
    trialbook.autolog(log_models=False)
    cross_val_predict(LogisticRegression(), X, Y, cv=3)
    (run,) = runs()
    assert run.data.tags["cv_function"] == "cross_val_predict"


def test_learning_curve_logs_scores_by_training_size() -> None:
    trialbook.autolog(log_models=False)
    sizes, _, test = learning_curve(LogisticRegression(), X, Y, cv=3, train_sizes=[0.5, 1.0])
    (run,) = runs()
    history = trialbook.TrackingClient().get_metric_history(run.info.run_id, "mean_test_score")
    assert [point.step for point in history] == [int(size) for size in sizes]
    assert [point.value for point in history] == pytest.approx(list(test.mean(axis=1)))


def test_validation_curve_logs_scores_by_parameter_index() -> None:
    trialbook.autolog(log_models=False)
    values = [0.1, 1.0, 10.0]
    _, test = validation_curve(LogisticRegression(), X, Y, param_name="C", param_range=values, cv=3)
    (run,) = runs()
    assert run.data.params["param_name"] == "C"
    history = trialbook.TrackingClient().get_metric_history(run.info.run_id, "mean_test_score")
    assert [point.value for point in history] == pytest.approx(list(test.mean(axis=1)))


def test_permutation_test_score_logs_score_and_pvalue() -> None:
    trialbook.autolog(log_models=False)
    score, _, pvalue = permutation_test_score(
        LogisticRegression(), X, Y, cv=3, n_permutations=3, random_state=0
    )
    (run,) = runs()
    assert run.data.metrics["score"] == pytest.approx(score)
    assert run.data.metrics["pvalue"] == pytest.approx(pvalue)


def test_cross_validation_results_are_unchanged_by_autolog() -> None:
    def scenario() -> Any:
        return cross_val_score(LogisticRegression(), X, Y, cv=4)

    off = scenario()
    trialbook.autolog(log_models=False)
    np.testing.assert_array_equal(scenario(), off)
