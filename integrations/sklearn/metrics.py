"""Training metrics: the fitted estimator scored on the data it was trained on.

Names (one scheme for the whole project: ``training_`` + the ``sklearn.metrics`` name):

* classifiers: ``training_accuracy_score``, ``training_precision_score``,
  ``training_recall_score``, ``training_f1_score`` (weighted averages), and where
  ``predict_proba`` exists ``training_log_loss`` and ``training_roc_auc`` (binary, or
  one-vs-rest weighted for multiclass);
* regressors: ``training_mean_squared_error``, ``training_root_mean_squared_error``,
  ``training_mean_absolute_error``, ``training_r2_score``;
* clusterers: ``training_silhouette_score`` when there are at most 1,000 samples (it is
  quadratic in the samples: past that it costs more than most fits);
* ``training_score`` when the estimator's ``score`` is scikit-learn's default (the accuracy or
  R2 above), or is a ``Pipeline``'s or a search's (without ``scoring``) that hands over to one
  that is; the estimator's own ``score`` is never called.

Classifier and regressor metrics need predictions on the training data: they are computed
only when :func:`.policy.skip_reason` allows it (cluster labels come from ``fit`` itself).

``sample_weight`` given to ``fit`` is passed to every metric that takes it. The data is passed
as given (never copied or densified). A metric that does not apply (multilabel targets, a
single class, an estimator whose ``predict`` fails) is skipped silently.
"""

from __future__ import annotations

import inspect
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trialbook.integrations.sklearn import formulas

PREFIX = "training_"
MAX_SILHOUETTE_SAMPLES = 1000
MAX_CONFUSION_LABELS = 200
"""Classes up to which the training confusion matrix is saved."""


@dataclass
class TrainingData:
    """What ``fit`` was given."""

    X: Any
    y: Any = None
    sample_weight: Any = None
    fit_result: Any = None
    method: str = "fit"


@dataclass
class TrainingMetrics:
    """The metrics computed, and the confusion matrix of a classifier."""

    values: dict[str, Any] = field(default_factory=dict)
    confusion: dict[str, Any] | None = None
    skipped: str | None = None
    """Why metrics were skipped (see :data:`.policy.SKIPPED_TAG`), or None."""


class _NotApplicable:
    """Returned by :func:`attempt` when scikit-learn or the estimator raised."""


NOT_APPLICABLE = _NotApplicable()


