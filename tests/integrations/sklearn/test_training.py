"""What one ``fit`` logs: params, tags, training metrics, artifacts and the model."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import trialbook
from trialbook.integrations.sklearn.policy import SKIPPED_TAG
from trialbook.validation import MAX_PARAM_VALUE_LENGTH

pytest.importorskip("sklearn")

from sklearn import metrics
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.cluster import KMeans
from sklearn.datasets import make_classification, make_regression
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

pytestmark = pytest.mark.sklearn

X, Y = make_classification(120, 5, n_informative=3, random_state=0)
X3, Y3 = make_classification(150, 6, n_informative=4, n_classes=3, random_state=1)
XR, YR = make_regression(100, 4, noise=5.0, random_state=0)


class LongParam(ClassifierMixin, BaseEstimator):
    """A classifier with a parameter whose text is longer than trialbook's limit."""

    def __init__(self, text: str = "") -> None:
        self.text = text

    def fit(self, X: Any, y: Any) -> LongParam:
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any) -> Any:
        return np.full(len(X), self.classes_[0])


class TunedRegression(LogisticRegression):
    """A user subclass whose fit calls the parent's."""

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> TunedRegression:
        return super().fit(X, y, sample_weight=sample_weight)


def only_run(client: trialbook.TrackingClient) -> trialbook.Run:
    runs = trialbook.search_runs(output_format="list")
    assert len(runs) == 1
    return client.get_run(runs[0].info.run_id)


def artifacts(client: trialbook.TrackingClient, run: trialbook.Run, path: str = "") -> set[str]:
    return {f.path for f in client.list_artifacts(run.info.run_id, path or None)}


def read_json(client: trialbook.TrackingClient, run: trialbook.Run, path: str) -> Any:
    with client.artifact_repository(run.info.run_id).open(path) as handle:
        return json.loads(handle.read())


def test_one_fit_is_one_finished_run_with_estimator_tags(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog()
    LogisticRegression().fit(X, Y)
    run = only_run(client)
    assert run.info.status is trialbook.RunStatus.FINISHED
    assert run.data.tags["estimator_name"] == "LogisticRegression"
    assert run.data.tags["estimator_class"] == ("sklearn.linear_model._logistic.LogisticRegression")


def test_params_are_the_deep_params_with_nested_estimators_as_repr(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog()
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(C=0.5))])
    pipe.fit(X, Y)
    params = only_run(client).data.params
    assert params["clf__C"] == "0.5"
    assert params["clf"] == repr(LogisticRegression(C=0.5))
    assert params.keys() == pipe.get_params(deep=True).keys()


