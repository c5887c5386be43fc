"""Do no harm: scikit-learn's own estimator checks, and identical predictions, with autolog on.

Every check of ``sklearn.utils.estimator_checks`` that passes without autologging must pass
with it (a check that fails without autologging too is skipped: it says nothing about us).
Every classifier and regressor of ``all_estimators()`` that fits a small synthetic dataset
must predict exactly the same with autologging on.
"""

from __future__ import annotations

import unittest
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import trialbook

pytest.importorskip("sklearn")

from sklearn.base import clone
from sklearn.cluster import DBSCAN, KMeans
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils import all_estimators
from sklearn.utils.estimator_checks import parametrize_with_checks

pytestmark = pytest.mark.sklearn

QUICK = [Ridge(), StandardScaler(), KNeighborsClassifier(), DBSCAN()]
"""One regressor, transformer, classifier and clusterer: the checks that always run."""
THOROUGH = [
    GaussianNB(),
    DecisionTreeRegressor(max_depth=3, random_state=0),
    PCA(),
    LogisticRegression(),
    RandomForestClassifier(n_estimators=5, random_state=0),
    KMeans(n_clusters=3, n_init=1, random_state=0),
    SVC(),
    OneHotEncoder(),
    make_pipeline(StandardScaler(), LogisticRegression()),
]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One store for the whole module: creating a store per check would dominate the time."""
    return str(tmp_path_factory.mktemp("do-no-harm") / "store")


@pytest.fixture(autouse=True)
def fast_runs(monkeypatch: pytest.MonkeyPatch, shared_store: str) -> None:
    """Thousands of runs: one shared store, no reproducibility capture."""
    monkeypatch.setenv("TRIALBOOK_TRACKING_URI", shared_store)
    monkeypatch.setenv("TRIALBOOK_DISABLE_CONTEXT", "1")


def outcome(run: Callable[[], Any]) -> BaseException | None:
    """Run ``run`` with warnings silenced; the exception it raised, or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            run()
        except Exception as err:  # noqa: BLE001 - sklearn failing its own check is recorded
            return err
    return None


def check_with_and_without_autolog(estimator: Any, check: Callable[[Any], Any]) -> None:
    """Fail when the check fails with autologging but passes without it."""
    trialbook.autolog(log_models=False)
    failure = outcome(lambda: check(estimator))
    trialbook.autolog(disable=True)
    if failure is None:
        return
    if isinstance(failure, unittest.SkipTest):
        pytest.skip(str(failure))
    if outcome(lambda: check(estimator)) is not None:
        pytest.skip(f"fails without autologging too: {type(failure).__name__}")
    raise failure


@parametrize_with_checks(QUICK)
def test_estimator_checks_pass_with_autolog(estimator: Any, check: Callable[[Any], Any]) -> None:
    check_with_and_without_autolog(estimator, check)


@pytest.mark.slow
@parametrize_with_checks(THOROUGH)
def test_estimator_checks_pass_with_autolog_thoroughly(
    estimator: Any, check: Callable[[Any], Any]
) -> None:
    check_with_and_without_autolog(estimator, check)


def supervised_estimators() -> Iterator[Any]:
    """One instance of each classifier and regressor that can be built without arguments."""
    for kind in ("classifier", "regressor"):
        for name, cls in all_estimators(type_filter=kind):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # deprecated classes warn when built
                    estimator = cls()
            except TypeError:
                continue  # meta-estimators that need an inner estimator
            if "random_state" in estimator.get_params():
                estimator.set_params(random_state=0)
            yield pytest.param(kind, estimator, id=name)


def training_data(kind: str) -> tuple[Any, Any, Any]:
    """A small dataset for a classifier or a regressor, with non-negative features."""
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    if kind == "classifier":
        y = (X[:, 0] + X[:, 1] > 1).astype(int) + (X[:, 2] > 0.7)
    else:
        y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 3.0
    return X, y, rng.rand(10, 4)


def predictions(estimator: Any, X: Any, y: Any, X_new: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated classes warn again when cloned
        model = clone(estimator)
        model.fit(X, y)
        return model.predict(X_new)


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "estimator"), list(supervised_estimators()))
def test_predictions_are_identical_with_autolog(kind: str, estimator: Any) -> None:
    X, y, X_new = training_data(kind)
    try:
        expected = predictions(estimator, X, y, X_new)
    except Exception as err:  # noqa: BLE001 - any failure of sklearn itself means: not comparable
        pytest.skip(f"does not fit this dataset: {type(err).__name__}")
    if not np.array_equal(expected, predictions(estimator, X, y, X_new)):
        pytest.skip("not deterministic even without autologging")
    trialbook.autolog(log_models=False)
    assert np.array_equal(predictions(estimator, X, y, X_new), expected)
