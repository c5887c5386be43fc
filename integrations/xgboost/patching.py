"""Autologging for XGBoost: ``xgboost.train``, ``xgboost.cv`` and the scikit-learn wrappers.

Each patched call is one autologged training call (an
:class:`~trialbook.autolog.run.AutologRun`) that starts or joins a run, logs the call's arguments, and publishes a
:class:`~trialbook.integrations.xgboost.recorder.Binding` so that the training's
``TrialbookCallback`` logs into that run:

* ``train`` and ``cv`` add a callback to a copy of their ``callbacks`` argument (unless the
  user passed one, which then logs into the call's run).
* A wrapper's ``fit`` cannot take callbacks without changing the user's estimator (they are
  a constructor parameter). The wrapper calls ``xgboost.sklearn.train``; that reference is
  patched with a pass-through that, only while a ``fit`` call is bound in the current
  context, adds that call's callback to that call's ``callbacks``. ``fit`` logs
  ``get_params()`` before training and the fitted wrapper as the model afterwards. The inner
  ``train`` is nested in the ``fit`` call, so ``xgboost.train``'s own patch stays silent.

``train`` records ``dtrain`` and the other matrices of ``evals`` (by their names) as the run's
training and evaluation dataset inputs, ``fit`` its ``X``/``y`` and ``eval_set``
(:mod:`~trialbook.integrations.xgboost.datasets`); ``log_datasets=False`` turns that off.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from typing_extensions import override

from trialbook.autolog.calls import bind_call, call_argument, iteration_csv
from trialbook.autolog.examples import INPUT_EXAMPLE_ROWS, input_example
from trialbook.autolog.integration import Integration
from trialbook.autolog.run import AutologRun
from trialbook.integrations.xgboost.datasets import log_fit_datasets, log_train_datasets
from trialbook.integrations.xgboost.names import param_items, safe_params
from trialbook.integrations.xgboost.recorder import (
    BINDING,
    Binding,
    Plan,
    current_binding,
    log_outputs,
)

WRAPPERS = ("XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier", "XGBRFRegressor")
"""The scikit-learn wrappers whose ``fit`` is autologged."""

TRAIN_ARGUMENTS = ("num_boost_round", "early_stopping_rounds", "maximize", "verbose_eval")
CV_ARGUMENTS = (
    "num_boost_round",
    "nfold",
    "stratified",
    "metrics",
    "early_stopping_rounds",
    "maximize",
    "seed",
    "shuffle",
)
FUNCTION_ARGUMENTS = ("obj", "custom_metric", "feval")
"""Arguments logged by the name of the function passed."""


class XGBoostIntegration(Integration):
    """Patches ``xgboost.train``, ``xgboost.cv`` and the wrappers' ``fit``."""

    name = "xgboost"
    module = "xgboost"

    @override
    def _instrument(self) -> None:
        import xgboost
        import xgboost.sklearn

        self.patch(xgboost, "train", lambda: TrainRun(self))
        self.patch(xgboost, "cv", lambda: CvRun(self))
        for name in WRAPPERS:
            wrapper = getattr(xgboost, name, None)
            if isinstance(wrapper, type):
                self.patch(wrapper, "fit", lambda: FitRun(self))
        inner = vars(xgboost.sklearn)["train"]  # the wrappers' own reference to xgboost.train
        self.patches.apply(xgboost.sklearn, "train", _adding_bound_callback(inner))


class XGBoostRun(AutologRun):
    """An autologged XGBoost call; its training's callback logs into this run."""

    def plan(self, **settings: Any) -> Plan:
        """The plan for this call under the integration's settings."""
        return Plan(
            log_models=self.config.log_models,
            log_importance=bool(self.config.extra.get("log_feature_importance", True)),
            **settings,
        )

    def bind(self, plan: Plan, inject: bool = False) -> None:
        """Let this training's callback log into this run, following ``plan``."""
        self.hold(BINDING.bind(Binding(self, plan, inject)))

    def log_arguments(self, bound: inspect.BoundArguments, names: tuple[str, ...]) -> set[str]:
        """Log the booster params and the named arguments; return the keys logged."""
        arguments = bound.arguments
        raw = param_items(arguments.get("params"))
        for name in names:
            raw[name] = call_argument(bound, name)
        for name in FUNCTION_ARGUMENTS:
            if arguments.get(name) is not None:
                raw[name] = arguments[name]
        params = safe_params(raw)
        self.log_params(params)
        return set(params)


