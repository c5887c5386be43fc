"""Issue 11's harms, each reproduced in a few lines: autolog on must look exactly like off.

Every test runs the same user code with autologging off and on and compares what the user
can observe: predictions, random streams, how often their scorers and methods are called,
pickles, and the runs logged.
"""

from __future__ import annotations

import functools
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

import trialbook
from trialbook.integrations.sklearn.policy import SKIPPED_TAG

pytest.importorskip("sklearn")

import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    StackingClassifier,
)
from sklearn.feature_selection import RFECV
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import accuracy_score, fbeta_score, make_scorer
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KernelDensity, KNeighborsClassifier
from sklearn.utils.validation import check_is_fitted

pytestmark = pytest.mark.sklearn

X = np.random.RandomState(0).rand(60, 4)
Y = (X[:, 0] + X[:, 1] > 1).astype(int)


def off_and_on(scenario: Callable[[], Any]) -> tuple[Any, Any]:
    """What ``scenario`` returns with autologging off, then on."""
    off = scenario()
    trialbook.autolog(log_models=False)
    on = scenario()
    trialbook.autolog(disable=True)
    return off, on


def runs() -> list[trialbook.Run]:
    return trialbook.search_runs(output_format="list", run_view_type="all")  # type: ignore[no-any-return]


# Harm 1: a method that is a property keeps its name, type and delegation ---------------------


def hides(method: Callable[..., Any]) -> property:
    """scikit-learn's test_metaestimator_delegation: a method served by a property."""

    def getter(obj: Any) -> Any:
        if obj.hidden_method == method.__name__:
            raise AttributeError(f"{obj.hidden_method!r} is hidden")
        return functools.partial(method, obj)

    return property(getter)


class Delegate(BaseEstimator):
    def __init__(self, hidden_method: str | None = None) -> None:
        self.hidden_method = hidden_method

    def fit(self, X: Any, y: Any = None) -> Delegate:
        self.coef_ = np.arange(X.shape[1])
        return self

    @hides
    def predict(self, X: Any) -> Any:
        check_is_fitted(self)
        return np.ones(X.shape[0])

    @hides
    def score(self, X: Any, y: Any) -> float:
        check_is_fitted(self)
        return 1.0


def test_a_method_served_by_a_property_keeps_its_name_and_type() -> None:
    before = type(vars(Delegate)["score"])
    trialbook.autolog(log_models=False)
    assert type(vars(Delegate)["score"]) is before
    served = Delegate().score
    assert type(served) is functools.partial
    assert served.func.__name__ == "score"
    assert served.func.__qualname__ == "Delegate.score"
    assert not hasattr(Delegate(hidden_method="score"), "score")


def test_rfecv_delegates_to_a_property_method_with_autolog() -> None:
    trialbook.autolog(log_models=False)
    selector = RFECV(Delegate(), cv=2).fit(X, Y)
    assert selector.n_features_ >= 1


def test_a_property_method_still_logs_its_evaluation(client: trialbook.TrackingClient) -> None:
    trialbook.integrations.sklearn.autolog(log_models=False, pure_estimators=(Delegate,))
    model = Delegate().fit(X, Y)
    model.score(X, Y)
    (run,) = runs()
    assert client.get_run(run.info.run_id).data.metrics["eval_score"] == 1.0


# Harm 2: no extra calls that change what the user observes ------------------------------------


class Recorder(ClassifierMixin, BaseEstimator):
    """A user classifier that records every call of its prediction methods."""

    calls: list[tuple[str, tuple[str, ...]]] = []

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Recorder:
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any, sample_weight: Any = None) -> Any:
        type(self).calls.append(("predict", () if sample_weight is None else ("sample_weight",)))
        return np.full(len(X), self.classes_[0])

    def predict_proba(self, X: Any, sample_weight: Any = None) -> Any:
        named = () if sample_weight is None else ("sample_weight",)
        type(self).calls.append(("predict_proba", named))
        return np.tile([1.0, 0.0], (len(X), 1))

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        type(self).calls.append(("score", ()))
        return 0.5


@pytest.fixture
def recorder() -> Iterator[type[Recorder]]:
    Recorder.calls = []
    yield Recorder
    Recorder.calls = []


