"""One outermost ``fit``/``fit_transform``/``fit_predict`` call, logged as a run.

Before training: params (``get_params(deep=True)``, see :mod:`.params`) and the tags
``estimator_name`` (``LogisticRegression``) and ``estimator_class``
(``sklearn.linear_model._logistic.LogisticRegression``). After training: training metrics
(:mod:`.metrics`), the training data as a dataset input (by digest, ``log_datasets``),
``training_confusion_matrix.json`` for classifiers
(``{"labels": [...], "matrix": [[...]]}``, rows are true labels), ``estimator.html``
(the estimator's nested structure and changed parameters, see :mod:`.html`), search results (:mod:`.search`), and the fitted estimator as
model ``model`` (``log_models``) with its signature inferred from ``X`` and ``y`` (names and
types of the columns, or dtype and shape; ``log_model_signatures=False`` leaves it out). With
``log_input_examples=True`` the first 5 rows of ``X`` are saved as
``model/input_example.json`` (``{"columns": [...], "data": [[...]]}``; at the run's root when
models are not logged).
"""

from __future__ import annotations

import functools
import inspect
import json
from typing import TYPE_CHECKING, Any

from typing_extensions import override

from trialbook.autolog.examples import input_example
from trialbook.autolog.run import AutologRun
from trialbook.integrations.sklearn import evaluation, search
from trialbook.integrations.sklearn.evaluation import is_number
from trialbook.integrations.sklearn.html import estimator_html
from trialbook.integrations.sklearn.metrics import TrainingData, attempt, training_metrics
from trialbook.integrations.sklearn.params import TRUNCATED_TAG, loggable
from trialbook.integrations.sklearn.policy import SKIPPED_TAG

if TYPE_CHECKING:
    from trialbook.integrations.sklearn.patching import SklearnIntegration

MODEL = "model"
HTML_FILE = "estimator.html"
CONFUSION_FILE = "training_confusion_matrix.json"
FLAVOR = "sklearn"


class FitRun(AutologRun):
    """Logs one outermost training call of a scikit-learn estimator."""

    def __init__(self, integration: SklearnIntegration, method: str) -> None:
        super().__init__(integration)
        self.integration: SklearnIntegration = integration
        self.method = method
        self.estimator: Any = None
        self.data = TrainingData(X=None)
        self._truncated: list[str] = []

    @override
    def before(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if args and self.integration.owned_elsewhere(type(args[0])):
            self.skipped = True  # an inherited scikit-learn method of another framework's class
            return args, kwargs
        return super().before(args, kwargs)

    @override
    def on_start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        self.estimator = estimator = args[0]
        self.data = training_data(self.method, args, kwargs)
        self.training_input, self.training_output = self.data.X, self.data.y
        cls = type(estimator)
        self.set_tags(
            {
                "estimator_name": cls.__name__,
                "estimator_class": f"{cls.__module__}.{cls.__qualname__}",
            }
        )
        params = attempt(estimator.get_params, deep=True)
        if isinstance(params, dict):
            logged, truncated = loggable(params, self.report)
            self.log_params(logged)
            self.note_truncated(truncated)
        self.log_dataset(self.data.X, self.data.y, "training")
        return args, kwargs

    @override
    def on_success(self, result: Any) -> None:
        estimator = self.estimator
        self.data.fit_result = result
        extra = self.config.extra
        run_id = self.require_run()
        if extra.get("log_post_training_metrics", True):
            evaluation.remember_model(estimator, run_id)
            best = getattr(estimator, "best_estimator_", None)
            if best is not None:
                evaluation.remember_model(best, run_id)
        if search.is_search(estimator):
            search.log_search(self, estimator)
        if extra.get("log_training_metrics", True):
            self._log_training_metrics(estimator)
        self.write_artifact(HTML_FILE, estimator_html(estimator).encode("utf-8"))
        if self.config.log_models:
            self.log_model(estimator, MODEL, flavor=FLAVOR)
            best = getattr(estimator, "best_estimator_", None)
            if best is not None and search.is_search(estimator):
                self.log_model(best, search.BEST_ESTIMATOR, flavor=FLAVOR)
        if self.config.log_input_examples:
            self.log_input_example(input_example(self.data.X), MODEL)

    def _log_training_metrics(self, estimator: Any) -> None:
        vouched = self.config.extra.get("pure_estimators", ())
        found = training_metrics(estimator, self.data, tuple(vouched or ()))
        if found.skipped is not None:
            self.set_tags({SKIPPED_TAG: found.skipped})
        values = {k: v for k, v in found.values.items() if is_number(v)}
        if values:
            self.log_metrics(values)
        if found.confusion is not None:
            self.write_artifact(CONFUSION_FILE, json.dumps(found.confusion).encode("utf-8"))

    # Helpers shared with the search module ---------------------------------------------------

    def note_truncated(self, keys: list[str]) -> None:
        """Record params whose values were cut to trialbook's limit in a tag."""
        if keys:
            self._truncated.extend(keys)
            self.set_tags({TRUNCATED_TAG: ",".join(self._truncated)})

    def write_artifact(self, path: str, data: bytes) -> None:
        """Write one artifact file of the run (UTF-8 text).

        Through the client's write path: a write never waits for the run's reproducibility
        capture, which only readers of the run's artifacts must wait for.
        """
        self.log_text(data.decode("utf-8"), path)


@functools.lru_cache(maxsize=1024)
def _signature(method: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(method)
    except (TypeError, ValueError):
        return None


def training_data(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> TrainingData:
    """Find ``X``, ``y`` and ``sample_weight`` in the arguments of a training call."""
    signature = _signature(getattr(type(args[0]), method, None))
    bound: dict[str, Any] | None = None
    if signature is not None:
        try:
            bound = dict(signature.bind(*args, **kwargs).arguments)
        except TypeError:
            bound = None  # a wrong call: fit itself will raise the user's error
    if bound is None or signature is None:
        X = args[1] if len(args) > 1 else kwargs.get("X")
        y = args[2] if len(args) > 2 else kwargs.get("y")
        return TrainingData(X=X, y=y, sample_weight=kwargs.get("sample_weight"), method=method)
    names = [
        name
        for name, parameter in signature.parameters.items()
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    ][1:]
    X = bound.get(names[0]) if names else None
    y = bound.get("y", bound.get("Y"))
    weight = kwargs.get("sample_weight", bound.get("sample_weight"))
    return TrainingData(X=X, y=y, sample_weight=weight, method=method)
