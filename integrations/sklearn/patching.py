"""Which scikit-learn classes and functions are patched, and when.

Estimator classes are found without importing all of scikit-learn: the live subclasses of
``BaseEstimator`` are walked once when autologging starts, and classes created later (a
scikit-learn submodule imported afterwards, a user's subclass) are caught by a patched
``__init_subclass__``. For each class, every class of its MRO that defines one of the patched
methods in its own ``__dict__`` is patched (mixins such as ``ClassifierMixin.score`` too), so
an inherited method is patched once, where it is defined. Classes of frameworks with their
own integration (XGBoost, LightGBM) are left to it.

The public metric functions of ``sklearn.metrics`` and the cross-validation helpers of
``sklearn.model_selection`` are patched when their module is imported. They are wrappers made
by scikit-learn's parameter-validation decorator, so they are patched in place (see
:func:`trialbook.autolog.patching.safe_patch`): ``accuracy_score`` stays the very same object
everywhere, imported by name before ``trialbook.autolog()`` or after, held by a scorer or
not, and ``make_scorer(accuracy_score)`` pickles exactly as without autologging.
``joblib.Parallel`` carries an outermost call into its workers (:mod:`.parallel`).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from typing_extensions import override

from trialbook.autolog.integration import Integration
from trialbook.autolog.run import AutologRun

TRAINING_METHODS = ("fit", "fit_transform", "fit_predict")
"""Methods that train: the outermost call logs a run."""
PREDICTION_METHODS = ("predict", "predict_proba", "decision_function")
"""Methods whose results are remembered, so metrics computed on them find the model's run."""
SCORE_METHOD = "score"
"""``model.score(X, y)`` after training is logged into the model's run."""

OWNED_ELSEWHERE = ("xgboost", "lightgbm")
"""Top-level modules whose estimators other integrations log."""

METRIC_FUNCTIONS = (
    "accuracy_score",
    "average_precision_score",
    "balanced_accuracy_score",
    "brier_score_loss",
    "cohen_kappa_score",
    "d2_absolute_error_score",
    "d2_log_loss_score",
    "d2_pinball_score",
    "d2_tweedie_score",
    "explained_variance_score",
    "f1_score",
    "fbeta_score",
    "hamming_loss",
    "hinge_loss",
    "jaccard_score",
    "log_loss",
    "matthews_corrcoef",
    "max_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_gamma_deviance",
    "mean_pinball_loss",
    "mean_poisson_deviance",
    "mean_squared_error",
    "mean_squared_log_error",
    "mean_tweedie_deviance",
    "median_absolute_error",
    "precision_score",
    "r2_score",
    "recall_score",
    "roc_auc_score",
    "root_mean_squared_error",
    "root_mean_squared_log_error",
    "top_k_accuracy_score",
    "zero_one_loss",
)
"""``sklearn.metrics`` functions ``f(y_true, <predictions>, ...)`` logged after training
(those missing from the installed version are skipped)."""

_creating = threading.local()