def test_a_long_param_value_is_kept_up_to_the_limit_and_tagged(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog(log_models=False)
    LongParam(text="x" * (MAX_PARAM_VALUE_LENGTH + 10)).fit(X, Y)
    run = only_run(client)
    assert len(run.data.params["text"]) == MAX_PARAM_VALUE_LENGTH
    assert run.data.params["text"].endswith("[truncated]")
    assert run.data.tags["trialbook.autolog.truncated_params"] == "text"


def test_step_names_with_odd_characters_become_valid_keys(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog(log_models=False)
    Pipeline([("my step!", LogisticRegression())]).fit(X, Y)
    assert only_run(client).data.params["my step___C"] == "1.0"


def test_binary_classifier_training_metrics_match_sklearn(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog()
    model = LogisticRegression().fit(X, Y)
    logged = only_run(client).data.metrics
    pred, proba = model.predict(X), model.predict_proba(X)
    expected = {
        "training_accuracy_score": metrics.accuracy_score(Y, pred),
        "training_precision_score": metrics.precision_score(Y, pred, average="weighted"),
        "training_recall_score": metrics.recall_score(Y, pred, average="weighted"),
        "training_f1_score": metrics.f1_score(Y, pred, average="weighted"),
        "training_log_loss": metrics.log_loss(Y, proba),
        "training_roc_auc": metrics.roc_auc_score(Y, proba[:, 1]),
        "training_score": model.score(X, Y),
    }
    assert logged == pytest.approx(expected, rel=1e-12)


def test_forest_metrics_match_its_own_predictions(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    model = RandomForestClassifier(n_estimators=5, max_depth=2, random_state=0).fit(X3, Y3)
    logged = only_run(client).data.metrics
    pred = model.predict(X3)
    assert logged["training_accuracy_score"] == metrics.accuracy_score(Y3, pred)
    assert logged["training_f1_score"] == pytest.approx(
        metrics.f1_score(Y3, pred, average="weighted"), rel=1e-12
    )
    saved = read_json(client, only_run(client), "training_confusion_matrix.json")
    assert saved["matrix"] == metrics.confusion_matrix(Y3, pred).tolist()


class AlwaysFirstClass(RandomForestClassifier):
    """A forest whose own ``predict`` disagrees with its probabilities."""

    def predict(self, X: Any) -> Any:
        return np.full(len(X), self.classes_[0])


def test_forest_subclass_with_its_own_predict_is_scored_on_that_predict(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.integrations.sklearn.autolog(log_models=False, pure_estimators=(AlwaysFirstClass,))
    AlwaysFirstClass(n_estimators=5, random_state=0).fit(X, Y)
    expected = metrics.accuracy_score(Y, np.full(len(Y), 0))
    assert only_run(client).data.metrics["training_accuracy_score"] == expected


def test_multiclass_roc_auc_is_one_vs_rest_weighted(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X3, Y3)
    expected = metrics.roc_auc_score(
        Y3, model.predict_proba(X3), multi_class="ovr", average="weighted"
    )
    assert only_run(client).data.metrics["training_roc_auc"] == pytest.approx(expected)


def test_sample_weight_is_passed_to_the_metrics(client: trialbook.TrackingClient) -> None:
    weights = np.linspace(0.1, 3.0, len(Y))
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X, Y, sample_weight=weights)
    logged = only_run(client).data.metrics
    pred = model.predict(X)
    assert logged["training_accuracy_score"] == pytest.approx(
        metrics.accuracy_score(Y, pred, sample_weight=weights)
    )
    assert logged["training_f1_score"] == pytest.approx(
        metrics.f1_score(Y, pred, average="weighted", sample_weight=weights)
    )
    assert logged["training_score"] == pytest.approx(model.score(X, Y, sample_weight=weights))


def test_string_labels_work(client: trialbook.TrackingClient) -> None:
    labels = np.where(Y3 == 0, "cat", np.where(Y3 == 1, "dog", "eel")).astype(object)
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X3, labels)
    logged = only_run(client).data.metrics
    assert logged["training_accuracy_score"] == pytest.approx(
        metrics.accuracy_score(labels, model.predict(X3))
    )
    assert "training_log_loss" in logged


def test_regressor_training_metrics_match_sklearn(client: trialbook.TrackingClient) -> None:
    trialbook.autolog()
    model = LinearRegression().fit(XR, YR)
    logged = only_run(client).data.metrics
    trialbook.autolog(disable=True)
    pred = model.predict(XR)
    expected = {
        "training_mean_squared_error": metrics.mean_squared_error(YR, pred),
        "training_root_mean_squared_error": metrics.root_mean_squared_error(YR, pred),
        "training_mean_absolute_error": metrics.mean_absolute_error(YR, pred),
        "training_r2_score": metrics.r2_score(YR, pred),
        "training_score": model.score(XR, YR),
    }
    assert logged == pytest.approx(expected, rel=1e-12)


def test_multi_output_regression_uses_sklearn_metrics(client: trialbook.TrackingClient) -> None:
    targets = np.c_[YR, -YR]
    trialbook.autolog(log_models=False)
    model = LinearRegression().fit(XR, targets)
    expected = metrics.r2_score(targets, model.predict(XR))
    assert only_run(client).data.metrics["training_r2_score"] == pytest.approx(expected)


def test_clusterer_logs_silhouette_without_calling_its_score(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog(log_models=False)
    model = KMeans(n_clusters=3, n_init=2, random_state=0).fit(X)
    logged = only_run(client).data.metrics
    assert logged == {
        "training_silhouette_score": pytest.approx(metrics.silhouette_score(X, model.labels_))
    }


def test_silhouette_is_skipped_on_large_data(client: trialbook.TrackingClient) -> None:
    from trialbook.integrations.sklearn import metrics as ours

    big = np.random.RandomState(0).rand(ours.MAX_SILHOUETTE_SAMPLES + 1, 2)
    trialbook.autolog(log_models=False)
    KMeans(n_clusters=2, n_init=1, max_iter=5, random_state=0).fit(big)
    run = only_run(client)
    assert "training_silhouette_score" not in run.data.metrics
    assert "silhouette_score" in run.data.tags[SKIPPED_TAG]


def test_a_transformers_own_score_is_not_called(
    client: trialbook.TrackingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    monkeypatch.setattr(PCA, "score", lambda *args, **kwargs: calls.append(args))
    trialbook.autolog(log_models=False)
    PCA(n_components=2).fit(X)
    assert only_run(client).data.metrics == {}
    assert calls == []


def test_sparse_input_is_scored_without_densifying(client: trialbook.TrackingClient) -> None:
    from scipy import sparse

    matrix = sparse.csr_matrix(np.where(X > 0.5, X, 0.0))
    trialbook.autolog(log_input_examples=True)
    model = LogisticRegression().fit(matrix, Y)
    run = only_run(client)
    assert run.data.metrics["training_accuracy_score"] == pytest.approx(model.score(matrix, Y))
    example = read_json(client, run, "model/input_example.json")
    assert len(example["data"]) == 5


def test_a_metric_that_does_not_apply_is_skipped(client: trialbook.TrackingClient) -> None:
    multilabel = np.c_[Y, 1 - Y]
    from sklearn.tree import DecisionTreeClassifier

    trialbook.autolog(log_models=False)
    DecisionTreeClassifier(random_state=0).fit(X, multilabel)
    logged = only_run(client).data.metrics
    assert "training_accuracy_score" in logged
    assert "training_log_loss" not in logged


def test_training_metrics_can_be_turned_off(client: trialbook.TrackingClient) -> None:
    trialbook.integrations.sklearn.autolog(log_training_metrics=False, log_models=False)
    LogisticRegression().fit(X, Y)
    assert only_run(client).data.metrics == {}


def test_classifier_confusion_matrix_is_saved_as_data(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X3, Y3)
    run = only_run(client)
    saved = read_json(client, run, "training_confusion_matrix.json")
    assert saved["labels"] == [0, 1, 2]
    assert saved["matrix"] == metrics.confusion_matrix(Y3, model.predict(X3)).tolist()


def test_estimator_html_is_saved(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    LogisticRegression().fit(X, Y)
    run = only_run(client)
    with client.artifact_repository(run.info.run_id).open("estimator.html") as handle:
        assert b"LogisticRegression" in handle.read()


def test_model_is_logged_and_predicts_identically(client: trialbook.TrackingClient) -> None:
    trialbook.autolog()
    model = LogisticRegression().fit(X, Y)
    run = only_run(client)
    loaded = trialbook.load_model(f"runs:/{run.info.run_id}/model")
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert artifacts(client, run) >= {"model", "estimator.html", "training_confusion_matrix.json"}


def test_models_are_not_logged_when_turned_off(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    LogisticRegression().fit(X, Y)
    assert "model" not in artifacts(client, only_run(client))


def test_input_example_is_the_first_rows_with_columns(client: trialbook.TrackingClient) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    trialbook.autolog(log_input_examples=True)
    LogisticRegression().fit(frame, Y)
    example = read_json(client, only_run(client), "model/input_example.json")
    assert example["columns"] == list(frame.columns)
    assert example["data"] == X[:5].tolist()


def test_input_example_goes_to_the_run_root_without_a_model(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog(log_input_examples=True, log_models=False)
    LogisticRegression().fit(X.tolist(), Y.tolist())
    example = read_json(client, only_run(client), "input_example.json")
    assert example["data"] == X[:5].tolist()


def test_a_pipeline_logs_one_run(client: trialbook.TrackingClient) -> None:
    trialbook.autolog()
    Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]).fit(X, Y)
    assert only_run(client).data.tags["estimator_name"] == "Pipeline"


def test_a_user_subclass_calling_super_logs_one_run(client: trialbook.TrackingClient) -> None:
    trialbook.autolog()
    TunedRegression().fit(X, Y)
    run = only_run(client)
    assert run.data.tags["estimator_name"] == "TunedRegression"
    assert "TunedRegression" in run.data.tags[SKIPPED_TAG]


def test_a_user_subclass_vouched_pure_gets_training_metrics(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.integrations.sklearn.autolog(pure_estimators=(TunedRegression,), log_models=False)
    TunedRegression().fit(X, Y)
    run = only_run(client)
    assert "training_accuracy_score" in run.data.metrics
    assert SKIPPED_TAG not in run.data.tags


def test_fit_transform_logs_one_run(client: trialbook.TrackingClient) -> None:
    trialbook.autolog()
    StandardScaler().fit_transform(X)
    assert only_run(client).data.tags["estimator_name"] == "StandardScaler"


def test_fit_predict_labels_are_used_for_the_clusterer_metrics(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog(log_models=False)
    labels = KMeans(n_clusters=2, n_init=1, random_state=0).fit_predict(X)
    logged = only_run(client).data.metrics
    assert logged["training_silhouette_score"] == pytest.approx(metrics.silhouette_score(X, labels))
