"""Do no harm with LightGBM: what LightGBM's own tests check that autologging touches.

LightGBM's test suite is not shipped in its wheel. Each test trains the same way with
autologging off and on and expects the very same result: the user's callbacks, early
stopping, recorded evaluations, cross-validation, continued training and pickling.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pytest

import trialbook

lightgbm = pytest.importorskip("lightgbm")
pytestmark = pytest.mark.lightgbm

ROUNDS = 20
T = TypeVar("T")


def off_and_on(train: Callable[[], T]) -> tuple[T, T]:
    """``train()`` with autologging off, then with it on (``log_models`` and all defaults)."""
    without = train()
    trialbook.autolog()
    try:
        with_autolog = train()
    finally:
        trialbook.autolog(disable=True)
    return without, with_autolog


def split(classification: tuple[Any, Any]) -> tuple[Any, Any, Any, Any]:
    x, y = classification
    return x[:150], y[:150], x[150:], y[150:]


def test_train_keeps_the_users_callbacks_list_object_and_contents(
    classification: tuple[Any, Any], params: dict[str, Any]
) -> None:
    x, y, vx, vy = split(classification)
    stopping = lightgbm.early_stopping(3, verbose=False)
    callbacks = [stopping]
    trialbook.autolog()
    train = lightgbm.Dataset(x, y)
    valid = lightgbm.Dataset(vx, vy, reference=train)
    lightgbm.train(params, train, ROUNDS, valid_sets=[valid], callbacks=callbacks)
    assert callbacks == [stopping]


def test_train_with_early_stopping_trains_the_same_model(
    classification: tuple[Any, Any], params: dict[str, Any]
) -> None:
    x, y, vx, vy = split(classification)

    def train() -> tuple[str, dict[str, Any]]:
        evals: dict[str, Any] = {}
        data = lightgbm.Dataset(x, y)
        booster = lightgbm.train(
            {**params, "learning_rate": 0.9},
            data,
            200,
            valid_sets=[lightgbm.Dataset(vx, vy, reference=data)],
            callbacks=[
                lightgbm.early_stopping(2, verbose=False),
                lightgbm.record_evaluation(evals),
            ],
        )
        return booster.model_to_string(), evals

    without, with_autolog = off_and_on(train)
    assert with_autolog == without


@pytest.mark.filterwarnings("ignore:The argument 'eval_set' is deprecated")  # lightgbm>=4.7
def test_a_classifier_with_an_eval_set_fits_the_same_model(
    classification: tuple[Any, Any],
) -> None:
    x, y, vx, vy = split(classification)

    def fit() -> tuple[str, dict[str, Any], Any]:
        model = lightgbm.LGBMClassifier(n_estimators=ROUNDS, verbose=-1, n_jobs=1)
        model.fit(x, y, eval_set=[(vx, vy)], callbacks=[lightgbm.early_stopping(3, verbose=False)])
        return model.booster_.model_to_string(), model.evals_result_, model.predict_proba(vx)

    without, with_autolog = off_and_on(fit)
    assert with_autolog[:2] == without[:2]
    assert np.array_equal(with_autolog[2], without[2])


def test_cv_gives_the_same_result(classification: tuple[Any, Any], params: dict[str, Any]) -> None:
    x, y = classification

    def cv() -> dict[str, Any]:
        result = lightgbm.cv(params, lightgbm.Dataset(x, y), 8, nfold=3, seed=1)
        return {k: list(v) for k, v in result.items()}

    without, with_autolog = off_and_on(cv)
    assert with_autolog == without


def test_continued_training_gives_the_same_model_and_leaves_the_first_one_alone(
    classification: tuple[Any, Any], params: dict[str, Any]
) -> None:
    x, y, _, _ = split(classification)

    def train() -> tuple[str, str]:
        first = lightgbm.train(params, lightgbm.Dataset(x, y), 5)
        before = first.model_to_string()
        second = lightgbm.train(params, lightgbm.Dataset(x, y), 5, init_model=first)
        assert first.model_to_string() == before
        return before, second.model_to_string()

    without, with_autolog = off_and_on(train)
    assert with_autolog == without


def test_a_fitted_wrapper_pickles_to_the_same_model(classification: tuple[Any, Any]) -> None:
    x, y = classification

    def fit() -> Any:
        model = lightgbm.LGBMRegressor(n_estimators=5, verbose=-1, n_jobs=1)
        return pickle.loads(pickle.dumps(model.fit(x, y.astype(float)))).predict(x)

    without, with_autolog = off_and_on(fit)
    assert np.array_equal(with_autolog, without)


def test_fit_leaves_the_estimators_params_unchanged(classification: tuple[Any, Any]) -> None:
    x, y = classification
    model = lightgbm.LGBMClassifier(n_estimators=3, verbose=-1)
    before = model.get_params()
    trialbook.autolog()
    model.fit(x, y)
    assert model.get_params() == before
