"""Metrics computed after training, logged into the run of the model they evaluate.

::

    model = LogisticRegression().fit(X_train, y_train)     # run A
    model.score(X_test, y_test)                             # A gets eval_score
    accuracy_score(y_test, model.predict(X_test))           # A gets eval_accuracy_score
    f1_score(y_test, model.predict(X_test), average="macro")   # A gets eval_f1_score

Names: ``eval_score`` for ``score`` calls and ``eval_<function>`` for ``sklearn.metrics``
functions; the second call of the same name for the same run is ``<name>-2``, then ``-3``...
Each metric has a tag ``trialbook.eval.<name>`` describing the call (``f1_score(average='macro')``).
``score(X, y)`` also records ``X`` and ``y`` as the run's ``evaluation`` dataset input.

A prediction is tied to its model by identity, without touching the user's objects: the
estimator's run is remembered in a weak map after ``fit``, and each ``predict``,
``predict_proba`` or ``decision_function`` result of such an estimator in a bounded weak map
(a numpy view of it, ``proba[:, 1]``, is recognised through its ``base``). A metric called on a
copy or a list of the predictions is not logged.
"""

from __future__ import annotations

import numbers
import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from typing_extensions import override

from trialbook.autolog.run import AutologRun

if TYPE_CHECKING:
    from trialbook.integrations.sklearn.patching import SklearnIntegration

PREDICTION_ARGUMENTS = ("y_pred", "y_score", "y_proba", "y_prob", "probas_pred", "pred_decision")
"""Keyword names of the predictions in ``sklearn.metrics`` functions (else the 2nd argument)."""
EVAL_PREFIX = "eval_"
CALL_TAG_PREFIX = "trialbook.eval."
MAX_PREDICTIONS = 256
"""Prediction results remembered at once (the oldest are forgotten first)."""


class IdentityMap:
    """Values keyed by the identity of live objects, without keeping the objects alive."""

    def __init__(self, limit: int | None = None) -> None:
        self._items: OrderedDict[int, tuple[weakref.ref[Any], str]] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def set(self, obj: Any, value: str) -> bool:
        """Remember ``value`` for ``obj``; False if ``obj`` cannot be weakly referenced."""
        key = id(obj)

        def forget(ref: weakref.ref[Any]) -> None:
            with self._lock:
                current = self._items.get(key)
                if current is not None and current[0] is ref:
                    del self._items[key]

        try:
            ref = weakref.ref(obj, forget)
        except TypeError:
            return False
        with self._lock:
            self._items[key] = (ref, value)
            self._items.move_to_end(key)
            if self._limit is not None:
                while len(self._items) > self._limit:
                    self._items.popitem(last=False)
        return True

    def get(self, obj: Any) -> str | None:
        """The value remembered for this very object, or None."""
        item = self._items.get(id(obj))
        if item is None or item[0]() is not obj:
            return None
        return item[1]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()


models = IdentityMap()
"""Fitted estimator -> the run its training was logged into."""
predictions = IdentityMap(MAX_PREDICTIONS)
"""Prediction result -> the run of the estimator that produced it."""

_counts: dict[tuple[str, str], int] = {}
_counts_lock = threading.Lock()


def remember_model(estimator: Any, run_id: str) -> None:
    """Log later evaluations of ``estimator`` into ``run_id``."""
    models.set(estimator, run_id)


def forget_all() -> None:
    """Forget every model and prediction (autologging was disabled)."""
    models.clear()
    predictions.clear()


def run_of_prediction(value: Any) -> str | None:
    """The run of the model that produced ``value`` (or the array ``value`` is a view of)."""
    for _ in range(3):
        if value is None:
            return None
        run_id = predictions.get(value)
        if run_id is not None:
            return run_id
        value = getattr(value, "base", None)
    return None