class TrainRun(XGBoostRun):
    """``xgboost.train``: params and arguments, the callback's metrics, the returned booster."""

    dtrain: Any = None

    @override
    def on_start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        import xgboost.training

        bound = bind_call(xgboost.training.train, args, kwargs)
        if bound is None:
            return args, kwargs  # the call itself raises the user's TypeError
        logged = self.log_arguments(bound, TRAIN_ARGUMENTS)
        self.bind(self.plan(outputs=False, skip_params=frozenset(logged)))
        bound.arguments["callbacks"] = _with_callback(bound.arguments.get("callbacks"))
        self.dtrain = bound.arguments.get("dtrain")
        if self.config.log_input_examples or self.config.extra.get("log_model_signatures", True):
            self.training_input = dmatrix_head(self.dtrain)
        if self.logs_datasets:
            log_train_datasets(self, self.dtrain, bound.arguments.get("evals"))
        return bound.args, bound.kwargs

    @override
    def on_success(self, result: Any) -> None:
        """Feature importance and the booster ``train`` returned (whatever callbacks did)."""
        plan = self.plan()
        log_outputs(self, plan, result, result)
        if self.training_input is not None:
            self.log_input_example(input_example(self.training_input), plan.model_name)


class CvRun(XGBoostRun):
    """``xgboost.cv``: mean and std of every metric per iteration, and the result table."""

    @override
    def on_start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        import xgboost.training

        bound = bind_call(xgboost.training.cv, args, kwargs)
        if bound is None:
            return args, kwargs  # the call itself raises the user's TypeError
        self.log_arguments(bound, CV_ARGUMENTS)
        self.bind(self.plan(config_params=False, outputs=False, cv=True))
        bound.arguments["callbacks"] = _with_callback(bound.arguments.get("callbacks"))
        return bound.args, bound.kwargs

    @override
    def on_success(self, result: Any) -> None:
        """Save the cross-validation table as ``cv_results.csv``."""
        self.log_text(_csv(result), "cv_results.csv")


class FitRun(XGBoostRun):
    """A scikit-learn wrapper's ``fit``: ``get_params()``, metrics, and the fitted wrapper."""

    estimator: Any = None
    features: Any = None

    @override
    def on_start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        self.estimator = args[0]
        self.features = args[1] if len(args) > 1 else kwargs.get("X")
        self.training_input = self.features
        self.training_output = args[2] if len(args) > 2 else kwargs.get("y")
        params = {k: v for k, v in self.estimator.get_params().items() if v is not None}
        logged = safe_params(params)
        self.log_params(logged)
        if self.logs_datasets:
            targets = args[2] if len(args) > 2 else kwargs.get("y")
            log_fit_datasets(self, self.features, targets, kwargs.get("eval_set"))
        self.bind(self.plan(outputs=False, skip_params=frozenset(logged)), inject=True)
        return args, kwargs

    @override
    def on_success(self, result: Any) -> None:
        """Feature importance of the fitted booster, and the wrapper as the model."""
        plan = self.plan()
        log_outputs(self, plan, self.estimator, self.estimator.get_booster())
        if self.config.log_input_examples:
            self.log_input_example(input_example(self.features), plan.model_name)


def _adding_bound_callback(train: Callable[..., Any]) -> Callable[..., Any]:
    """``train`` that adds the bound ``fit``'s callback, once, to its ``callbacks``."""

    @functools.wraps(train)
    def train_with_callback(*args: Any, **kwargs: Any) -> Any:
        binding = current_binding()
        if binding is not None and binding.inject:
            binding.inject = False
            try:
                bound = bind_call(train, args, kwargs)
                if bound is not None:
                    callbacks = _with_callback(bound.arguments.get("callbacks"))
                    bound.arguments["callbacks"] = callbacks
                    args, kwargs = bound.args, bound.kwargs
            except Exception as err:  # noqa: BLE001 - our own failure: report it, train unchanged
                binding.autolog_run.report(err, "adding the trialbook callback")
        return train(*args, **kwargs)

    # Pickled by the name it replaces (xgboost.sklearn.train): the same function unpickled.
    train_with_callback.__module__ = "xgboost.sklearn"
    return train_with_callback


def _with_callback(callbacks: Any) -> list[Any]:
    """A new list: the user's callbacks, then a ``TrialbookCallback`` unless they have one."""
    from trialbook.integrations.xgboost.callback import TrialbookCallback

    found = list(callbacks or ())
    if not any(isinstance(c, TrialbookCallback) for c in found):
        found.append(TrialbookCallback())
    return found


def _csv(result: Any) -> str:
    """``xgboost.cv``'s result (a DataFrame, or a dict of columns) as CSV, one row per iteration."""
    if hasattr(result, "to_csv"):
        return str(result.to_csv(index_label="iteration"))
    return iteration_csv(result)


def dmatrix_head(dtrain: Any) -> Any:
    """The first rows of a ``DMatrix``, missing values as NaN: a DataFrame with its feature
    names, an array without.

    Only those rows are sliced out; a matrix that cannot be sliced or read back
    (``QuantileDMatrix``) gives None.
    """
    import numpy as np

    try:
        rows = min(INPUT_EXAMPLE_ROWS, int(dtrain.num_row()))
        head = dtrain.slice(list(range(rows))).get_data().tocoo()
        names = dtrain.feature_names
    except Exception:  # noqa: BLE001 - XGBoost's own limits: an example is optional
        return None
    dense = np.full(head.shape, np.nan)
    dense[head.row, head.col] = head.data
    if not names:
        return dense
    import pandas as pd

    return pd.DataFrame(dense, columns=list(names))
