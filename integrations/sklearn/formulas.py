"""Training metrics computed directly with numpy for the common case, fast.

``sklearn.metrics`` validates its inputs thoroughly, which costs about a millisecond per call
whatever the data size; autologging computes half a dozen metrics after every ``fit``. For
plain inputs (a 1-D target whose labels are the classifier's sorted ``classes_``, finite
numbers, optional 1-D non-negative ``sample_weight``) these functions compute the same
definitions as scikit-learn in one pass over a confusion matrix; the tests check that they
agree with ``sklearn.metrics`` to rounding. Anything else returns None and the caller uses
``sklearn.metrics`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Encoded:
    """A classification target as indices into the sorted labels, with weights."""

    classes: np.ndarray[Any, Any]
    y: np.ndarray[Any, Any]
    weights: np.ndarray[Any, Any] | None


def encode(classes: Any, y: Any, sample_weight: Any) -> Encoded | None:
    """Encode ``y`` by ``classes``; None unless the inputs are plain."""
    if classes is None or y is None:
        return None
    classes = np.asarray(classes)
    y = np.asarray(y)
    if classes.ndim != 1 or y.ndim != 1 or len(classes) < 2:
        return None
    if _family(classes.dtype.kind) is None or _family(classes.dtype.kind) != _family(y.dtype.kind):
        return None
    try:
        if not bool(np.all(classes[:-1] < classes[1:])):
            return None
        index = _indices(classes, y)
    except TypeError:  # object labels of mixed types
        return None
    plain, weights = _weights(sample_weight, len(y))
    if index is None or not plain:
        return None
    return Encoded(classes, index, weights)


def _family(kind: str) -> str | None:
    """Labels compare within a family: numbers, or strings (and objects, usually strings)."""
    if kind in "iubf":
        return "number"
    if kind in "USO":
        return "text"
    return None


def _indices(classes: np.ndarray[Any, Any], values: Any) -> np.ndarray[Any, Any] | None:
    values = np.asarray(values)
    if values.ndim != 1:
        return None
    index: np.ndarray[Any, Any] = np.searchsorted(classes, values)
    if len(index) and (index.max() >= len(classes) or not np.array_equal(classes[index], values)):
        return None
    return index


def _weights(sample_weight: Any, n: int) -> tuple[bool, np.ndarray[Any, Any] | None]:
    """(whether the weights are plain, the weights as floats or None when absent)."""
    if sample_weight is None:
        return True, None
    weights = np.asarray(sample_weight, dtype=float)
    if weights.shape != (n,) or not np.all(np.isfinite(weights)) or np.any(weights < 0):
        return False, None
    return True, weights


def confusion(encoded: Encoded, y_pred: Any) -> np.ndarray[Any, Any] | None:
    """The confusion matrix (rows: true labels, columns: predicted), weighted if given."""
    try:
        predicted = _indices(encoded.classes, y_pred)
    except TypeError:
        return None
    if predicted is None or len(predicted) != len(encoded.y):
        return None
    k = len(encoded.classes)
    counts = np.bincount(encoded.y * k + predicted, weights=encoded.weights, minlength=k * k)
    return counts.reshape(k, k)


def classification_scores(matrix: np.ndarray[Any, Any]) -> dict[str, float] | None:
    """Accuracy, and weighted precision, recall and F1 (0 where undefined), from a matrix."""
    total = matrix.sum()
    if total <= 0:
        return None
    true_positive = np.diag(matrix).astype(float)
    predicted = matrix.sum(axis=0).astype(float)
    support = matrix.sum(axis=1).astype(float)
    precision = _ratio(true_positive, predicted)
    recall = _ratio(true_positive, support)
    f1 = _ratio(2 * true_positive, predicted + support)
    return {
        "accuracy_score": float(true_positive.sum() / total),
        "precision_score": float(np.average(precision, weights=support)),
        "recall_score": float(np.average(recall, weights=support)),
        "f1_score": float(np.average(f1, weights=support)),
    }


def _ratio(numerator: np.ndarray[Any, Any], denominator: np.ndarray[Any, Any]) -> Any:
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def log_loss(encoded: Encoded, proba: Any) -> float | None:
    """Mean negative log-likelihood of the true class (probabilities clipped to [eps, 1-eps])."""
    proba = _probabilities(encoded, proba)
    if proba is None:
        return None
    eps = np.finfo(proba.dtype).eps
    picked = np.clip(proba[np.arange(len(encoded.y)), encoded.y], eps, 1 - eps)
    return float(np.average(-np.log(picked), weights=encoded.weights))


def roc_auc(encoded: Encoded, proba: Any) -> float | None:
    """ROC AUC: binary on the positive column, else one-vs-rest weighted by prevalence."""
    proba = _probabilities(encoded, proba)
    if proba is None:
        return None
    k = len(encoded.classes)
    if k == 2:
        return _binary_auc(encoded.y == 1, proba[:, 1], encoded.weights)
    if not np.allclose(proba.sum(axis=1), 1.0):
        return None
    scores, prevalence = [], []
    for label in range(k):
        positive = encoded.y == label
        auc = _binary_auc(positive, proba[:, label], encoded.weights)
        if auc is None:
            return None
        scores.append(auc)
        weights = encoded.weights
        prevalence.append(positive.sum() if weights is None else weights[positive].sum())
    return float(np.average(scores, weights=prevalence))


def _probabilities(encoded: Encoded, values: Any) -> np.ndarray[Any, Any] | None:
    proba: np.ndarray[Any, Any] = np.asarray(values)
    expected = (len(encoded.y), len(encoded.classes))
    if proba.shape != expected or proba.dtype.kind != "f" or not np.all(np.isfinite(proba)):
        return None
    if proba.min() < 0 or proba.max() > 1:
        return None
    return proba


def _binary_auc(
    positive: np.ndarray[Any, Any], score: np.ndarray[Any, Any], weights: Any
) -> float | None:
    """Area under the ROC curve, ties counted as in scikit-learn (trapezoids)."""
    order = np.argsort(score, kind="mergesort")[::-1]
    score, positive = score[order], positive[order]
    weight = np.ones(len(score)) if weights is None else weights[order]
    last_of_value = np.r_[np.flatnonzero(np.diff(score)), len(score) - 1]
    true_pos = np.cumsum(positive * weight)[last_of_value]
    false_pos = np.cumsum(~positive * weight)[last_of_value]
    if true_pos[-1] <= 0 or false_pos[-1] <= 0:
        return None
    tpr = np.r_[0.0, true_pos / true_pos[-1]]
    fpr = np.r_[0.0, false_pos / false_pos[-1]]
    return float((np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0).sum())  # the trapezoidal rule


def regression_scores(y: Any, y_pred: Any, sample_weight: Any) -> dict[str, float] | None:
    """MSE, RMSE, MAE and R2 of a single-output regression; None unless plain."""
    y = np.asarray(y)
    y_pred = np.asarray(y_pred)
    if y.ndim != 1 or y_pred.shape != y.shape or len(y) == 0:
        return None
    if y.dtype.kind not in "iuf" or y_pred.dtype.kind not in "iuf":
        return None
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(y_pred))):
        return None
    plain, w = _weights(sample_weight, len(y))
    if not plain:
        return None
    error = y - y_pred
    squared = np.average(error**2, weights=w)
    factor = 1.0 if w is None else w
    numerator = float(np.sum(factor * error**2))
    denominator = float(np.sum(factor * (y - np.average(y, weights=w)) ** 2))
    # scikit-learn's force_finite: a constant target scores 1 when predicted exactly, else 0.
    r2 = (1.0 if numerator == 0 else 0.0) if denominator == 0 else 1.0 - numerator / denominator
    return {
        "mean_squared_error": float(squared),
        "root_mean_squared_error": float(np.sqrt(squared)),
        "mean_absolute_error": float(np.average(np.abs(error), weights=w)),
        "r2_score": r2,
    }