class SklearnIntegration(Integration):
    """Autologging for scikit-learn estimators, searches and metric functions."""

    name = "sklearn"
    module = "sklearn"

    def __init__(self) -> None:
        super().__init__()
        self._classes: set[type] = set()
        self._foreign: tuple[str, ...] = OWNED_ELSEWHERE
        self._patched_modules: set[str] = set()
        self._hooked_modules: set[str] = set()

    # Instrumenting ---------------------------------------------------------------------------

    @override
    def _instrument(self) -> None:
        from sklearn.base import BaseEstimator, TransformerMixin

        from trialbook.integrations.sklearn.parallel import patch_parallel

        patch_parallel(self)
        self._foreign = self._foreign_modules()
        # TransformerMixin's hook runs outside _SetOutputMixin.__init_subclass__, which wraps
        # ``fit_transform`` after chaining up: patching there keeps its wrapper inside ours.
        for owner in (BaseEstimator, TransformerMixin):
            self.patches.apply(owner, "__init_subclass__", self._subclass_hook(owner))
        self.add_classes(_subclasses(BaseEstimator))
        self._when_imported("sklearn.metrics", self._patch_metrics)
        self._when_imported("sklearn.model_selection", self._patch_cross_validation)

    def _when_imported(self, name: str, patcher: Callable[[Any], None]) -> None:
        """Patch module ``name`` now if it is imported, else when it first is (once)."""
        module = sys.modules.get(name)
        if module is not None:
            self._patch_module(name, module, patcher)
            return
        if name in self._hooked_modules:
            return
        import wrapt

        self._hooked_modules.add(name)

        def on_import(imported: Any) -> None:
            with self._lock:
                if self.instrumented:
                    self._patch_module(name, imported, patcher)

        wrapt.register_post_import_hook(on_import, name)

    def _patch_module(self, name: str, module: Any, patcher: Callable[[Any], None]) -> None:
        if name not in self._patched_modules:
            self._patched_modules.add(name)
            patcher(module)

    @override
    def _uninstrument(self) -> None:
        from trialbook.integrations.sklearn import evaluation

        self._classes.clear()
        self._patched_modules.clear()
        evaluation.forget_all()

    def _foreign_modules(self) -> tuple[str, ...]:
        from trialbook.plugins.manager import integrations

        others = {i.module for i in integrations().values() if i is not self}
        return tuple(sorted(set(OWNED_ELSEWHERE) | others))

    def owned_elsewhere(self, cls: type) -> bool:
        """Whether another integration logs this class (its module is theirs)."""
        module = getattr(cls, "__module__", "") or ""
        top = module.partition(".")[0]
        return top in self._foreign

    # Classes -----------------------------------------------------------------------------------

    def add_classes(self, classes: Iterable[type]) -> None:
        """Patch the training, prediction and score methods each class's MRO defines."""
        with self._lock:
            for cls in classes:
                if self.owned_elsewhere(cls):
                    continue
                for owner in cls.__mro__:
                    if owner in self._classes or owner is object:
                        continue
                    self._classes.add(owner)
                    if not self.owned_elsewhere(owner):
                        self._patch_class(owner)

    def _patch_class(self, owner: type) -> None:
        from trialbook.integrations.sklearn import evaluation
        from trialbook.integrations.sklearn.training import FitRun

        own = vars(owner)
        for method in TRAINING_METHODS:
            if method in own:
                self.patch(owner, method, _factory(FitRun, self, method))
        for method in PREDICTION_METHODS:
            if method in own:
                self.patch(owner, method, _factory(evaluation.PredictionCall, self, method))
        if SCORE_METHOD in own:
            self.patch(owner, SCORE_METHOD, _factory(evaluation.ScoreCall, self, SCORE_METHOD))

    def _subclass_hook(self, owner: Any) -> Any:
        """A classmethod ``__init_subclass__`` for ``owner``: chain up, then patch ``cls``."""
        integration = self

        def __init_subclass__(cls: type[Any], /, **kwargs: Any) -> None:
            pending: set[int] = _creating.__dict__.setdefault("classes", set())
            outermost = id(cls) not in pending
            pending.add(id(cls))
            try:
                super(owner, cls).__init_subclass__(**kwargs)
            finally:
                if outermost:
                    pending.discard(id(cls))
            if outermost and integration.instrumented:
                integration.on_new_class(cls)

        return classmethod(__init_subclass__)

    def on_new_class(self, cls: type) -> None:
        """Patch a class created while autologging is on; our errors never break the class."""
        try:
            self.add_classes([cls])
        except Exception as err:  # noqa: BLE001 - the safety boundary of class creation
            AutologRun(self).report(err, f"patching {cls.__qualname__}")

    # Cross-validation helpers ------------------------------------------------------------------

    def _patch_cross_validation(self, module: Any) -> None:
        """Patch ``sklearn.model_selection``'s cross-validation helpers."""
        from trialbook.integrations.sklearn.crossval import CV_FUNCTIONS, CrossValidationRun

        for name in CV_FUNCTIONS:
            if callable(vars(module).get(name)):
                self.patch(module, name, _factory(CrossValidationRun, self, name))

    # Metric functions --------------------------------------------------------------------------

    def _patch_metrics(self, module: Any) -> None:
        from trialbook.integrations.sklearn.evaluation import MetricCall

        for name in METRIC_FUNCTIONS:
            if callable(vars(module).get(name)):
                self.patch(module, name, _factory(MetricCall, self, name))


def _factory(kind: Any, integration: SklearnIntegration, method: str) -> Any:
    def create() -> Any:
        return kind(integration, method)

    return create


def _subclasses(root: type) -> list[type]:
    """Every live subclass of ``root``, depth first."""
    found: list[type] = []
    seen: set[type] = set()
    stack = [root]
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        found.append(cls)
        stack.extend(type.__subclasses__(cls))
    return found