def test_a_user_estimator_is_never_called_after_fit(
    recorder: type[Recorder], client: trialbook.TrackingClient
) -> None:
    def scenario() -> list[Any]:
        recorder.calls = []
        recorder().fit(X, Y)
        return list(recorder.calls)

    off, on = off_and_on(scenario)
    assert on == off == []
    (run,) = runs()
    assert "Recorder" in client.get_run(run.info.run_id).data.tags[SKIPPED_TAG]


def test_stacking_final_estimator_gets_no_calls_without_its_routed_metadata(
    recorder: type[Recorder], client: trialbook.TrackingClient
) -> None:
    weights = np.linspace(0.5, 1.5, len(Y))

    def scenario() -> list[Any]:
        recorder.calls = []
        with sklearn.config_context(enable_metadata_routing=True):
            final = recorder().set_fit_request(sample_weight=True)
            final.set_predict_proba_request(sample_weight=True)
            final.set_predict_request(sample_weight=True)
            base = LogisticRegression().set_fit_request(sample_weight=True)
            stack = StackingClassifier([("lr", base)], final_estimator=final, cv=2)
            stack.fit(X, Y, sample_weight=weights)
        return list(recorder.calls)

    off, on = off_and_on(scenario)
    assert on == off
    (run,) = runs()
    assert "metadata routing" in client.get_run(run.info.run_id).data.tags[SKIPPED_TAG]


def test_no_predictions_are_made_with_metadata_routing_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    original = LogisticRegression.predict_proba

    def spy(self: Any, X: Any) -> Any:
        calls.append(len(X))
        return original(self, X)

    monkeypatch.setattr(LogisticRegression, "predict_proba", spy)
    trialbook.autolog(log_models=False)
    with sklearn.config_context(enable_metadata_routing=True):
        LogisticRegression().fit(X, Y)
    assert calls == []


def test_random_state_instance_is_not_consumed() -> None:
    def scenario() -> Any:
        model = DummyClassifier(strategy="stratified", random_state=np.random.RandomState(0))
        return model.fit(X, Y).predict(X)

    off, on = off_and_on(scenario)
    np.testing.assert_array_equal(on, off)


def test_numpy_global_random_state_is_not_consumed() -> None:
    def scenario() -> tuple[Any, float]:
        np.random.seed(0)
        predictions = DummyClassifier(strategy="stratified").fit(X, Y).predict(X)
        return predictions, np.random.rand()

    (off_pred, off_next), (on_pred, on_next) = off_and_on(scenario)
    np.testing.assert_array_equal(on_pred, off_pred)
    assert on_next == off_next


def test_a_user_scorer_is_called_as_often_as_without_autolog() -> None:
    def scenario() -> int:
        calls = []

        def counting(estimator: Any, X: Any, y: Any) -> float:
            calls.append(1)
            return float(accuracy_score(y, estimator.predict(X)))

        LogisticRegressionCV(
            Cs=4, cv=2, scoring=counting, l1_ratios=(0,), use_legacy_attributes=False
        ).fit(X, Y)
        return len(calls)

    off, on = off_and_on(scenario)
    assert on == off == 8


