"""What one XGBoost training logs; shared by ``TrialbookCallback`` and autolog.

A :class:`Recorder` logs into the run of an :class:`~trialbook.autolog.run.AutologRun`
(its *sink*, which also reports trialbook's own errors): the booster's params before
training, every evaluation metric after each iteration, and at the end the early-stopping
results, feature importance and the model. Autologged calls publish a :class:`Binding` in a
context variable so the callback logs into their run with their :class:`Plan`.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trialbook.autolog.calls import ContextBinding
from trialbook.errors import ParamConflictError
from trialbook.integrations.xgboost.names import flatten_config, metric_key, safe_params

if TYPE_CHECKING:
    from trialbook.autolog.run import AutologRun

IMPORTANCE_TYPES = ("weight", "gain", "cover", "total_gain", "total_cover")
"""Every ``Booster.get_score`` importance type, each saved as ``feature_importance_<type>.json``."""


@dataclass(frozen=True)
class Plan:
    """What to log for one training.

    Attributes:
        config_params: Log the booster's params from ``save_config()`` before training.
        outputs: Log feature importance and the model in ``after_training`` (autolog's
            sessions log them afterwards instead: the booster ``train`` returned, the fitted
            scikit-learn wrapper).
        cv: The training is ``xgboost.cv``: scores are (mean, std) pairs.
        log_models: Log the model.
        log_importance: Log feature importance.
        model_name: The model's artifact folder.
        skip_params: Param keys already logged (the user's explicit values win).
    """

    config_params: bool = True
    outputs: bool = True
    cv: bool = False
    log_models: bool = True
    log_importance: bool = True
    model_name: str = "model"
    skip_params: frozenset[str] = frozenset()


@dataclass
class Binding:
    """The autologged call whose run the callbacks of the current training log into."""

    autolog_run: AutologRun
    plan: Plan
    inject: bool = False
    """Whether the wrapper's inner ``train`` call still needs a callback added."""


BINDING: ContextBinding[Binding] = ContextBinding("trialbook_xgboost_binding")
"""The binding of the XGBoost training running in this context."""


def current_binding() -> Binding | None:
    """The binding of the training running in this context, if any."""
    return BINDING.current()


@dataclass
class Recorder:
    """Logs one training into ``sink``'s run."""

    sink: AutologRun
    plan: Plan
    failed: bool = False
    """Set after an error in per-iteration logging: later iterations are not logged."""
    _start_round: int = field(default=0, init=False)
    _initial_best: str | None = field(default=None, init=False)
    _first_epoch: int | None = field(default=None, init=False)
    _logged: int = field(default=0, init=False)
    """Iterations logged so far (index into the history of the next one)."""
    _history: Mapping[str, Mapping[str, Sequence[Any]]] = field(default_factory=dict, init=False)
    _columns: list[tuple[str, Sequence[Any], int]] = field(default_factory=list, init=False)
    _columns_of: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._run_id = self.sink.require_run()
        self._tracker = self.sink.client.tracker

    def begin(self, model: Any) -> None:
        """Before training: remember where training starts; log the booster's params."""
        self._start_round = model.num_boosted_rounds()
        self._initial_best = model.attr("best_iteration")
        if self.plan.config_params and not self.plan.cv:
            params = safe_params(_config_params(model.save_config()), skip=self.plan.skip_params)
            try:
                self._tracker.log_params(self._run_id, params)
            except ParamConflictError:  # the run has some of them: log the others, report
                self.sink.log_params(params)

    def watch(self, epoch: int, evals_log: Mapping[str, Mapping[str, Sequence[Any]]]) -> None:
        """Before an iteration: keep XGBoost's evaluation history (updated in place)."""
        if self._first_epoch is None:
            self._first_epoch = epoch
        self._history = evals_log

    def iteration(self, epoch: int, evals_log: Mapping[str, Mapping[str, Sequence[Any]]]) -> None:
        """After an iteration: the latest score of every metric of every eval set."""
        if self._first_epoch is None:
            self._first_epoch = epoch
        self._history = evals_log
        self._log_scores(epoch, -1)
        self._logged += 1

    def _log_scores(self, epoch: int, index: int) -> None:
        columns = self._columns
        if not columns or self._columns_of is not self._history:
            columns = self._columns = self._find_columns()
            self._columns_of = self._history
        log = self._tracker.log_metric
        run_id = self._run_id
        timestamp = int(time.time() * 1000)
        for key, scores, part in columns:
            value = scores[index]
            log(run_id, key, value if part < 0 else value[part], epoch, timestamp)

    def _find_columns(self) -> list[tuple[str, Sequence[Any], int]]:
        """(key, the history's own list of scores, part) per series; ``cv`` has (mean, std)."""
        columns: list[tuple[str, Sequence[Any], int]] = []
        for dataset, metrics in self._history.items():
            for metric, scores in metrics.items():
                if self.plan.cv:
                    columns.append((metric_key(dataset, metric, "mean"), scores, 0))
                    columns.append((metric_key(dataset, metric, "std"), scores, 1))
                else:
                    columns.append((metric_key(dataset, metric), scores, -1))
        return columns

    def catch_up(self) -> None:
        """Log iterations this callback was not called for.

        XGBoost stops calling ``after_iteration`` callbacks once one asks to stop (an
        ``EarlyStopping`` before ours; xgboost 2 even calls them in arbitrary order), so the
        last scores may be in the history without having been logged.
        """
        if self.failed or self._first_epoch is None:
            return
        evaluated = max((len(s) for m in self._history.values() for s in m.values()), default=0)
        for index in range(self._logged, evaluated):
            self._log_scores(self._first_epoch + index, index)
        self._logged = max(self._logged, evaluated)

    def end(self, model: Any) -> None:
        """After training: missed iterations, early-stopping results, importance and model."""
        self.catch_up()
        self.log_best(model)
        if self.plan.outputs:
            log_outputs(self.sink, self.plan, model, model)

    def log_best(self, model: Any) -> None:
        """``best_iteration``, ``best_score`` and every metric at the best iteration.

        Read from the booster's attributes, so early stopping from the argument and from an
        ``EarlyStopping`` callback both count; nothing is logged without early stopping.
        """
        best = model.attr("best_iteration")
        if best is None or best == self._initial_best:
            return
        step = int(best)
        metrics: dict[str, float] = {"best_iteration": step}
        score = _first_number(model.attr("best_score"))
        if score is not None:
            metrics["best_score"] = score
        index = step - self._start_round
        for dataset, series in self._history.items():
            for metric, scores in series.items():
                if not 0 <= index < len(scores):
                    continue
                value = scores[index]
                if self.plan.cv:
                    metrics["best_" + metric_key(dataset, metric, "mean")] = value[0]
                    metrics["best_" + metric_key(dataset, metric, "std")] = value[1]
                else:
                    metrics["best_" + metric_key(dataset, metric)] = value
        self.sink.log_metrics(metrics, step=step)


@functools.lru_cache(maxsize=32)
def _config_params(config: str) -> dict[str, str]:
    """The params in a ``save_config()`` text (cached: repeated trainings share configs)."""
    return flatten_config(json.loads(config))


_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _first_number(text: str | None) -> float | None:
    """``best_score`` as a float; xgboost 2's ``cv`` stores a (mean, std) tuple's text."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        found = _NUMBER.search(text)
        return float(found.group()) if found else None


def feature_importance(booster: Any) -> dict[str, dict[str, Any]]:
    """``{importance_type: {feature: score}}``, highest first; types the booster lacks are left out.

    ``gblinear`` boosters only define ``weight`` (their coefficients).
    """
    from xgboost.core import XGBoostError

    found: dict[str, dict[str, Any]] = {}
    for kind in IMPORTANCE_TYPES:
        try:
            scores = booster.get_score(importance_type=kind)
        except XGBoostError:
            if kind == "weight":
                raise
            continue
        found[kind] = dict(sorted(scores.items(), key=_score_order))
    return found


def _score_order(item: tuple[str, Any]) -> float:
    value = item[1]
    return -float(value) if isinstance(value, (int, float)) else 0.0


def log_outputs(sink: AutologRun, plan: Plan, model: Any, booster: Any) -> None:
    """Feature importance of ``booster`` as JSON artifacts, then ``model`` (xgboost flavor)."""
    if plan.log_importance:
        for kind, scores in feature_importance(booster).items():
            sink.log_dict(scores, f"feature_importance_{kind}.json")
    if plan.log_models:
        sink.log_model(model, plan.model_name, flavor="xgboost")
