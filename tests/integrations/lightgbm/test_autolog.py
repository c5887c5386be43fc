"""LightGBM autologging on tiny real trainings: what each call logs."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import trialbook

lightgbm = pytest.importorskip("lightgbm")
pytestmark = pytest.mark.lightgbm

ROUNDS = 12


def only_run(client: trialbook.TrackingClient) -> trialbook.Run:
    runs = trialbook.search_runs(output_format="list")
    assert len(runs) == 1
    return client.get_run(runs[0].info.run_id)


def datasets(classification: tuple[Any, Any]) -> tuple[Any, Any]:
    x, y = classification
    train = lightgbm.Dataset(x[:150], y[:150])
    return train, lightgbm.Dataset(x[150:], y[150:], reference=train)


def test_train_logs_params_and_one_point_per_iteration_of_every_eval_set(
    classification: tuple[Any, Any], params: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    train, valid = datasets(classification)
    trialbook.autolog()
    evals: dict[str, Any] = {}
    lightgbm.train(
        params,
        train,
        ROUNDS,
        valid_sets=[train, valid],
        valid_names=["train", "valid"],
        callbacks=[lightgbm.record_evaluation(evals)],
    )
    run = only_run(client)
    assert run.info.status is trialbook.RunStatus.FINISHED
    assert run.data.params["objective"] == "binary"
    assert run.data.params["num_boost_round"] == str(ROUNDS)
    for dataset in ("train", "valid"):
        history = client.get_metric_history(run.info.run_id, f"{dataset}-binary_logloss")
        assert [p.step for p in history] == list(range(ROUNDS))
        assert [p.value for p in history] == pytest.approx(evals[dataset]["binary_logloss"])


def test_train_logs_feature_importance_and_a_booster_that_reloads(
    classification: tuple[Any, Any], params: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    train, _ = datasets(classification)
    trialbook.autolog()
    booster = lightgbm.train(params, train, ROUNDS)
    run = only_run(client)
    repository = client.artifact_repository(run.info.run_id)
    for kind in ("split", "gain"):
        with repository.open(f"feature_importance_{kind}.json") as handle:
            scores = json.loads(handle.read())
        expected = booster.feature_importance(importance_type=kind)
        assert scores == dict(zip(booster.feature_name(), map(float, expected), strict=True))
    loaded = trialbook.load_model(f"runs:/{run.info.run_id}/model")
    x, _ = classification
    assert isinstance(loaded, lightgbm.Booster)
    assert np.allclose(loaded.predict(x), booster.predict(x))


def test_early_stopping_logs_best_and_stopped_iteration(
    classification: tuple[Any, Any], params: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    train, valid = datasets(classification)
    trialbook.autolog()
    booster = lightgbm.train(
        {**params, "learning_rate": 0.9, "num_leaves": 31},
        train,
        200,
        valid_sets=[valid],
        callbacks=[lightgbm.early_stopping(2, verbose=False)],
    )
    run = only_run(client)
    history = client.get_metric_history(run.info.run_id, "valid_0-binary_logloss")
    assert run.data.metrics["best_iteration"] == booster.best_iteration
    assert booster.best_iteration < run.data.metrics["stopped_iteration"] < 200
    assert [p.step for p in history] == list(range(int(run.data.metrics["stopped_iteration"])))
    best = history[booster.best_iteration - 1].value
    assert best == pytest.approx(booster.best_score["valid_0"]["binary_logloss"])


def test_cv_logs_mean_and_stdv_per_iteration_and_the_table(
    classification: tuple[Any, Any], params: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    x, y = classification
    trialbook.autolog()
    result = lightgbm.cv(params, lightgbm.Dataset(x, y), 5, nfold=3)
    run = only_run(client)
    means = client.get_metric_history(run.info.run_id, "valid-binary_logloss-mean")
    stdvs = client.get_metric_history(run.info.run_id, "valid-binary_logloss-stdv")
    assert [p.value for p in means] == pytest.approx(result["valid binary_logloss-mean"])
    assert [p.value for p in stdvs] == pytest.approx(result["valid binary_logloss-stdv"])
    with client.artifact_repository(run.info.run_id).open("cv_results.csv") as handle:
        rows = handle.read().decode().splitlines()
    assert len(rows) == 1 + len(result["valid binary_logloss-mean"])


@pytest.mark.filterwarnings("ignore:The argument 'eval_set' is deprecated")  # lightgbm>=4.7
def test_classifier_fit_logs_get_params_metrics_and_the_wrapper(
    classification: tuple[Any, Any], client: trialbook.TrackingClient
) -> None:
    x, y = classification
    trialbook.autolog()
    model = lightgbm.LGBMClassifier(n_estimators=ROUNDS, num_leaves=7, verbose=-1)
    model.fit(x[:150], y[:150], eval_set=[(x[150:], y[150:])])
    run = only_run(client)
    expected = {k: str(v) for k, v in model.get_params().items() if v is not None}
    assert expected.items() <= run.data.params.items()
    history = client.get_metric_history(run.info.run_id, "valid_0-binary_logloss")
    assert len(history) == ROUNDS
    loaded = trialbook.load_model(f"runs:/{run.info.run_id}/model")
    assert type(loaded) is lightgbm.LGBMClassifier
    assert np.array_equal(loaded.predict(x), model.predict(x))


def test_wrapper_is_logged_by_lightgbm_alone_even_with_sklearn_autolog(
    classification: tuple[Any, Any], client: trialbook.TrackingClient
) -> None:
    x, y = classification
    trialbook.autolog()  # sklearn's integration too: it must leave LightGBM's wrappers alone
    lightgbm.LGBMRegressor(n_estimators=3, verbose=-1).fit(x, y.astype(float))
    run = only_run(client)
    assert run.data.tags["trialbook.autolog"] == "lightgbm"


def test_callback_alone_logs_into_the_active_run(
    classification: tuple[Any, Any], params: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    from trialbook.integrations.lightgbm import TrialbookCallback

    train, valid = datasets(classification)
    with trialbook.start_run() as run:
        lightgbm.train(params, train, 4, valid_sets=[valid], callbacks=[TrialbookCallback()])
    logged = client.get_run(run.info.run_id)
    assert logged.data.params["objective"] == "binary"
    history = client.get_metric_history(run.info.run_id, "valid_0-binary_logloss")
    assert [p.step for p in history] == [0, 1, 2, 3]


def test_autolog_without_log_models_logs_no_model(
    classification: tuple[Any, Any], params: dict[str, Any], client: trialbook.TrackingClient
) -> None:
    from trialbook.integrations import lightgbm as integration

    train, _ = datasets(classification)
    integration.autolog(log_models=False)
    lightgbm.train(params, train, 3)
    run = only_run(client)
    assert "model" not in {f.path for f in client.list_artifacts(run.info.run_id)}
