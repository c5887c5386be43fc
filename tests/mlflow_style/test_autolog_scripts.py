"""MLflow autologging scripts, written the MLflow way with ``import trialbook as mlflow``.

The metric functions are imported at the top, before ``autolog()``, as in most scripts.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import trialbook as mlflow

pytest.importorskip("sklearn")

from sklearn.datasets import make_classification
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

pytestmark = pytest.mark.sklearn

X, Y = make_classification(120, 4, n_informative=3, n_redundant=0, random_state=0)


@pytest.fixture(autouse=True)
def autolog_off_afterwards(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TRIALBOOK_AUTOLOG_STRICT", "1")
    monkeypatch.setenv("TRIALBOOK_DISABLE_CONTEXT", "1")
    yield
    mlflow.autolog(disable=True)
    from trialbook.plugins import manager

    for integration in manager.integrations().values():
        integration.overrides.clear()


def artifact_names(run_id: str) -> set[str]:
    return {f.path for f in mlflow.MlflowClient().list_artifacts(run_id)}


def test_metric_functions_imported_before_autolog_log_evaluation_metrics() -> None:
    mlflow.autolog()
    x_train, x_test, y_train, y_test = train_test_split(X, Y, random_state=0)
    with mlflow.start_run() as run:
        model = LogisticRegression().fit(x_train, y_train)
        predictions = model.predict(x_test)
        accuracy = accuracy_score(y_test, predictions)
        f1 = f1_score(y_test, predictions)

    metrics = mlflow.get_run(run.info.run_id).data.metrics
    assert metrics["eval_accuracy_score"] == pytest.approx(accuracy)
    assert metrics["eval_f1_score"] == pytest.approx(f1)


def test_integration_autolog_without_arguments_resets_earlier_settings() -> None:
    from trialbook.integrations import sklearn as sklearn_autolog

    sklearn_autolog.autolog(log_models=False)
    with mlflow.start_run() as first:
        LogisticRegression().fit(X, Y)
    sklearn_autolog.autolog()
    with mlflow.start_run() as second:
        LogisticRegression().fit(X, Y)

    assert "model" not in artifact_names(first.info.run_id)
    assert "model" in artifact_names(second.info.run_id)


def test_grid_search_children_carry_every_param_as_mlflow_logs_them() -> None:
    mlflow.autolog(log_models=False)
    with mlflow.start_run() as parent:
        GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=3).fit(X, Y)

    children = mlflow.search_runs(
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'", output_format="list"
    )
    assert len(children) == 2
    every_param = set(LogisticRegression().get_params())
    assert all(set(child.data.params) == every_param for child in children)


def test_lightgbm_script_logs_metrics_params_and_a_model_that_reloads() -> None:
    lightgbm = pytest.importorskip("lightgbm")
    mlflow.autolog()
    x_train, x_test, y_train, _y_test = train_test_split(X, Y, random_state=0)
    train_set = lightgbm.Dataset(x_train, label=y_train)
    with mlflow.start_run() as run:
        booster = lightgbm.train(
            {"objective": "binary", "metric": "binary_logloss", "verbose": -1, "num_threads": 1},
            train_set,
            num_boost_round=10,
            valid_sets=[train_set],
            valid_names=["train"],
        )
    predictions = booster.predict(x_test)

    client = mlflow.MlflowClient()
    logged = mlflow.get_run(run.info.run_id)
    history = client.get_metric_history(run.info.run_id, "train-binary_logloss")
    model = mlflow.load_model(f"runs:/{run.info.run_id}/model")
    assert logged.data.params["objective"] == "binary"
    assert [p.step for p in history] == list(range(10))
    assert np.allclose(model.predict(x_test), predictions)


def test_pipeline_logs_its_training_score_as_mlflow_does() -> None:
    # MLflow's sklearn_autolog/pipeline.py: StandardScaler then LinearRegression.
    mlflow.sklearn.autolog()
    x = np.array([[1, 1], [1, 2], [2, 2], [2, 3], [3, 1]])
    y = np.array([1.0, 2.5, 2.9, 4.2, 3.3])
    pipe = Pipeline([("scaler", StandardScaler()), ("lr", LinearRegression())])
    with mlflow.start_run() as run:
        pipe.fit(x, y)

    metrics = mlflow.get_run(run.info.run_id).data.metrics
    assert metrics["training_score"] == pytest.approx(pipe.score(x, y))
    assert metrics["training_score"] == pytest.approx(metrics["training_r2_score"])


def test_search_without_scoring_logs_its_training_score_as_mlflow_does() -> None:
    # MLflow's sklearn_autolog/grid_search_cv.py: the parent run has training_score.
    mlflow.sklearn.autolog(log_models=False)
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=3)
    scored = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=3, scoring="f1")
    with mlflow.start_run() as run:
        search.fit(X, Y)
    with mlflow.start_run() as own_scoring:
        scored.fit(X, Y)

    metrics = mlflow.get_run(run.info.run_id).data.metrics
    assert metrics["training_score"] == pytest.approx(search.score(X, Y))
    assert "training_score" not in mlflow.get_run(own_scoring.info.run_id).data.metrics
