"""Autologging for LightGBM: ``lightgbm.train``, ``lightgbm.cv`` and the scikit-learn wrappers.

Each patched call is one autolog session (:class:`~trialbook.autolog.run.AutologRun`) that
starts or joins a run, logs the call's params, adds a
:class:`~trialbook.integrations.lightgbm.callback.TrialbookCallback` to a copy of the call's
``callbacks`` (unless the user passed one) and publishes a
:class:`~trialbook.integrations.lightgbm.callback.Binding` so that it logs into the session's
run. After training the session logs the early-stopping results, feature importance
(``feature_importance_split.json``, ``feature_importance_gain.json``) and the model. The
wrappers' ``fit`` takes ``callbacks`` itself, so no inner function is patched; the
``lightgbm.train`` the wrappers call is their module's own reference, left alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from typing_extensions import override

from trialbook.autolog.calls import bind_call, call_argument, iteration_csv
from trialbook.autolog.examples import input_example
from trialbook.autolog.integration import Integration
from trialbook.autolog.run import AutologRun
from trialbook.integrations.lightgbm.callback import (
    BINDING,
    Binding,
    TrialbookCallback,
    safe_params,
)

WRAPPERS = ("LGBMModel", "LGBMClassifier", "LGBMRegressor", "LGBMRanker")
"""The scikit-learn wrappers whose ``fit`` is autologged (the outermost ``fit`` logs)."""

TRAIN_ARGUMENTS = ("num_boost_round", "valid_names", "init_model", "feval")
CV_ARGUMENTS = ("num_boost_round", "nfold", "stratified", "shuffle", "metrics", "seed", "feval")
IMPORTANCE_TYPES = ("split", "gain")
"""``Booster.feature_importance`` types, each saved as ``feature_importance_<type>.json``."""


class LightGBMIntegration(Integration):
    """Patches ``lightgbm.train``, ``lightgbm.cv`` and the wrappers' ``fit``."""

    name = "lightgbm"
    module = "lightgbm"

    @override
    def _instrument(self) -> None:
        import lightgbm

        self.patch(lightgbm, "train", lambda: TrainRun(self))
        self.patch(lightgbm, "cv", lambda: CvRun(self))
        for name in WRAPPERS:
            wrapper = getattr(lightgbm, name, None)
            if isinstance(wrapper, type) and "fit" in vars(wrapper):
                self.patch(wrapper, "fit", lambda: FitRun(self))


class LightGBMRun(AutologRun):
    """An autologged LightGBM call; its training's callback logs into this run."""

    binding: Binding | None = None

    def bind_callback(
        self,
        function: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        binding: Binding,
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Publish ``binding`` and return the call's arguments with our callback added."""
        bound = bind_call(function, args, kwargs)
        if bound is None:
            return args, kwargs  # the call itself raises the user's TypeError
        self.binding = binding
        self.hold(BINDING.bind(binding))
        callbacks = list(bound.arguments.get("callbacks") or ())
        if not any(isinstance(c, TrialbookCallback) for c in callbacks):
            callbacks.append(TrialbookCallback())
        bound.arguments["callbacks"] = callbacks
        return bound.args, bound.kwargs

    def log_arguments(
        self, bound: inspect.BoundArguments | None, names: tuple[str, ...]
    ) -> set[str]:
        """Log the ``params`` dict and the named arguments; return the keys logged."""
        if bound is None:
            return set()
        raw: dict[str, Any] = dict(bound.arguments.get("params") or {})
        for name in names:
            value = call_argument(bound, name)
            if value is not None:
                raw[name] = value
        params = safe_params(raw)
        self.log_params(params)
        return set(params)

    def log_outputs(self, model: Any, booster: Any) -> None:
        """Early-stopping results, feature importance of ``booster``, and ``model``."""
        best = int(booster.best_iteration or 0)
        if best > 0:
            stopped = self.binding.iterations if self.binding else booster.current_iteration()
            self.log_metrics({"best_iteration": best, "stopped_iteration": stopped})
        if self.config.extra.get("log_feature_importance", True):
            for kind, scores in feature_importance(booster).items():
                self.log_dict(scores, f"feature_importance_{kind}.json")
        self.log_model(model, "model", flavor="lightgbm")


class TrainRun(LightGBMRun):
    """``lightgbm.train``: params and arguments, per-iteration metrics, the booster."""

    train_set: Any = None

    @override
    def on_start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        import lightgbm.engine

        bound = bind_call(lightgbm.engine.train, args, kwargs)
        logged = self.log_arguments(bound, TRAIN_ARGUMENTS)
        binding = Binding(self, skip_params=frozenset(logged))
        return self.bind_callback(lightgbm.engine.train, args, kwargs, binding)

    @override
    def on_success(self, result: Any) -> None:
        """Early stopping, feature importance and the booster ``train`` returned."""
        self.log_outputs(result, result)


class CvRun(LightGBMRun):
    """``lightgbm.cv``: mean and standard deviation of every metric per iteration."""

    @override
    def on_start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        import lightgbm.engine

        bound = bind_call(lightgbm.engine.cv, args, kwargs)
        logged = self.log_arguments(bound, CV_ARGUMENTS)
        binding = Binding(self, skip_params=frozenset(logged))
        return self.bind_callback(lightgbm.engine.cv, args, kwargs, binding)

    @override
    def on_success(self, result: Any) -> None:
        """Save the cross-validation table as ``cv_results.csv``."""
        if isinstance(result, Mapping):
            columns = {k: v for k, v in result.items() if isinstance(v, list)}
            self.log_text(iteration_csv(columns), "cv_results.csv")


class FitRun(LightGBMRun):
    """A scikit-learn wrapper's ``fit``: ``get_params()``, metrics, and the fitted wrapper."""

    estimator: Any = None
    features: Any = None

    @override
    def on_start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        self.estimator = args[0]
        self.features = args[1] if len(args) > 1 else kwargs.get("X")
        params = {k: v for k, v in self.estimator.get_params().items() if v is not None}
        self.log_params(safe_params(params))
        fit = type(self.estimator).fit
        original = getattr(fit, "__wrapped__", fit)
        binding = Binding(self, log_params=False)
        return self.bind_callback(original, args, kwargs, binding)

    @override
    def on_success(self, result: Any) -> None:
        """Feature importance of the fitted booster, and the wrapper as the model."""
        self.log_outputs(self.estimator, self.estimator.booster_)
        if self.config.log_input_examples:
            self.log_input_example(input_example(self.features), "model")


def feature_importance(booster: Any) -> dict[str, dict[str, float]]:
    """``{importance_type: {feature: score}}``, highest first."""
    names = booster.feature_name()
    found: dict[str, dict[str, float]] = {}
    for kind in IMPORTANCE_TYPES:
        scores = booster.feature_importance(importance_type=kind)
        pairs = sorted(zip(names, (float(s) for s in scores), strict=True), key=lambda p: -p[1])
        found[kind] = dict(pairs)
    return found
