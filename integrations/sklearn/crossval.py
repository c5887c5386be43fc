"""Cross-validation helpers: one run per call, like a search, with the folds as children.

``cross_validate``, ``cross_val_score``, ``cross_val_predict``, ``learning_curve``,
``validation_curve`` and ``permutation_test_score`` fit a clone of the estimator once per fold;
those fits are nested and log nothing of their own. The call logs one run (tag
``cv_function``: the function's name) with the estimator's params and tags (as for ``fit``),
the params ``cv`` and ``scoring``, and the aggregated scores:

* ``cross_validate``: ``mean_<key>`` and ``std_<key>`` of each score and time it returns
  (``mean_test_score``, ``std_fit_time``, ``mean_test_<scorer>``...);
* ``cross_val_score``: ``mean_test_score``, ``std_test_score``;
* ``learning_curve``: ``mean_train_score``/``mean_test_score`` (and ``std_``) with the number
  of training samples as the step;
* ``validation_curve``: the same with the index in ``param_range`` as the step, and the params
  ``param_name`` and ``param_range``;
* ``permutation_test_score``: ``score``, ``pvalue``, ``mean_permutation_score``,
  ``std_permutation_score``;
* ``cross_val_predict``: params only (it returns predictions, not scores).

For ``cross_validate`` and ``cross_val_score``, each fold also becomes a finished child run
(``parent_run_id`` = the call's run) with that fold's scores and times, unless
``log_fold_runs=False``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from typing_extensions import override

from trialbook.autolog import AutologRun
from trialbook.entities import RunStatus
from trialbook.integrations.sklearn.evaluation import is_number
from trialbook.integrations.sklearn.params import TRUNCATED_TAG, loggable, param_text

if TYPE_CHECKING:
    from trialbook.integrations.sklearn.patching import SklearnIntegration

CV_FUNCTIONS = (
    "cross_validate",
    "cross_val_score",
    "cross_val_predict",
    "learning_curve",
    "validation_curve",
    "permutation_test_score",
)
"""``sklearn.model_selection`` functions logged as one run each."""
FUNCTION_TAG = "cv_function"
FOLD_FUNCTIONS = ("cross_validate", "cross_val_score")
"""Functions whose result has one score per fold: those folds become child runs."""


class CrossValidationRun(AutologRun):
    """One outermost call of a cross-validation helper."""

    def __init__(self, integration: SklearnIntegration, function: str) -> None:
        super().__init__(integration)
        self.function = function
        self.arguments: dict[str, Any] = {}

    @override
    def on_start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        import sklearn.model_selection

        function = getattr(sklearn.model_selection, self.function)
        try:
            self.arguments = dict(inspect.signature(function).bind(*args, **kwargs).arguments)
        except TypeError:
            return args, kwargs  # a wrong call: the function raises the user's error itself
        tags = {FUNCTION_TAG: self.function}
        estimator = self.arguments.get("estimator")
        params: dict[str, Any] = {}
        if estimator is not None:
            cls = type(estimator)
            tags.update(
                estimator_name=cls.__name__,
                estimator_class=f"{cls.__module__}.{cls.__qualname__}",
            )
            found = estimator.get_params(deep=True) if hasattr(estimator, "get_params") else {}
            params.update(found if isinstance(found, dict) else {})
        for name in ("cv", "scoring", "param_name", "param_range"):
            if name in self.arguments:
                params[name] = _describe(self.arguments[name])
        self.set_tags(tags)
        logged, truncated = loggable(params, self.report)
        self.log_params(logged)
        if truncated:
            self.set_tags({TRUNCATED_TAG: ",".join(truncated)})
        return args, kwargs

    @override
    def on_success(self, result: Any) -> None:
        if self.function == "cross_validate" and isinstance(result, Mapping):
            folds = {k: v for k, v in result.items() if _is_scores(v)}
            self._log_folds(folds)
        elif self.function == "cross_val_score" and _is_scores(result):
            self._log_folds({"test_score": result})
        elif self.function == "learning_curve" and isinstance(result, tuple):
            sizes, train, test = result[:3]
            self._log_curve(train, test, [int(size) for size in sizes])
        elif self.function == "validation_curve" and isinstance(result, tuple):
            train, test = result[:2]
            self._log_curve(train, test, list(range(len(train))))
        elif self.function == "permutation_test_score" and isinstance(result, tuple):
            score, permutation_scores, pvalue = result
            metrics = {
                "score": score,
                "pvalue": pvalue,
                **_summary("permutation_score", permutation_scores),
            }
            self.log_metrics({k: v for k, v in metrics.items() if is_number(v)})

    def _log_folds(self, folds: dict[str, Any]) -> None:
        import numpy as np

        summary: dict[str, Any] = {}
        for key, values in folds.items():
            summary.update(_summary(key, values))
        self.log_metrics({k: v for k, v in summary.items() if is_number(v)})
        if not self.config.extra.get("log_fold_runs", True) or not folds:
            return
        client = self.client
        parent = self.require_run()
        experiment_id = self.experiment_id or client.get_run(parent).info.experiment_id
        tags = {**self.source_tags(), FUNCTION_TAG: self.function}
        count = min(len(np.asarray(values)) for values in folds.values())
        children = []
        for fold in range(count):
            child = client.create_run(
                experiment_id,
                run_name=f"{self.run_name or self.function}-fold-{fold}",
                tags=tags,
                parent_run_id=parent,
            )
            row = {key: np.asarray(values)[fold] for key, values in folds.items()}
            client.log_batch(
                child.info.run_id,
                metrics={k: float(v) for k, v in row.items() if is_number(v)},
                params={"fold": str(fold)},
            )
            children.append(child.info.run_id)
        for child_id in children:
            client.set_terminated(child_id, RunStatus.FINISHED)

    def _log_curve(self, train: Any, test: Any, steps: list[int]) -> None:
        for step, train_row, test_row in zip(steps, train, test, strict=False):
            metrics = {**_summary("train_score", train_row), **_summary("test_score", test_row)}
            self.log_metrics({k: v for k, v in metrics.items() if is_number(v)}, step=step)


def _is_scores(value: Any) -> bool:
    """A one-dimensional array of numbers (one per fold)."""
    return (
        getattr(value, "ndim", None) == 1
        and getattr(value, "dtype", None) is not None
        and (value.dtype.kind in "iuf")
    )


def _summary(name: str, values: Any) -> dict[str, Any]:
    """``mean_<name>`` and ``std_<name>`` of the finite values, NaN folds left out."""
    import numpy as np

    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    if finite.size == 0:
        return {}
    return {f"mean_{name}": float(finite.mean()), f"std_{name}": float(finite.std())}


def _describe(value: Any) -> str:
    """A ``cv``/``scoring`` argument as a param: scalars as they are, objects by their type."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return str(value)
    if isinstance(value, (list, tuple)) and all(
        isinstance(item, (str, int, float, bool)) for item in value
    ):
        return str(list(value))
    if hasattr(value, "tolist"):
        return str(value.tolist())
    if isinstance(value, Mapping):
        return str(sorted(str(key) for key in value))
    return param_text(value) if inspect.isfunction(value) else f"<{type(value).__name__}>"