def spy_calls(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> list[int]:
    """Count calls of ``owner.name`` (installed before autologging patches it)."""
    calls: list[int] = []
    original = getattr(owner, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls


def test_nearest_neighbours_fit_makes_no_predictions(
    monkeypatch: pytest.MonkeyPatch, client: trialbook.TrackingClient
) -> None:
    calls = spy_calls(monkeypatch, KNeighborsClassifier, "kneighbors")
    off, on = off_and_on(lambda: (KNeighborsClassifier().fit(X, Y), len(calls))[1])
    assert on == off == 0
    (run,) = runs()
    assert "KNeighborsClassifier" in client.get_run(run.info.run_id).data.tags[SKIPPED_TAG]


def test_kernel_density_fit_scores_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = spy_calls(monkeypatch, KernelDensity, "score_samples")
    off, on = off_and_on(lambda: (KernelDensity().fit(X), len(calls))[1])
    assert on == off == 0


def test_a_method_replaced_on_the_instance_is_not_called() -> None:
    from unittest.mock import Mock

    def scenario() -> int:
        model = HistGradientBoostingRegressor(max_iter=2, random_state=0)
        spy = Mock(side_effect=model._raw_predict)
        model._raw_predict = spy  # type: ignore[method-assign]
        model.fit(X, X[:, 0])
        return int(spy.call_count)

    off, on = off_and_on(scenario)
    assert on == off == 0


def test_a_known_pure_estimator_still_gets_training_metrics(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog(log_models=False)
    model = LogisticRegression().fit(X, Y)
    (run,) = runs()
    logged = client.get_run(run.info.run_id).data
    assert logged.metrics["training_accuracy_score"] == pytest.approx(model.score(X, Y))
    assert SKIPPED_TAG not in logged.tags


# Harm 4: pickling ------------------------------------------------------------------------------


def scorers() -> list[Any]:
    """Scorers on the metric functions as found now, and as imported before autologging."""
    import sklearn.metrics

    return [
        make_scorer(sklearn.metrics.accuracy_score),
        make_scorer(sklearn.metrics.fbeta_score, beta=2),
        make_scorer(accuracy_score),
        make_scorer(fbeta_score, beta=2),
    ]


def test_scorers_pickle_exactly_as_without_autolog() -> None:
    off, on = off_and_on(lambda: [pickle.dumps(scorer) for scorer in scorers()])
    assert on == off


def test_a_fitted_search_with_a_scorer_unpickles_without_trialbook(tmp_path: Any) -> None:
    import sklearn.metrics

    trialbook.autolog(log_models=False)
    scorer = make_scorer(sklearn.metrics.accuracy_score)
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2, scoring=scorer)
    search.fit(X, Y)
    path = tmp_path / "search.pkl"
    path.write_bytes(pickle.dumps((search, make_scorer(sklearn.metrics.fbeta_score, beta=2))))
    code = (
        "import pickle, sys\n"
        f"search, scorer = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        "assert 'trialbook' not in sys.modules, 'trialbook was imported'\n"
        "print(search.best_params_['C'], search.scorer_._score_func.__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(search.best_params_["C"]), "accuracy_score"]


# Independent fits in the user's threads ---------------------------------------------------------


def test_fits_in_the_users_threads_each_log_a_run() -> None:
    trialbook.autolog(log_models=False)

    def train(seed: int) -> Any:
        return RandomForestClassifier(n_estimators=5, random_state=seed).fit(X, Y)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(train, range(4)))
    logged = runs()
    assert len(logged) == 4
    assert {run.info.status for run in logged} == {trialbook.RunStatus.FINISHED}
    assert all(run.data.tags["estimator_name"] == "RandomForestClassifier" for run in logged)


def test_a_threaded_search_logs_one_parent_and_its_candidates_only() -> None:
    from joblib import parallel_backend

    trialbook.autolog(log_models=False, max_tuning_runs=2)
    with parallel_backend("threading"):
        GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0, 10.0]}, cv=2, n_jobs=2).fit(X, Y)
    logged = runs()
    parents = [r for r in logged if r.info.parent_run_id is None]
    assert len(parents) == 1
    assert parents[0].data.tags["estimator_name"] == "GridSearchCV"
    assert len(logged) == 1 + 2


# Searches: the candidates' values are the search's, never set or called by autolog ---------


def test_an_estimator_in_a_param_grid_is_left_as_the_user_made_it() -> None:
    # scikit-learn's test_search_estimator_param: the search clones grid values before use.
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    def scenario() -> tuple[float, float]:
        grid = {"clf": [LinearSVC()], "clf__C": [0.01]}
        pipe = Pipeline([("scale", StandardScaler()), ("clf", None)])
        search = GridSearchCV(pipe, grid, cv=2, scoring="accuracy").fit(X, Y)
        return grid["clf"][0].C, search.best_estimator_.named_steps["clf"].C

    off, on = off_and_on(scenario)
    assert on == off == (1.0, 0.01)


def test_a_user_set_params_is_called_as_often_as_without_autolog(
    client: trialbook.TrackingClient,
) -> None:
    # scikit-learn's test_base_estimator_inputs counts the base estimator's set_params calls.
    calls: list[dict[str, Any]] = []

    class Counting(LogisticRegression):
        def set_params(self, **params: Any) -> Counting:
            calls.append(params)
            return super().set_params(**params)  # type: ignore[no-any-return]

    def scenario() -> list[dict[str, Any]]:
        calls.clear()
        GridSearchCV(Counting(), {"C": [0.1, 1.0, 10.0]}, cv=2).fit(X, Y)
        return list(calls)

    off, on = off_and_on(scenario)
    assert on == off
    assert len(off) == 3 * 2 + 1  # Each candidate on each fold, and the refit.
    children = [client.get_run(r.info.run_id) for r in runs() if r.info.parent_run_id]
    assert sorted(r.data.params["C"] for r in children) == ["0.1", "1.0", "10.0"]
