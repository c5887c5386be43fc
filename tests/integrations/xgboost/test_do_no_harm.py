"""Do no harm with XGBoost: what XGBoost's own tests check, compared with autolog off and on.

XGBoost's test suite is not shipped in its wheel, so these are the behaviours it checks that
autologging touches: the user's callbacks, early stopping, training continuation, pickling,
checkpoints, and the threads left behind. Each test trains the same way with autologging off
and on and expects the very same result.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest

import trialbook

xgboost = pytest.importorskip("xgboost")
pytestmark = pytest.mark.xgboost

ROUNDS = 30
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


def model_json(booster: Any) -> bytes:
    """The booster's whole model (trees, attributes, config) as XGBoost serialises it."""
    return bytes(booster.save_raw(raw_format="json"))


def stopping_params(params: dict[str, Any]) -> dict[str, Any]:
    """Params whose validation score stops improving within ``ROUNDS`` rounds."""
    return {**params, "eta": 0.8, "max_depth": 6}


def test_train_keeps_the_users_callbacks_list_object_and_contents(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    stopping = xgboost.callback.EarlyStopping(rounds=3)
    callbacks = [stopping]
    trialbook.autolog()
    xgboost.train(
        params, dtrain, ROUNDS, evals=[(dvalid, "eval")], callbacks=callbacks, verbose_eval=False
    )
    assert len(callbacks) == 1
    assert callbacks[0] is stopping


def test_a_wrapper_keeps_the_users_callbacks_list_object_and_contents(
    regression: tuple[Any, Any],
) -> None:
    x, y = regression
    stopping = xgboost.callback.EarlyStopping(rounds=3)
    callbacks = [stopping]
    model = xgboost.XGBRegressor(n_estimators=ROUNDS, n_jobs=1, callbacks=callbacks)
    trialbook.autolog()
    model.fit(x[:150], y[:150], eval_set=[(x[150:], y[150:])], verbose=False)
    assert model.callbacks is callbacks
    assert model.get_params()["callbacks"] is callbacks
    assert len(callbacks) == 1
    assert callbacks[0] is stopping


def test_train_with_early_stopping_rounds_trains_the_same_model(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    def train() -> tuple[Any, dict[str, Any]]:
        history: dict[str, Any] = {}
        booster = xgboost.train(
            stopping_params(params), dtrain, ROUNDS, evals=[(dvalid, "eval")],
            early_stopping_rounds=3, evals_result=history, verbose_eval=False,
        )  # fmt: skip
        return booster, history

    (off, off_history), (on, on_history) = off_and_on(train)
    assert off.best_iteration < ROUNDS - 1  # early stopping did stop the training
    assert (on.best_iteration, on.best_score) == (off.best_iteration, off.best_score)
    assert on_history == off_history
    assert model_json(on) == model_json(off)
    np.testing.assert_array_equal(on.predict(dvalid), off.predict(dvalid))


def test_an_early_stopping_callback_that_saves_the_best_model_trains_the_same_model(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    def train() -> Any:
        stopping = xgboost.callback.EarlyStopping(rounds=3, save_best=True)
        return xgboost.train(
            stopping_params(params), dtrain, ROUNDS, evals=[(dvalid, "eval")],
            callbacks=[stopping], verbose_eval=False,
        )  # fmt: skip

    off, on = off_and_on(train)
    assert off.num_boosted_rounds() == off.best_iteration + 1  # save_best trimmed the model
    assert on.num_boosted_rounds() == off.num_boosted_rounds()
    assert model_json(on) == model_json(off)
    np.testing.assert_array_equal(on.predict(dvalid), off.predict(dvalid))


def test_a_classifier_with_early_stopping_fits_the_same_model(
    classification: tuple[Any, Any],
) -> None:
    x, y = classification

    def fit() -> Any:
        model = xgboost.XGBClassifier(
            n_estimators=ROUNDS, learning_rate=0.8, n_jobs=1, random_state=0,
            early_stopping_rounds=3,
        )  # fmt: skip
        return model.fit(x[:150], y[:150], eval_set=[(x[150:], y[150:])], verbose=False)

    off, on = off_and_on(fit)
    assert (on.best_iteration, on.best_score) == (off.best_iteration, off.best_score)
    assert on.evals_result() == off.evals_result()
    np.testing.assert_array_equal(on.predict_proba(x), off.predict_proba(x))
    assert model_json(on.get_booster()) == model_json(off.get_booster())


def test_cv_gives_the_same_table(params: dict[str, Any], dtrain: Any) -> None:
    def cv() -> Any:
        return xgboost.cv(
            stopping_params(params), dtrain, ROUNDS, nfold=3, seed=0, early_stopping_rounds=3
        )

    off, on = off_and_on(cv)
    assert on.equals(off)


def test_verbose_evaluation_prints_the_same_lines(
    params: dict[str, Any], dtrain: Any, dvalid: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    def train() -> str:
        xgboost.train(params, dtrain, 5, evals=[(dvalid, "eval")], verbose_eval=2)
        return capsys.readouterr().out

    off, on = off_and_on(train)
    assert "eval-rmse" in off
    assert on == off


def test_continued_training_gives_the_same_model_and_leaves_the_first_one_alone(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    first = xgboost.train(params, dtrain, 5)
    first_json = model_json(first)

    def continued() -> Any:
        return xgboost.train(
            params, dtrain, 5, evals=[(dvalid, "eval")], xgb_model=first, verbose_eval=False
        )

    off, on = off_and_on(continued)
    assert on.num_boosted_rounds() == off.num_boosted_rounds() == 10
    assert model_json(on) == model_json(off)
    assert model_json(first) == first_json


def test_a_wrapper_continued_from_a_booster_fits_the_same_model(
    regression: tuple[Any, Any],
) -> None:
    x, y = regression
    first = xgboost.XGBRegressor(n_estimators=5, n_jobs=1).fit(x, y).get_booster()

    def continued() -> Any:
        return xgboost.XGBRegressor(n_estimators=5, n_jobs=1).fit(x, y, xgb_model=first)

    off, on = off_and_on(continued)
    assert on.get_booster().num_boosted_rounds() == 10
    assert model_json(on.get_booster()) == model_json(off.get_booster())


def test_a_checkpoint_callback_writes_the_same_files(
    params: dict[str, Any], dtrain: Any, tmp_path: Path
) -> None:
    folders = iter([tmp_path / "off", tmp_path / "on"])

    def train() -> dict[str, bytes]:
        folder = next(folders)
        folder.mkdir()
        checkpoint = xgboost.callback.TrainingCheckPoint(folder, name="model", interval=2)
        xgboost.train(params, dtrain, 6, callbacks=[checkpoint])
        return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}

    off, on = off_and_on(train)
    assert off  # the callback did write checkpoints
    assert on == off


def test_a_booster_trained_with_autolog_pickles_and_copies_like_one_without(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    def train() -> Any:
        return xgboost.train(params, dtrain, 5, evals=[(dvalid, "eval")], verbose_eval=False)

    off, on = off_and_on(train)
    assert pickle.dumps(on) == pickle.dumps(off)
    assert model_json(copy.deepcopy(on)) == model_json(off)
    assert model_json(pickle.loads(pickle.dumps(on))) == model_json(off)


def test_a_wrapper_fitted_with_autolog_survives_clone_deepcopy_and_pickle(
    classification: tuple[Any, Any],
) -> None:
    from sklearn.base import clone

    x, y = classification
    trialbook.autolog()
    model = xgboost.XGBClassifier(n_estimators=5, n_jobs=1).fit(x, y)
    expected = model.predict_proba(x)
    np.testing.assert_array_equal(copy.deepcopy(model).predict_proba(x), expected)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(x), expected)
    assert clone(model).get_params() == model.get_params()


def test_a_wrapper_fitted_with_autolog_unpickles_where_trialbook_is_not_installed(
    classification: tuple[Any, Any], tmp_path: Path
) -> None:
    x, y = classification
    stopping = xgboost.callback.EarlyStopping(rounds=2)
    trialbook.autolog()
    model = xgboost.XGBClassifier(n_estimators=5, n_jobs=1, callbacks=[stopping])
    model.fit(x, y, eval_set=[(x, y)], verbose=False)
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps((model, x)))
    np.save(tmp_path / "expected.npy", model.predict_proba(x))
    script = textwrap.dedent(
        """
        import pickle, sys
        import numpy as np

        sys.modules["trialbook"] = None  # any import of trialbook now fails
        model, x = pickle.loads(open(sys.argv[1], "rb").read())
        np.testing.assert_array_equal(model.predict_proba(x), np.load(sys.argv[2]))
        assert [type(c).__name__ for c in model.callbacks] == ["EarlyStopping"], model.callbacks
        """
    )
    subprocess.run(
        [sys.executable, "-c", script, str(pickled), str(tmp_path / "expected.npy")],
        check=True,
        cwd=tmp_path,
    )


def test_no_trialbook_thread_is_left_after_training(
    params: dict[str, Any],
    dtrain: Any,
    dvalid: Any,
    lingering_trialbook_threads: Callable[[], list[str]],
) -> None:
    trialbook.autolog()
    xgboost.train(params, dtrain, 5, evals=[(dvalid, "eval")], verbose_eval=False)
    assert lingering_trialbook_threads() == []
