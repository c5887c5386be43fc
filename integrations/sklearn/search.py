"""Hyper-parameter searches: ``GridSearchCV``, ``RandomizedSearchCV`` and the Halving variants.

Any fitted estimator with a ``cv_results_`` attribute is treated as a search. Its run (the
parent) gets, besides what every estimator gets (params of the search itself, training
metrics of the refitted best estimator, the search as model ``model``):

* params ``best_<name>`` for each entry of ``best_params_``;
* metric ``best_score`` (``best_score_``, when the search refits on a named scorer);
* artifact ``cv_results.csv`` (``cv_results_`` as a table);
* model ``best_estimator`` (``best_estimator_``, when the search refits).

And one child run (``parent_run_id`` = the parent) for each of the ``max_tuning_runs``
(default 5; 0 disables) best candidates, by ``rank_test_score`` (multi-metric searches: the
rank of the ``refit`` scorer, else of the first scorer): the candidate's full params (every
``get_params(deep=True)`` entry of the searched estimator with the candidate's values set, as
MLflow logs them), and metrics
from its row of ``cv_results_``: every ``mean_*``, ``std_*`` and ``rank_*`` column
(``mean_test_score``, ``std_test_score``, ``mean_test_<scorer>``, ``mean_fit_time``...) plus
``iter`` and ``n_resources`` for successive halving.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trialbook.autolog.run import SOURCE_TAG
from trialbook.entities import RunStatus
from trialbook.integrations.sklearn.evaluation import is_number
from trialbook.integrations.sklearn.params import loggable

if TYPE_CHECKING:
    from trialbook.integrations.sklearn.training import FitRun

CV_RESULTS_FILE = "cv_results.csv"
BEST_ESTIMATOR = "best_estimator"
_CHILD_COLUMNS = ("mean_", "std_", "rank_")
_HALVING_COLUMNS = ("iter", "n_resources")


def is_search(estimator: Any) -> bool:
    """Whether a fitted estimator is a hyper-parameter search."""
    return isinstance(getattr(estimator, "cv_results_", None), Mapping)


def log_search(run: FitRun, search: Any) -> None:
    """Log the search's results into ``run`` and its best candidates as child runs."""
    best_params = getattr(search, "best_params_", None)
    if isinstance(best_params, Mapping):
        params, truncated = loggable(dict(best_params), run.report, prefix="best_")
        run.log_params(params)
        run.note_truncated(truncated)
    best_score = getattr(search, "best_score_", None)
    if is_number(best_score):
        run.log_metrics({"best_score": best_score})
    results = search.cv_results_
    run.write_artifact(CV_RESULTS_FILE, _results_csv(results).encode("utf-8"))
    limit = run.config.max_tuning_runs
    if limit is not None and limit > 0:
        log_candidates(run, search, results, int(limit))


def _results_csv(results: Mapping[str, Any]) -> str:
    import pandas as pd

    buffer = io.StringIO()
    # One cell per candidate: a column of per-candidate arrays (RFECV's ``support``) is kept
    # as a column of lists.
    columns = {
        name: column if getattr(column, "ndim", 1) == 1 else [list(row) for row in column]
        for name, column in results.items()
    }
    pd.DataFrame(columns).to_csv(buffer, index=False)
    return buffer.getvalue()


def rank_column(search: Any, results: Mapping[str, Any]) -> str | None:
    """The ``rank_test_*`` column that orders the candidates."""
    if "rank_test_score" in results:
        return "rank_test_score"
    refit = getattr(search, "refit", None)
    if isinstance(refit, str) and f"rank_test_{refit}" in results:
        return f"rank_test_{refit}"
    ranks = [name for name in results if name.startswith("rank_test_")]
    return ranks[0] if ranks else None


def log_candidates(run: FitRun, search: Any, results: Mapping[str, Any], limit: int) -> None:
    """One finished child run per best candidate, best first."""
    import numpy as np

    column = rank_column(search, results)
    candidates = results.get("params")
    if column is None or candidates is None:
        return
    order = np.argsort(np.asarray(results[column]), kind="stable")[:limit]
    parent = run.require_run()
    client = run.client
    experiment_id = run.experiment_id or client.get_run(parent).info.experiment_id
    inner = getattr(search, "estimator", None)
    tags = {SOURCE_TAG: run.integration.name}
    if inner is not None:
        cls = type(inner)
        tags.update(
            estimator_name=cls.__name__, estimator_class=f"{cls.__module__}.{cls.__qualname__}"
        )
    children = []
    for index in order:
        child = client.create_run(
            experiment_id,
            run_name=f"{run.run_name or 'search'}-candidate-{int(index)}",
            tags=tags,
            parent_run_id=parent,
        )
        params, _ = loggable(candidate_params(inner, candidates[index]), run.report)
        client.log_batch(
            child.info.run_id, metrics=_row_metrics(results, int(index)), params=params
        )
        children.append(child.info.run_id)
    for child_id in children:
        client.set_terminated(child_id, RunStatus.FINISHED)


def candidate_params(estimator: Any, candidate: Mapping[str, Any]) -> dict[str, Any]:
    """Every param of ``estimator`` once ``candidate``'s are set, read without setting them.

    Nothing is set, cloned or called but ``get_params``: the search owns the candidate's
    values (an estimator in a grid is cloned by the search, not by us) and a user's
    ``set_params`` may count its calls. A step a candidate replaces brings its own params.
    """
    if estimator is None or not hasattr(estimator, "get_params"):
        return dict(candidate)
    try:
        params = dict(estimator.get_params(deep=True))
    except (TypeError, ValueError, AttributeError, RuntimeError):
        return dict(candidate)
    for name, value in candidate.items():
        if "__" in name:
            continue  # A nested param: set with the others below.
        prefix = f"{name}__"  # The params of the step ``name`` held before the candidate's.
        params = {key: v for key, v in params.items() if not key.startswith(prefix)}
        if hasattr(value, "get_params") and not isinstance(value, type):
            try:
                nested = value.get_params(deep=True)
            except (TypeError, ValueError, AttributeError, RuntimeError):
                nested = {}
            params.update({prefix + key: v for key, v in nested.items()})
    params.update(candidate)
    return params


def _row_metrics(results: Mapping[str, Any], index: int) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    for name, column in results.items():
        if not (name.startswith(_CHILD_COLUMNS) or name in _HALVING_COLUMNS):
            continue
        value = column[index]
        if is_number(value) and math.isfinite(float(value)):
            metrics[name] = value
    return metrics
