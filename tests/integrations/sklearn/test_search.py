"""Hyper-parameter searches: one parent run with the results, child runs for the best."""

from __future__ import annotations

import io

import numpy as np
import pytest

import trialbook

pytest.importorskip("sklearn")

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

pytestmark = pytest.mark.sklearn

X, Y = make_classification(90, 4, n_informative=3, n_redundant=0, random_state=0)
GRID = {"C": [0.01, 0.1, 1.0], "fit_intercept": [True, False]}


def runs() -> list[trialbook.Run]:
    return list(trialbook.search_runs(output_format="list"))


def parent_and_children(
    client: trialbook.TrackingClient,
) -> tuple[trialbook.Run, list[trialbook.Run]]:
    found = runs()
    parents = [r for r in found if r.info.parent_run_id is None]
    assert len(parents) == 1
    parent = client.get_run(parents[0].info.run_id)
    children = [client.get_run(r.info.run_id) for r in found if r.info.parent_run_id]
    return parent, children


def test_search_parent_run_logs_params_best_params_and_best_score(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog()
    search = GridSearchCV(LogisticRegression(), GRID, cv=3).fit(X, Y)
    parent, _ = parent_and_children(client)
    assert parent.data.tags["estimator_name"] == "GridSearchCV"
    assert parent.data.params["cv"] == "3"
    assert parent.data.params["estimator__C"] == "1.0"
    assert parent.data.params["best_C"] == str(search.best_params_["C"])
    assert parent.data.metrics["best_score"] == pytest.approx(search.best_score_)
    assert "training_accuracy_score" in parent.data.metrics


def test_search_logs_cv_results_and_both_models(client: trialbook.TrackingClient) -> None:
    pd = pytest.importorskip("pandas")
    trialbook.autolog()
    search = GridSearchCV(LogisticRegression(), GRID, cv=3).fit(X, Y)
    parent, _ = parent_and_children(client)
    with client.artifact_repository(parent.info.run_id).open("cv_results.csv") as handle:
        table = pd.read_csv(io.BytesIO(handle.read()))
    assert list(table["rank_test_score"]) == list(search.cv_results_["rank_test_score"])
    best = trialbook.load_model(f"runs:/{parent.info.run_id}/best_estimator")
    assert np.array_equal(best.predict(X), search.best_estimator_.predict(X))
    whole = trialbook.load_model(f"runs:/{parent.info.run_id}/model")
    assert np.array_equal(whole.predict(X), search.predict(X))


def test_child_runs_are_the_best_candidates_by_rank(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False)
    search = GridSearchCV(LogisticRegression(), GRID, cv=3).fit(X, Y)
    parent, children = parent_and_children(client)
    assert len(children) == 5
    assert {c.info.parent_run_id for c in children} == {parent.info.run_id}
    assert all(c.info.status is trialbook.RunStatus.FINISHED for c in children)
    results = search.cv_results_
    best_five = sorted(np.argsort(results["rank_test_score"], kind="stable")[:5])
    logged = sorted(
        next(
            i
            for i, p in enumerate(results["params"])
            if {k: str(v) for k, v in p.items()}.items() <= c.data.params.items()
        )
        for c in children
    )
    assert logged == best_five
    child = children[0]
    index = next(
        i
        for i, p in enumerate(results["params"])
        if {k: str(v) for k, v in p.items()}.items() <= child.data.params.items()
    )
    assert child.data.metrics["mean_test_score"] == pytest.approx(results["mean_test_score"][index])
    assert child.data.metrics["std_test_score"] == pytest.approx(results["std_test_score"][index])


def test_child_runs_carry_every_param_of_their_candidate(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog(log_models=False)
    search = GridSearchCV(LogisticRegression(max_iter=321), GRID, cv=3).fit(X, Y)
    _, children = parent_and_children(client)
    for child in children:
        candidate = next(
            p
            for p in search.cv_results_["params"]
            if str(p["C"]) == child.data.params["C"]
            and str(p["fit_intercept"]) == child.data.params["fit_intercept"]
        )
        expected = LogisticRegression(max_iter=321).set_params(**candidate).get_params()
        assert child.data.params == {k: str(v) for k, v in expected.items()}


def test_pipeline_search_children_carry_the_steps_params(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog(log_models=False, max_tuning_runs=1)
    pipeline = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    search = GridSearchCV(pipeline, {"model__C": [0.1, 1.0]}, cv=3).fit(X, Y)
    _, [child] = parent_and_children(client)
    assert child.data.params["model__C"] == str(search.best_params_["model__C"])
    assert child.data.params["scale__with_mean"] == str(StandardScaler().with_mean)
    assert child.data.params["model__max_iter"] == str(LogisticRegression().max_iter)


def test_max_tuning_runs_limits_the_children(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(max_tuning_runs=2, log_models=False)
    GridSearchCV(LogisticRegression(), GRID, cv=3).fit(X, Y)
    assert len(parent_and_children(client)[1]) == 2


def test_zero_tuning_runs_disables_the_children(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(max_tuning_runs=0, log_models=False)
    GridSearchCV(LogisticRegression(), GRID, cv=3).fit(X, Y)
    assert parent_and_children(client)[1] == []


def test_multi_metric_search_logs_each_scorer(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(max_tuning_runs=1, log_models=False)
    GridSearchCV(LogisticRegression(), GRID, cv=3, scoring=["accuracy", "f1"], refit="f1").fit(X, Y)
    parent, children = parent_and_children(client)
    assert "best_score" in parent.data.metrics
    assert {"mean_test_accuracy", "mean_test_f1", "std_test_f1"} <= children[0].data.metrics.keys()
    assert children[0].data.metrics["rank_test_f1"] == 1


def test_search_with_pipeline_logs_one_parent(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False, max_tuning_runs=0)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    GridSearchCV(pipe, {"clf__C": [0.1, 1.0]}, cv=2).fit(X, Y)
    parent, children = parent_and_children(client)
    assert children == []
    assert parent.data.params["best_clf__C"] in {"0.1", "1.0"}


def test_randomized_search_is_logged(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(log_models=False, max_tuning_runs=3)
    RandomizedSearchCV(
        LogisticRegression(), {"C": [0.01, 0.1, 1.0, 10.0]}, n_iter=3, cv=2, random_state=0
    ).fit(X, Y)
    parent, children = parent_and_children(client)
    assert parent.data.tags["estimator_name"] == "RandomizedSearchCV"
    assert len(children) == 3


def test_halving_search_children_carry_iteration_and_resources(
    client: trialbook.TrackingClient,
) -> None:
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV

    trialbook.autolog(log_models=False, max_tuning_runs=2)
    HalvingGridSearchCV(LogisticRegression(), GRID, cv=2, random_state=0).fit(X, Y)
    _, children = parent_and_children(client)
    assert len(children) == 2
    assert {"iter", "n_resources", "mean_test_score"} <= children[0].data.metrics.keys()


def test_halving_random_search_is_logged(client: trialbook.TrackingClient) -> None:
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    trialbook.autolog(log_models=False, max_tuning_runs=1)
    space = {"C": np.logspace(-3, 2, 20)}
    HalvingRandomSearchCV(LogisticRegression(), space, cv=2, random_state=0).fit(X, Y)
    parent, children = parent_and_children(client)
    assert parent.data.tags["estimator_name"] == "HalvingRandomSearchCV"
    assert len(children) == 1


@pytest.mark.slow
def test_parallel_search_in_processes_logs_only_the_search(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog(log_models=False, max_tuning_runs=0)
    GridSearchCV(LogisticRegression(), GRID, cv=2, n_jobs=2).fit(X, Y)
    assert len(runs()) == 1


def test_parallel_search_in_threads_logs_only_the_search(
    client: trialbook.TrackingClient,
) -> None:
    import joblib

    trialbook.autolog(log_models=False, max_tuning_runs=0)
    with joblib.parallel_backend("threading", n_jobs=2):
        GridSearchCV(LogisticRegression(), GRID, cv=2, n_jobs=2).fit(X, Y)
    assert len(runs()) == 1


def test_search_in_the_users_run_nests_children_under_it(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog(log_models=False, max_tuning_runs=2)
    with trialbook.start_run() as run:
        GridSearchCV(LogisticRegression(), GRID, cv=2).fit(X, Y)
    parent, children = parent_and_children(client)
    assert parent.info.run_id == run.info.run_id
    assert len(children) == 2
