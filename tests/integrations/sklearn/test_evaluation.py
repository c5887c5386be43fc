"""Evaluation after training: ``score`` and ``sklearn.metrics`` calls go to the model's run."""

from __future__ import annotations

import numpy as np
import pytest

import trialbook
from trialbook.integrations.sklearn import evaluation

pytest.importorskip("sklearn")

import sklearn.metrics
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV

pytestmark = pytest.mark.sklearn

X, Y = make_classification(100, 4, n_informative=3, n_redundant=0, random_state=0)
X_TEST, Y_TEST = X[:30], Y[:30]


def run_of(client: trialbook.TrackingClient, model: object) -> trialbook.Run:
    run_id = evaluation.models.get(model)
    assert run_id is not None
    return client.get_run(run_id)


def eval_metrics(run: trialbook.Run) -> dict[str, float]:
    return {k: v for k, v in run.data.metrics.items() if k.startswith("eval_")}


def test_score_is_logged_into_the_models_run(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X, Y)
    value = model.score(X_TEST, Y_TEST)
    run = run_of(client, model)
    assert eval_metrics(run) == {"eval_score": pytest.approx(value)}
    assert run.data.tags["trialbook.eval.eval_score"] == "LogisticRegression.score()"


def test_metric_on_the_models_predictions_is_logged(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X, Y)
    value = sklearn.metrics.f1_score(Y_TEST, model.predict(X_TEST), average="macro")
    run = run_of(client, model)
    assert eval_metrics(run) == {"eval_f1_score": pytest.approx(value)}
    assert run.data.tags["trialbook.eval.eval_f1_score"] == "f1_score(average='macro')"


def test_repeated_calls_get_numbered_names(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X, Y)
    first = sklearn.metrics.accuracy_score(Y_TEST, model.predict(X_TEST))
    second = sklearn.metrics.accuracy_score(Y, model.predict(X))
    third = sklearn.metrics.accuracy_score(Y[:50], model.predict(X[:50]))
    assert eval_metrics(run_of(client, model)) == {
        "eval_accuracy_score": pytest.approx(first),
        "eval_accuracy_score-2": pytest.approx(second),
        "eval_accuracy_score-3": pytest.approx(third),
    }


def test_a_view_of_the_probabilities_is_recognised(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X, Y)
    value = sklearn.metrics.roc_auc_score(Y_TEST, model.predict_proba(X_TEST)[:, 1])
    assert eval_metrics(run_of(client, model)) == {"eval_roc_auc_score": pytest.approx(value)}


def test_keyword_predictions_are_recognised(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    model = Ridge().fit(X, Y)
    predicted = model.predict(X_TEST)
    value = sklearn.metrics.mean_squared_error(y_true=Y_TEST, y_pred=predicted)
    assert eval_metrics(run_of(client, model)) == {"eval_mean_squared_error": pytest.approx(value)}


def test_each_model_gets_its_own_evaluations(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    strong = LogisticRegression(C=1.0).fit(X, Y)
    weak = LogisticRegression(C=1e-4).fit(X, Y)
    sklearn.metrics.accuracy_score(Y_TEST, weak.predict(X_TEST))
    assert eval_metrics(run_of(client, strong)) == {}
    assert set(eval_metrics(run_of(client, weak))) == {"eval_accuracy_score"}


def test_a_copy_of_the_predictions_is_not_logged(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X, Y)
    sklearn.metrics.accuracy_score(Y_TEST, list(model.predict(X_TEST)))
    sklearn.metrics.accuracy_score(Y_TEST, Y_TEST)
    assert eval_metrics(run_of(client, model)) == {}


def test_non_scalar_results_are_not_logged(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X, Y)
    sklearn.metrics.f1_score(Y_TEST, model.predict(X_TEST), average=None)
    assert eval_metrics(run_of(client, model)) == {}


def test_search_evaluations_go_to_the_parent_run(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False, max_tuning_runs=0)
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2).fit(X, Y)
    search.score(X_TEST, Y_TEST)
    sklearn.metrics.accuracy_score(Y_TEST, search.best_estimator_.predict(X_TEST))
    assert set(eval_metrics(run_of(client, search))) == {"eval_score", "eval_accuracy_score"}


def test_post_training_metrics_can_be_turned_off(client: trialbook.TrackingClient) -> None:
    trialbook.integrations.sklearn.autolog(log_post_training_metrics=False, log_models=False)
    model = LogisticRegression().fit(X, Y)
    model.score(X_TEST, Y_TEST)
    assert evaluation.models.get(model) is None
    runs = trialbook.search_runs(output_format="list")
    assert eval_metrics(client.get_run(runs[0].info.run_id)) == {}


def test_models_are_forgotten_when_autolog_is_disabled() -> None:
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X, Y)
    trialbook.autolog(disable=True)
    assert evaluation.models.get(model) is None


def test_the_model_registry_does_not_keep_models_alive() -> None:
    import gc
    import weakref

    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X, Y)
    ref = weakref.ref(model)
    size = len(evaluation.models)
    del model
    gc.collect()
    assert ref() is None
    assert len(evaluation.models) == size - 1


def test_prediction_memory_is_bounded() -> None:
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X, Y)
    kept = [model.predict(X[:3]) for _ in range(evaluation.MAX_PREDICTIONS + 10)]
    assert len(evaluation.predictions) == evaluation.MAX_PREDICTIONS
    assert evaluation.run_of_prediction(kept[0]) is None
    assert evaluation.run_of_prediction(kept[-1]) is not None


def test_is_number_accepts_numpy_scalars_and_rejects_arrays() -> None:
    assert evaluation.is_number(np.float64(0.5))
    assert evaluation.is_number(np.array(3))
    assert not evaluation.is_number(np.array([0.5]))
    assert not evaluation.is_number(True)
