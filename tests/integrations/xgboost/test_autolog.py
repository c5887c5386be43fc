"""trialbook.autolog() with xgboost.train, xgboost.cv and the scikit-learn wrappers."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pytest

import trialbook
from trialbook.autolog.patching import AutologgingWarning
from trialbook.autolog.run import ERROR_TAG
from trialbook.entities import RunStatus
from trialbook.integrations.xgboost import TrialbookCallback
from trialbook.integrations.xgboost.patching import TrainRun

xgboost = pytest.importorskip("xgboost")
pytestmark = pytest.mark.xgboost

ROUNDS = 6


def runs() -> list[trialbook.Run]:
    found: list[trialbook.Run] = trialbook.search_runs(output_format="list")
    return found


def only_run() -> trialbook.Run:
    found = runs()
    assert len(found) == 1
    return found[0]


def test_train_logs_one_run_with_params_arguments_and_metrics(
    params: dict[str, Any], dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    trialbook.autolog()
    xgboost.train(params, dtrain, ROUNDS, evals=[(dvalid, "eval")], verbose_eval=False)
    run = only_run()
    assert run.info.status is RunStatus.FINISHED
    assert run.data.params["max_depth"] == "3"
    assert run.data.params["num_boost_round"] == str(ROUNDS)
    assert run.data.params["early_stopping_rounds"] == "None"
    assert run.data.params["verbose_eval"] == "False"
    assert run.data.params["objective"] == "reg:squarederror"
    assert len(client.get_metric_history(run.info.run_id, "eval-rmse")) == ROUNDS


def test_train_logs_the_booster_and_feature_importance(
    params: dict[str, Any], dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    trialbook.autolog()
    booster = xgboost.train(params, dtrain, ROUNDS, evals=[(dvalid, "eval")], verbose_eval=False)
    run_id = only_run().info.run_id
    files = {f.path for f in client.list_artifacts(run_id)}
    assert {"model", "feature_importance_gain.json", "feature_importance_weight.json"} <= files
    loaded = trialbook.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(loaded.predict(dvalid), booster.predict(dvalid))


def test_train_logs_positional_arguments_and_pairs_of_params(dtrain: Any, dvalid: Any) -> None:
    trialbook.autolog()
    pairs = [("eval_metric", "rmse"), ("eval_metric", "mae"), ("nthread", 1)]
    xgboost.train(pairs, dtrain, 3, evals=[(dvalid, "eval")], verbose_eval=False)
    run = only_run()
    assert run.data.params["eval_metric"] == "rmse,mae"
    assert run.data.params["num_boost_round"] == "3"
    assert {"eval-rmse", "eval-mae"} <= set(run.data.metrics)


def test_functions_passed_to_train_are_logged_by_name(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    def half_error(predt: Any, data: Any) -> tuple[str, float]:
        return "half", 0.5

    trialbook.autolog()
    xgboost.train(
        params, dtrain, 2, evals=[(dvalid, "eval")], custom_metric=half_error, verbose_eval=False
    )
    run = only_run()
    assert run.data.params["custom_metric"].endswith("half_error")
    assert run.data.metrics["eval-half"] == 0.5


def test_train_leaves_the_users_callback_list_unchanged(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    trialbook.autolog()
    callbacks: list[Any] = []
    xgboost.train(params, dtrain, 2, evals=[(dvalid, "eval")], callbacks=callbacks)
    assert callbacks == []


def test_a_users_trialbook_callback_is_not_doubled_by_autolog(
    params: dict[str, Any], dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    trialbook.autolog()
    xgboost.train(
        params, dtrain, ROUNDS, evals=[(dvalid, "eval")], verbose_eval=False,
        callbacks=[TrialbookCallback()],
    )  # fmt: skip
    history = client.get_metric_history(only_run().info.run_id, "eval-rmse")
    assert [m.step for m in history] == list(range(ROUNDS))


def test_train_logs_into_the_users_active_run(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    trialbook.autolog()
    with trialbook.start_run() as run:
        xgboost.train(params, dtrain, 2, evals=[(dvalid, "eval")], verbose_eval=False)
    assert only_run().info.run_id == run.info.run_id
    assert "eval-rmse" in only_run().data.metrics


def test_exclusive_autolog_leaves_the_users_run_alone(
    params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    trialbook.autolog(exclusive=True)
    with trialbook.start_run():
        xgboost.train(params, dtrain, 2, evals=[(dvalid, "eval")], verbose_eval=False)
    run = only_run()
    assert run.data.metrics == {}
    assert run.data.params == {}


def test_log_models_false_logs_no_model(
    params: dict[str, Any], dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    trialbook.autolog(log_models=False)
    xgboost.train(params, dtrain, 2, evals=[(dvalid, "eval")], verbose_eval=False)
    assert "model" not in {f.path for f in client.list_artifacts(only_run().info.run_id)}


def test_feature_importance_can_be_turned_off(
    params: dict[str, Any], dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    trialbook.integrations.xgboost.autolog(log_feature_importance=False)
    xgboost.train(params, dtrain, 2, evals=[(dvalid, "eval")], verbose_eval=False)
    files = {f.path for f in client.list_artifacts(only_run().info.run_id)}
    assert not [f for f in files if f.startswith("feature_importance")]
    assert "model" in files


def test_the_users_exception_propagates_and_fails_the_run(dtrain: Any) -> None:
    error = ValueError("user bug")

    def objective(predt: Any, data: Any) -> Any:
        raise error

    trialbook.autolog()
    with pytest.raises(ValueError) as caught:
        xgboost.train({"nthread": 1}, dtrain, 2, obj=objective)
    assert caught.value is error
    assert only_run().info.status is RunStatus.FAILED


def test_a_call_with_wrong_arguments_raises_only_the_users_type_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIALBOOK_AUTOLOG_STRICT", "0")
    trialbook.autolog()
    with pytest.raises(TypeError, match="dtrain"):
        xgboost.train({"nthread": 1})  # any AutologgingWarning would fail the test


def test_a_logging_failure_in_the_autolog_run_does_not_stop_training(
    params: dict[str, Any], dtrain: Any, dvalid: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = xgboost.train(params, dtrain, 3).predict(dvalid)
    monkeypatch.setenv("TRIALBOOK_AUTOLOG_STRICT", "0")
    trialbook.autolog()

    def broken(self: Any, bound: Any, names: Any) -> set[str]:
        raise RuntimeError("params store is down")

    monkeypatch.setattr(TrainRun, "log_arguments", broken)
    with pytest.warns(AutologgingWarning, match="params store is down"):
        booster = xgboost.train(params, dtrain, 3)
    np.testing.assert_array_equal(booster.predict(dvalid), expected)
    assert "params store is down" in only_run().data.tags[ERROR_TAG]


def test_train_with_a_users_early_stopping_callback_logs_every_evaluated_iteration(
    params: dict[str, Any], dtrain: Any, dvalid: Any, client: trialbook.TrackingClient
) -> None:
    trialbook.autolog()
    stopper = xgboost.callback.EarlyStopping(rounds=2, save_best=True)
    noisy = {**params, "eta": 1.0, "max_depth": 6}
    booster = xgboost.train(
        noisy, dtrain, 200, evals=[(dvalid, "eval")], verbose_eval=False, callbacks=[stopper]
    )
    run_id = only_run().info.run_id
    history = client.get_metric_history(run_id, "eval-rmse")
    assert len(history) == booster.best_iteration + 2 + 1
    loaded = trialbook.load_model(f"runs:/{run_id}/model")
    assert loaded.num_boosted_rounds() == booster.num_boosted_rounds() == booster.best_iteration + 1


def test_cv_logs_mean_and_std_of_every_metric_per_iteration(
    params: dict[str, Any], dtrain: Any, client: trialbook.TrackingClient
) -> None:
    trialbook.autolog()
    xgboost.cv(params, dtrain, ROUNDS, nfold=3, metrics=["rmse", "mae"])
    run_id = only_run().info.run_id
    for dataset in ("train", "test"):
        for metric in ("rmse", "mae"):
            for stat in ("mean", "std"):
                key = f"{dataset}-{metric}-{stat}"
                assert len(client.get_metric_history(run_id, key)) == ROUNDS


def test_cv_logs_the_result_table_as_csv(
    params: dict[str, Any], dtrain: Any, client: trialbook.TrackingClient
) -> None:
    trialbook.autolog()
    result = xgboost.cv(params, dtrain, ROUNDS, nfold=3)
    path = client.download_artifacts(only_run().info.run_id, "cv_results.csv")
    with open(path) as handle:
        logged = pd.read_csv(io.StringIO(handle.read()), index_col="iteration")
    pd.testing.assert_frame_equal(logged, result, check_names=False)


def test_cv_logs_its_arguments(params: dict[str, Any], dtrain: Any) -> None:
    trialbook.autolog()
    xgboost.cv(params, dtrain, 3, nfold=4, metrics="mae", as_pandas=False)
    logged = only_run().data.params
    assert (logged["nfold"], logged["metrics"], logged["num_boost_round"]) == ("4", "mae", "3")


def test_cv_with_early_stopping_logs_the_best_iteration(
    params: dict[str, Any], dtrain: Any
) -> None:
    trialbook.autolog()
    noisy = {**params, "eta": 1.0, "max_depth": 6}
    result = xgboost.cv(noisy, dtrain, 200, nfold=3, early_stopping_rounds=2)
    metrics = only_run().data.metrics
    assert metrics["best_iteration"] == len(result) - 1
    assert metrics["best_test-rmse-mean"] == pytest.approx(result["test-rmse-mean"].iloc[-1])


def test_a_classifier_fit_logs_one_run_with_its_params_and_metrics(
    classification: tuple[Any, Any], client: trialbook.TrackingClient
) -> None:
    x, y = classification
    trialbook.autolog()
    model = xgboost.XGBClassifier(n_estimators=ROUNDS, max_depth=2, n_jobs=1)
    model.fit(x, y, eval_set=[(x, y)], verbose=False)
    run = only_run()
    assert run.data.params["n_estimators"] == str(ROUNDS)
    assert run.data.params["max_depth"] == "2"
    assert run.data.params["learning_rate"] == "0.3"  # None in get_params: the booster's value
    history = client.get_metric_history(run.info.run_id, "validation_0-logloss")
    assert [m.step for m in history] == list(range(ROUNDS))


def test_a_classifier_reloads_as_its_class_predicting_identically(
    classification: tuple[Any, Any],
) -> None:
    x, y = classification
    trialbook.autolog()
    model = xgboost.XGBClassifier(n_estimators=ROUNDS, max_depth=2, n_jobs=1).fit(x, y)
    loaded = trialbook.load_model(f"runs:/{only_run().info.run_id}/model")
    assert type(loaded) is xgboost.XGBClassifier
    assert loaded.get_params()["max_depth"] == 2
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_fit_with_early_stopping_logs_the_best_iteration(
    regression: tuple[Any, Any], client: trialbook.TrackingClient
) -> None:
    x, y = regression
    trialbook.autolog()
    model = xgboost.XGBRegressor(
        n_estimators=200, learning_rate=1.0, max_depth=6, early_stopping_rounds=2, n_jobs=1
    )
    model.fit(x[:150], y[:150], eval_set=[(x[150:], y[150:])], verbose=False)
    run = only_run()
    assert run.data.metrics["best_iteration"] == model.best_iteration
    history = client.get_metric_history(run.info.run_id, "validation_0-rmse")
    assert len(history) == model.best_iteration + 2 + 1
    loaded = trialbook.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


@pytest.mark.parametrize(
    "name", ["XGBRegressor", "XGBClassifier", "XGBRFRegressor", "XGBRFClassifier"]
)
def test_every_wrapper_fit_logs_one_run_with_its_model(
    name: str, classification: tuple[Any, Any], client: trialbook.TrackingClient
) -> None:
    x, y = classification
    trialbook.autolog()
    model = getattr(xgboost, name)(n_estimators=3, n_jobs=1).fit(x, y, eval_set=[(x, y)])
    run = only_run()
    assert run.info.status is RunStatus.FINISHED
    assert any(key.startswith("validation_0-") for key in run.data.metrics)
    loaded = trialbook.load_model(f"runs:/{run.info.run_id}/model")
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_a_ranker_fit_logs_one_run_with_its_model(
    regression: tuple[Any, Any], client: trialbook.TrackingClient
) -> None:
    x, y = regression
    relevance = np.digitize(y, [-1.0, 1.0])
    qid = np.repeat(np.arange(20), 10)
    trialbook.autolog()
    model = xgboost.XGBRanker(n_estimators=3, n_jobs=1, eval_metric="ndcg@5")
    model.fit(x, relevance, qid=qid, eval_set=[(x, relevance)], eval_qid=[qid], verbose=False)
    run = only_run()
    assert len(client.get_metric_history(run.info.run_id, "validation_0-ndcg_at_5")) == 3
    loaded = trialbook.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_fit_leaves_the_users_estimator_params_unchanged(
    classification: tuple[Any, Any],
) -> None:
    x, y = classification
    counter_free: list[Any] = []
    model = xgboost.XGBClassifier(n_estimators=2, n_jobs=1, callbacks=counter_free)
    before = model.get_params()
    trialbook.autolog()
    model.fit(x, y, eval_set=[(x, y)], verbose=False)
    assert model.get_params() == before
    assert model.callbacks is counter_free
    assert counter_free == []


def test_a_users_trialbook_callback_in_a_wrapper_logs_once(
    classification: tuple[Any, Any], client: trialbook.TrackingClient
) -> None:
    x, y = classification
    trialbook.autolog()
    model = xgboost.XGBClassifier(n_estimators=3, n_jobs=1, callbacks=[TrialbookCallback()])
    model.fit(x, y, eval_set=[(x, y)], verbose=False)
    run = only_run()
    history = client.get_metric_history(run.info.run_id, "validation_0-logloss")
    assert [m.step for m in history] == [0, 1, 2]
    assert type(trialbook.load_model(f"runs:/{run.info.run_id}/model")) is xgboost.XGBClassifier


def test_fit_runs_the_users_callbacks(classification: tuple[Any, Any]) -> None:
    x, y = classification
    seen: list[int] = []

    class Recorder(xgboost.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            seen.append(epoch)
            return False

    trialbook.autolog()
    xgboost.XGBClassifier(n_estimators=3, n_jobs=1, callbacks=[Recorder()]).fit(x, y)
    assert seen == [0, 1, 2]


def test_a_classifier_fit_with_every_integration_enabled_creates_one_run(
    classification: tuple[Any, Any],
) -> None:
    pytest.importorskip("sklearn")
    x, y = classification
    trialbook.autolog()
    xgboost.XGBClassifier(n_estimators=2, n_jobs=1).fit(x, y)
    assert only_run().data.tags.get("trialbook.autolog") == "xgboost"


def test_train_outside_a_wrapper_is_unaffected_by_an_earlier_fit(
    classification: tuple[Any, Any], params: dict[str, Any], dtrain: Any, dvalid: Any
) -> None:
    x, y = classification
    trialbook.autolog()
    xgboost.XGBClassifier(n_estimators=2, n_jobs=1).fit(x, y)
    xgboost.train(params, dtrain, 2, evals=[(dvalid, "eval")], verbose_eval=False)
    assert len(runs()) == 2


def read_example(path: str) -> Any:
    import json

    run = only_run()
    with trialbook.TrackingClient().artifact_repository(run.info.run_id).open(path) as handle:
        return json.loads(handle.read())


def test_train_input_example_is_the_first_rows_with_missing_values_and_names(
    params: dict[str, Any],
) -> None:
    x = np.arange(24, dtype=float).reshape(8, 3)
    x[1, 2] = np.nan
    dtrain = xgboost.DMatrix(x, np.arange(8.0), feature_names=["a", "b", "c"])
    trialbook.autolog(log_input_examples=True)

    xgboost.train(params, dtrain, num_boost_round=2)

    example = read_example("model/input_example.json")
    assert example["columns"] == ["a", "b", "c"]
    expected = x[:5].tolist()
    assert np.array_equal(np.array(example["data"]), np.array(expected), equal_nan=True)


def test_a_quantile_dmatrix_trains_without_an_example(
    params: dict[str, Any], regression: tuple[Any, Any]
) -> None:
    x, y = regression
    trialbook.autolog(log_input_examples=True)

    xgboost.train(params, xgboost.QuantileDMatrix(x, y), num_boost_round=2)

    files = {
        f.path for f in trialbook.TrackingClient().list_artifacts(only_run().info.run_id, "model")
    }
    assert "model/input_example.json" not in files


def test_a_wrapper_fit_saves_the_first_rows_of_its_dataframe(
    classification: tuple[Any, Any],
) -> None:
    x, y = classification
    frame = pd.DataFrame(x, columns=["w", "x", "y", "z"])
    trialbook.autolog(log_input_examples=True)

    xgboost.XGBClassifier(n_estimators=2).fit(frame, y)

    example = read_example("model/input_example.json")
    assert example == {"columns": ["w", "x", "y", "z"], "data": x[:5].tolist()}


def test_no_input_example_unless_asked(classification: tuple[Any, Any]) -> None:
    trialbook.autolog()

    xgboost.XGBClassifier(n_estimators=2).fit(*classification)

    files = {
        f.path for f in trialbook.TrackingClient().list_artifacts(only_run().info.run_id, "model")
    }
    assert "model/input_example.json" not in files


def test_the_callback_binding_is_withdrawn_when_training_ends_or_raises(
    params: dict[str, Any], dtrain: Any
) -> None:
    from trialbook.integrations.xgboost.recorder import current_binding

    seen: list[object] = []

    class Peek(xgboost.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            seen.append(current_binding())
            return False

    trialbook.autolog()
    xgboost.train(params, dtrain, 2, callbacks=[Peek()])
    assert current_binding() is None
    with pytest.raises(xgboost.core.XGBoostError):
        xgboost.train({**params, "objective": "no:such"}, dtrain, 2, callbacks=[Peek()])
    assert current_binding() is None
    assert len(seen) == 2
    assert all(binding is not None for binding in seen)  # bound while training ran