def attempt(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call scikit-learn (or the user's estimator) quietly; any error means "does not apply".

    This is the boundary around third-party calls: metrics legitimately fail on data they do
    not support, and the estimator's own methods may raise anything. Errors in trialbook's
    code outside these calls still reach the autologging error handling (strict mode). The
    warnings such calls emit are not the user's business: they are silenced.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return func(*args, **kwargs)
        except Exception:  # noqa: BLE001 - third-party code: a metric that does not apply
            return NOT_APPLICABLE


def training_metrics(
    estimator: Any, data: TrainingData, vouched: tuple[type, ...] = ()
) -> TrainingMetrics:
    """Compute the training metrics of a fitted estimator, warnings silenced.

    ``vouched``: classes the user declared pure and cheap (see :mod:`.policy`).
    """
    from sklearn.base import is_classifier, is_regressor

    from trialbook.integrations.sklearn.policy import skip_reason

    found = TrainingMetrics()
    if data.X is None:
        return found
    supervised = is_classifier(estimator) or is_regressor(estimator)
    if supervised and data.y is not None:
        found.skipped = skip_reason(estimator, vouched)
        if found.skipped is not None:
            return found
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if is_classifier(estimator) and data.y is not None:
            _classifier_metrics(estimator, data, found)
        elif is_regressor(estimator) and data.y is not None:
            _regressor_metrics(estimator, data, found)
        elif _is_clusterer(estimator):
            _clusterer_metrics(estimator, data, found)
    found.values = {
        f"{PREFIX}{name}": value
        for name, value in found.values.items()
        if value is not NOT_APPLICABLE and value is not None
    }
    return found


def _weights(data: TrainingData) -> dict[str, Any]:
    return {} if data.sample_weight is None else {"sample_weight": data.sample_weight}


def _predictions(estimator: Any, data: TrainingData) -> Any:
    if data.method == "fit_predict" and data.fit_result is not None:
        return data.fit_result
    if not hasattr(estimator, "predict"):
        return NOT_APPLICABLE
    return attempt(estimator.predict, data.X)


def _predicts_by_argmax(estimator: Any) -> bool:
    """Whether ``predict`` is the forests' own: the argmax of ``self.predict_proba``.

    For those the labels are taken from the probabilities already computed (exactly what
    ``predict`` would return) instead of predicting a second time: a forest's prediction pass
    is most of what autologging adds to its ``fit``.
    """
    ensemble = sys.modules.get("sklearn.ensemble")  # not imported: not a forest either
    if ensemble is None:
        return False
    own = getattr(type(estimator), "predict", None)
    forests = (ensemble.RandomForestClassifier, ensemble.ExtraTreesClassifier)
    forest = any(own is forest_class.predict for forest_class in forests)
    return forest and getattr(estimator, "n_outputs_", None) == 1


def _labels_from_proba(estimator: Any, proba: Any) -> Any:
    import numpy as np

    classes = getattr(estimator, "classes_", None)
    if not isinstance(proba, np.ndarray) or proba.ndim != 2 or classes is None:
        return NOT_APPLICABLE
    if proba.shape[1] != len(classes):
        return NOT_APPLICABLE
    return classes.take(np.argmax(proba, axis=1), axis=0)


def _classifier_metrics(estimator: Any, data: TrainingData, found: TrainingMetrics) -> None:
    proba: Any = NOT_APPLICABLE
    if hasattr(estimator, "predict_proba"):
        proba = attempt(estimator.predict_proba, data.X)
    y_pred: Any = NOT_APPLICABLE
    if (
        proba is not NOT_APPLICABLE
        and data.method != "fit_predict"
        and _predicts_by_argmax(estimator)
    ):
        y_pred = _labels_from_proba(estimator, proba)
    if y_pred is NOT_APPLICABLE:
        y_pred = _predictions(estimator, data)
    labels = getattr(estimator, "classes_", None)
    encoded = formulas.encode(labels, data.y, data.sample_weight)
    values = found.values
    if y_pred is not NOT_APPLICABLE:
        matrix = None if encoded is None else formulas.confusion(encoded, y_pred)
        scores = None if matrix is None else formulas.classification_scores(matrix)
        if matrix is None or scores is None:
            _sklearn_classification(data, y_pred, labels, found)
        else:
            values.update(scores)
            found.confusion = {"labels": _plain(labels), "matrix": matrix.tolist()}
        if _default_score(estimator, "ClassifierMixin"):
            values["score"] = values.get("accuracy_score")
    if proba is not NOT_APPLICABLE:
        if encoded is not None:
            values["log_loss"] = formulas.log_loss(encoded, proba)
            values["roc_auc"] = formulas.roc_auc(encoded, proba)
        if values.get("log_loss") is None or values.get("roc_auc") is None:
            _sklearn_probabilistic(data, proba, labels, found)


def _sklearn_classification(
    data: TrainingData, y_pred: Any, labels: Any, found: TrainingMetrics
) -> None:
    """Accuracy, weighted precision/recall/F1 and the confusion matrix by ``sklearn.metrics``."""
    from sklearn import metrics

    y, weights, values = data.y, _weights(data), found.values
    values["accuracy_score"] = attempt(metrics.accuracy_score, y, y_pred, **weights)
    scores = attempt(
        metrics.precision_recall_fscore_support,
        y,
        y_pred,
        average="weighted",
        zero_division=0,
        **weights,
    )
    if scores is not NOT_APPLICABLE:
        precision, recall, f1, _ = scores
        values.update(precision_score=precision, recall_score=recall, f1_score=f1)
    if labels is None or getattr(labels, "ndim", 1) != 1 or len(labels) > MAX_CONFUSION_LABELS:
        return
    matrix = attempt(metrics.confusion_matrix, y, y_pred, labels=labels, **weights)
    if matrix is not NOT_APPLICABLE:
        found.confusion = {"labels": _plain(labels), "matrix": matrix.tolist()}


def _sklearn_probabilistic(
    data: TrainingData, proba: Any, labels: Any, found: TrainingMetrics
) -> None:
    """Log loss and ROC AUC by ``sklearn.metrics`` (inputs the fast path does not take)."""
    from sklearn import metrics

    y, weights, values = data.y, _weights(data), found.values
    by_label = {} if labels is None else {"labels": labels}
    if values.get("log_loss") is None:
        values["log_loss"] = attempt(metrics.log_loss, y, proba, **by_label, **weights)
    if values.get("roc_auc") is None:
        values["roc_auc"] = _roc_auc(y, proba, by_label, weights)


def _roc_auc(y: Any, proba: Any, by_label: dict[str, Any], weights: dict[str, Any]) -> Any:
    from sklearn.metrics import roc_auc_score

    shape: Any = getattr(proba, "shape", ())
    if len(shape) != 2:
        return NOT_APPLICABLE
    if shape[1] == 2:
        return attempt(roc_auc_score, y, proba[:, 1], **weights)
    return attempt(
        roc_auc_score, y, proba, multi_class="ovr", average="weighted", **by_label, **weights
    )


def _plain(labels: Any) -> list[Any]:
    """Labels as JSON values (numpy scalars to Python ones, other objects as text)."""
    items = labels.tolist() if hasattr(labels, "tolist") else list(labels)
    return [item if isinstance(item, (str, int, float, bool)) else str(item) for item in items]


def _regressor_metrics(estimator: Any, data: TrainingData, found: TrainingMetrics) -> None:
    y_pred = _predictions(estimator, data)
    if y_pred is NOT_APPLICABLE:
        return
    values = found.values
    scores = formulas.regression_scores(data.y, y_pred, data.sample_weight)
    if scores is not None:
        values.update(scores)
    else:
        _sklearn_regression(data, y_pred, found)
    if _default_score(estimator, "RegressorMixin"):
        values["score"] = values.get("r2_score")


def _sklearn_regression(data: TrainingData, y_pred: Any, found: TrainingMetrics) -> None:
    """MSE, RMSE, MAE and R2 by ``sklearn.metrics`` (multi-output targets, NaNs...)."""
    from sklearn import metrics

    y, weights, values = data.y, _weights(data), found.values
    values["mean_squared_error"] = attempt(metrics.mean_squared_error, y, y_pred, **weights)
    values["root_mean_squared_error"] = attempt(
        metrics.root_mean_squared_error, y, y_pred, **weights
    )
    values["mean_absolute_error"] = attempt(metrics.mean_absolute_error, y, y_pred, **weights)
    values["r2_score"] = attempt(metrics.r2_score, y, y_pred, **weights)


def _is_clusterer(estimator: Any) -> bool:
    from sklearn.base import ClusterMixin

    return isinstance(estimator, ClusterMixin)


def _clusterer_metrics(estimator: Any, data: TrainingData, found: TrainingMetrics) -> None:
    from sklearn.metrics import silhouette_score

    labels = data.fit_result if data.method == "fit_predict" else None
    if labels is None:
        labels = getattr(estimator, "labels_", None)
    shape = getattr(data.X, "shape", None)
    n_samples = shape[0] if shape else None
    if labels is None or n_samples is None:
        return
    if n_samples > MAX_SILHOUETTE_SAMPLES:
        found.skipped = (
            f"silhouette_score: {n_samples} samples, more than {MAX_SILHOUETTE_SAMPLES} "
            "(its cost grows with the square of the samples)"
        )
        return
    found.values["silhouette_score"] = attempt(silhouette_score, data.X, labels)


def _default_score(estimator: Any, mixin: str) -> bool:
    """Whether ``estimator.score`` is the mixin's (accuracy or R2, already computed).

    A ``Pipeline``'s own ``score`` hands the transformed data to its last step's, and a search's
    without ``scoring`` calls its refitted best estimator's: theirs is the mixin's when that
    step's or estimator's is.
    """
    import sklearn.base
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline

    default = vars(getattr(sklearn.base, mixin)).get("score")
    own = inspect.getattr_static(type(estimator), "score", None)
    # Every search class shares GridSearchCV's ``score`` unless it defines its own.
    if own is not None and own in (
        inspect.getattr_static(Pipeline, "score", None),
        inspect.getattr_static(GridSearchCV, "score", None),
    ):
        return _delegate_scores_by_default(estimator, mixin)
    return default is not None and getattr(type(estimator), "score", None) is default


def _delegate_scores_by_default(estimator: Any, mixin: str) -> bool:
    """Whether a pipeline's last step, or a search's best estimator, scores by the mixin's."""
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        return _default_score(estimator.steps[-1][1], mixin)
    if getattr(estimator, "scoring", None) is not None or not hasattr(estimator, "best_estimator_"):
        return False
    return _default_score(estimator.best_estimator_, mixin)