def metric_key(run_id: str, name: str) -> str:
    """``eval_<name>`` the first time for this run, then ``eval_<name>-2``, ``-3``..."""
    base = f"{EVAL_PREFIX}{name}"
    with _counts_lock:
        count = _counts.get((run_id, base), 0) + 1
        _counts[(run_id, base)] = count
    return base if count == 1 else f"{base}-{count}"


def describe_call(name: str, kwargs: dict[str, Any]) -> str:
    """``f1_score(average='macro')``: the call's scalar keyword arguments."""
    shown = []
    for key, value in kwargs.items():
        if value is None or isinstance(value, (str, bool, numbers.Number)):
            shown.append(f"{key}={value!r}")
        else:
            shown.append(f"{key}=<{type(value).__name__}>")
    return f"{name}({', '.join(shown)})"


def is_number(value: Any) -> bool:
    """A real scalar (numpy scalars and 0-d arrays included), not a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Real):
        return True
    return (
        getattr(value, "ndim", None) == 0
        and getattr(value, "dtype", None) is not None
        and (value.dtype.kind in "iuf")
    )


class _EvaluationCall(AutologRun):
    """A call after training: never starts a run, logs into the model's (even if finished)."""

    def __init__(self, integration: SklearnIntegration, method: str) -> None:
        super().__init__(integration)
        self.method = method
        self.args: tuple[Any, ...] = ()
        self.kwargs: dict[str, Any] = {}

    @property
    def wanted(self) -> bool:
        """Whether post-training metrics are logged at all."""
        return bool(self.config.extra.get("log_post_training_metrics", True)) and len(models) > 0

    @override
    def before(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        self.args, self.kwargs = args, kwargs
        return args, kwargs

    @override
    def failed(self, error: BaseException) -> None:
        """Nothing to log: the error propagates and the model's run is unchanged."""

    def log_evaluation(self, run_id: str, name: str, value: Any, call: str) -> None:
        """Log ``value`` as the next ``eval_<name>`` metric of ``run_id``."""
        self.run_id = run_id
        key = metric_key(run_id, name)
        tracker = self.client.tracker
        tracker.log_metrics(run_id, {key: value})
        tracker.set_tags(run_id, {f"{CALL_TAG_PREFIX}{key}": call})


class PredictionCall(_EvaluationCall):
    """``predict``/``predict_proba``/``decision_function``: remember whose result it is."""

    @override
    def after(self, result: Any) -> None:
        if not self.wanted or not self.args:
            return
        run_id = models.get(self.args[0])
        if run_id is not None:
            predictions.set(result, run_id)


class ScoreCall(_EvaluationCall):
    """``score(X, y)`` of a model trained with autologging: ``eval_score``."""

    @override
    def after(self, result: Any) -> None:
        if not self.wanted or not self.args or not is_number(result):
            return
        estimator = self.args[0]
        run_id = models.get(estimator)
        if run_id is not None:
            call = describe_call(f"{type(estimator).__name__}.score", self.kwargs)
            self.log_evaluation(run_id, "score", result, call)
            if len(self.args) > 1:
                targets = self.args[2] if len(self.args) > 2 else self.kwargs.get("y")
                self.log_dataset(self.args[1], targets, "evaluation")


class MetricCall(_EvaluationCall):
    """``sklearn.metrics.<name>(y_true, predictions)``: ``eval_<name>``."""

    @override
    def after(self, result: Any) -> None:
        if not self.wanted or not is_number(result):
            return
        if len(self.args) > 1:
            predicted = self.args[1]
        else:
            predicted = next(
                (self.kwargs[k] for k in PREDICTION_ARGUMENTS if k in self.kwargs), None
            )
        run_id = run_of_prediction(predicted)
        if run_id is not None:
            scalars = {k: v for k, v in self.kwargs.items() if k not in PREDICTION_ARGUMENTS}
            scalars.pop("y_true", None)
            self.log_evaluation(run_id, self.method, result, describe_call(self.method, scalars))
