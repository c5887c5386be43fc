"""TrialbookCallback used directly through XGBoost's callback API (no autolog)."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import trialbook
from trialbook.autolog.patching import AutologgingWarning
from trialbook.autolog.run import ERROR_TAG
from trialbook.entities import RunStatus
from trialbook.integrations.xgboost import TrialbookCallback
from trialbook.integrations.xgboost.recorder import IMPORTANCE_TYPES, Recorder

xgboost = pytest.importorskip("xgboost")
pytestmark = pytest.mark.xgboost

ROUNDS = 8


def train(params: dict[str, Any], dtrain: Any, dvalid: Any, **kwargs: Any) -> Any:
    """Train ROUNDS rounds with train and eval sets, quietly."""
    kwargs.setdefault("callbacks", [TrialbookCallback()])
    kwargs.setdefault("num_boost_round", ROUNDS)
    return xgboost.train(
        params, dtrain, evals=[(dtrain, "train"), (dvalid, "eval")], verbose_eval=False, **kwargs
    )


def last_run() -> trialbook.Run:
    run = trialbook.last_active_run()
    assert run is not None
    return run


class Counter(xgboost.callback.TrainingCallback):
    """A user's callback that counts iterations."""

    def __init__(self) -> None:
        super().__init__()
        self.iterations = 0

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        self.iterations += 1
        return False


def test_callback_is_an_xgboost_training_callback() -> None:
    assert isinstance(TrialbookCallback(), xgboost.callback.TrainingCallback)


def test_every_metric_of_every_eval_set_is_logged_once_per_iteration(
    params: dict[str, Any], dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    train({**params, "eval_metric": ["rmse", "mae"]}, dtrain, dvalid)
    run_id = last_run().info.run_id
    for key in ("train-rmse", "train-mae", "eval-rmse", "eval-mae"):
        history = client.get_metric_history(run_id, key)
        assert [m.step for m in history] == list(range(ROUNDS))


def test_logged_metric_values_equal_xgboosts_evaluation_history(
    params: dict[str, Any], dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    evals_result: dict[str, Any] = {}
    train(params, dtrain, dvalid, evals_result=evals_result)
    history = client.get_metric_history(last_run().info.run_id, "eval-rmse")
    assert [m.value for m in history] == pytest.approx(evals_result["eval"]["rmse"])


def test_metric_names_are_made_safe_as_keys(
    classification: tuple[Any, Any], client: trialbook.TrackingClient
) -> None:
    x, y = classification
    data = xgboost.DMatrix(x, y)
    params = {"objective": "binary:logistic", "eval_metric": "error@0.7", "nthread": 1}
    xgboost.train(params, data, 3, evals=[(data, "eval")], verbose_eval=False,
                  callbacks=[TrialbookCallback()])  # fmt: skip
    history = client.get_metric_history(last_run().info.run_id, "eval-error_at_0.7")
    assert len(history) == 3


def test_booster_params_are_logged_from_the_booster_config(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    train({**params, "objective": "reg:absoluteerror"}, dtrain, dvalid)
    logged = last_run().data.params
    assert logged["max_depth"] == "3"
    assert logged["eta"] == "0.3"
    assert logged["objective"] == "reg:absoluteerror"
    assert logged["booster"] == "gbtree"


def test_a_run_is_started_and_finished_when_none_is_active(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    train(params, dtrain, dvalid)
    assert trialbook.active_run() is None
    assert last_run().info.status is RunStatus.FINISHED


def test_the_active_run_is_used_and_left_open(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    with trialbook.start_run() as run:
        train(params, dtrain, dvalid)
        active = trialbook.active_run()
        assert active is not None
        assert active.info.run_id == run.info.run_id
    assert "eval-rmse" in trialbook.get_run(run.info.run_id).data.metrics


def test_feature_importance_is_logged_for_every_importance_type(
    params: dict[str, Any], dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    booster = train(params, dtrain, dvalid)
    run_id = last_run().info.run_id
    for kind in IMPORTANCE_TYPES:
        path = client.download_artifacts(run_id, f"feature_importance_{kind}.json")
        with open(path) as handle:
            logged = json.load(handle)
        assert logged == pytest.approx(booster.get_score(importance_type=kind))


def test_gblinear_logs_only_the_weight_importance(
    dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    train({"booster": "gblinear", "nthread": 1}, dtrain, dvalid)
    files = {f.path for f in client.list_artifacts(last_run().info.run_id)}
    assert {f for f in files if f.startswith("feature_importance")} == {
        "feature_importance_weight.json"
    }


def test_the_model_reloads_as_a_booster_predicting_identically(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    booster = train(params, dtrain, dvalid)
    loaded = trialbook.load_model(f"runs:/{last_run().info.run_id}/model")
    assert isinstance(loaded, xgboost.Booster)
    np.testing.assert_array_equal(loaded.predict(dvalid), booster.predict(dvalid))


def test_model_logging_can_be_turned_off(
    params: dict[str, Any], dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    train(params, dtrain, dvalid, callbacks=[TrialbookCallback(log_models=False)])
    assert "model" not in {f.path for f in client.list_artifacts(last_run().info.run_id)}


def test_early_stopping_history_ends_early_stopping_rounds_after_the_best_iteration(
    params: dict[str, Any], dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    noisy = {**params, "eta": 1.0, "max_depth": 6}
    booster = train(noisy, dtrain, dvalid, num_boost_round=200, early_stopping_rounds=2)
    history = client.get_metric_history(last_run().info.run_id, "eval-rmse")
    assert len(history) == booster.best_iteration + 2 + 1 < 200


def test_early_stopping_logs_best_iteration_score_and_best_metrics(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    evals_result: dict[str, Any] = {}
    noisy = {**params, "eta": 1.0, "max_depth": 6}
    booster = train(
        noisy, dtrain, dvalid, num_boost_round=200, early_stopping_rounds=2,
        evals_result=evals_result,
    )  # fmt: skip
    metrics = last_run().data.metrics
    best = booster.best_iteration
    assert metrics["best_iteration"] == best
    assert metrics["best_score"] == pytest.approx(booster.best_score)
    assert metrics["best_eval-rmse"] == pytest.approx(evals_result["eval"]["rmse"][best])
    assert metrics["best_train-rmse"] == pytest.approx(evals_result["train"]["rmse"][best])


def test_an_early_stopping_callback_is_read_from_the_booster(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    stopper = xgboost.callback.EarlyStopping(rounds=2, save_best=True)
    noisy = {**params, "eta": 1.0, "max_depth": 6}
    booster = train(
        noisy, dtrain, dvalid, num_boost_round=200, callbacks=[stopper, TrialbookCallback()]
    )
    assert last_run().data.metrics["best_iteration"] == booster.best_iteration


def test_iterations_skipped_after_an_earlier_callback_stops_training_are_still_logged(
    params: dict[str, Any], dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    stopper = xgboost.callback.EarlyStopping(rounds=2)
    noisy = {**params, "eta": 1.0, "max_depth": 6}
    booster = train(
        noisy, dtrain, dvalid, num_boost_round=200, callbacks=[stopper, TrialbookCallback()]
    )
    history = client.get_metric_history(last_run().info.run_id, "eval-rmse")
    assert [m.step for m in history] == list(range(booster.best_iteration + 2 + 1))


def test_no_best_metrics_are_logged_without_early_stopping(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    train(params, dtrain, dvalid)
    assert not [k for k in last_run().data.metrics if k.startswith("best_")]


def test_the_users_own_callbacks_still_run(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    counter = Counter()
    train(params, dtrain, dvalid, callbacks=[counter, TrialbookCallback()])
    assert counter.iterations == ROUNDS


def test_a_copy_keeps_the_settings() -> None:
    callback = TrialbookCallback(log_models=False, model_name="booster")
    copied = copy.deepcopy(callback)
    assert (copied.log_models, copied.model_name) == (False, "booster")


def test_a_pickled_callback_keeps_the_settings() -> None:
    callback = TrialbookCallback(log_feature_importance=False)
    restored = pickle.loads(pickle.dumps(callback))
    assert isinstance(restored, TrialbookCallback)
    assert restored.log_feature_importance is False


def test_a_callback_used_for_training_can_be_copied_and_pickled_mid_training(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    copies: list[Any] = []

    class Snapshot(xgboost.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            copies.append(pickle.loads(pickle.dumps(ours)))
            copies.append(copy.deepcopy(ours))
            return False

    ours = TrialbookCallback()
    train(params, dtrain, dvalid, callbacks=[ours, Snapshot()])
    assert all(isinstance(c, TrialbookCallback) for c in copies)


def test_a_wrapper_with_the_callback_survives_clone_and_pickle(
    regression: tuple[Any, Any],
) -> None:
    from sklearn.base import clone

    x, y = regression
    model = xgboost.XGBRegressor(n_estimators=3, n_jobs=1, callbacks=[TrialbookCallback()])
    fitted = clone(model).fit(x, y, eval_set=[(x, y)], verbose=False)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(x), fitted.predict(x))


def test_a_wrapper_with_the_callback_logs_each_iteration(
    regression: tuple[Any, Any], client: trialbook.TrackingClient
) -> None:
    x, y = regression
    model = xgboost.XGBRegressor(n_estimators=4, n_jobs=1, callbacks=[TrialbookCallback()])
    model.fit(x, y, eval_set=[(x, y)], verbose=False)
    history = client.get_metric_history(last_run().info.run_id, "validation_0-rmse")
    assert [m.step for m in history] == [0, 1, 2, 3]


def test_a_logging_failure_does_not_stop_training(
    params: dict[str, Any],
    dtrain: Any,
    dvalid: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = train(params, dtrain, dvalid, callbacks=[]).predict(dvalid)
    monkeypatch.setenv("TRIALBOOK_AUTOLOG_STRICT", "0")

    def broken(self: Recorder, epoch: int, evals_log: Any) -> None:
        raise RuntimeError("metric store is down")

    monkeypatch.setattr(Recorder, "iteration", broken)
    with pytest.warns(AutologgingWarning, match="metric store is down"):
        booster = train(params, dtrain, dvalid)
    np.testing.assert_array_equal(booster.predict(dvalid), expected)
    run = last_run()
    assert "metric store is down" in run.data.tags[ERROR_TAG]
    assert run.info.status is RunStatus.FINISHED


def test_strict_mode_reraises_logging_failures(
    params: dict[str, Any], dtrain: Any, dvalid: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Recorder, epoch: int, evals_log: Any) -> None:
        raise RuntimeError("metric store is down")

    monkeypatch.setattr(Recorder, "iteration", broken)
    with pytest.raises(RuntimeError, match="metric store is down"):
        train(params, dtrain, dvalid)


def test_a_user_exception_propagates_unchanged(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    error = KeyError("user bug")

    class Failing(xgboost.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            raise error

    with pytest.raises(KeyError) as caught:
        train(params, dtrain, dvalid, callbacks=[TrialbookCallback(), Failing()])
    assert caught.value is error


def test_the_run_of_a_failed_training_is_ended_by_the_next_training(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    callback = TrialbookCallback()

    class Failing(xgboost.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            raise KeyError("user bug")

    with pytest.raises(KeyError):
        train(params, dtrain, dvalid, callbacks=[callback, Failing()])
    failed = trialbook.active_run()
    assert failed is not None
    train(params, dtrain, dvalid, callbacks=[callback])
    assert trialbook.get_run(failed.info.run_id).info.status is RunStatus.FAILED
    assert trialbook.active_run() is None


def test_importing_the_integration_does_not_import_xgboost() -> None:
    code = (
        "import sys, trialbook.integrations.xgboost as x; "
        "assert 'xgboost' not in sys.modules; x.TrialbookCallback; "
        "assert 'xgboost' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
