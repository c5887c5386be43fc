"""The fast training-metric formulas agree with ``sklearn.metrics``, and refuse odd inputs."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("sklearn")

from sklearn import metrics

from trialbook.integrations.sklearn import formulas

pytestmark = pytest.mark.sklearn


@st.composite
def classification(draw: Any) -> dict[str, Any]:
    """Labels covering every class, predictions, probabilities with ties, maybe weights."""
    k = draw(st.integers(2, 4))
    n = draw(st.integers(k, 40))
    text = draw(st.booleans())
    classes = np.array(["ant", "bee", "cat", "dog"][:k] if text else [0, 3, 5, 9][:k])
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    y = classes[np.r_[np.arange(k), rng.randint(0, k, n - k)]]
    y_pred = classes[rng.randint(0, k, n)]
    proba = rng.randint(1, 5, size=(n, k)).astype(float)
    proba /= proba.sum(axis=1, keepdims=True)
    weights = rng.rand(n) + 0.01 if draw(st.booleans()) else None
    return {"classes": classes, "y": y, "y_pred": y_pred, "proba": proba, "weights": weights}


@settings(max_examples=60, deadline=None)
@given(classification())
def test_classification_formulas_match_sklearn(case: dict[str, Any]) -> None:
    classes, y, y_pred, proba, w = (case[k] for k in ("classes", "y", "y_pred", "proba", "weights"))
    encoded = formulas.encode(classes, y, w)
    assert encoded is not None
    matrix = formulas.confusion(encoded, y_pred)
    assert matrix is not None
    scores = formulas.classification_scores(matrix)
    assert scores is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        precision, recall, f1, _ = metrics.precision_recall_fscore_support(
            y, y_pred, average="weighted", zero_division=0, sample_weight=w
        )
        auc = (
            metrics.roc_auc_score(y, proba[:, 1], sample_weight=w)
            if len(classes) == 2
            else metrics.roc_auc_score(
                y, proba, multi_class="ovr", average="weighted", labels=classes, sample_weight=w
            )
        )
        expected = {
            "accuracy_score": metrics.accuracy_score(y, y_pred, sample_weight=w),
            "precision_score": precision,
            "recall_score": recall,
            "f1_score": f1,
            "log_loss": metrics.log_loss(y, proba, labels=classes, sample_weight=w),
            "roc_auc": auc,
        }
    assert np.array_equal(
        matrix, metrics.confusion_matrix(y, y_pred, labels=classes, sample_weight=w)
    )
    scores["log_loss"] = formulas.log_loss(encoded, proba)  # type: ignore[assignment]
    scores["roc_auc"] = formulas.roc_auc(encoded, proba)  # type: ignore[assignment]
    assert scores == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 40),
    st.integers(0, 2**31 - 1),
    st.booleans(),
    st.booleans(),
)
def test_regression_formulas_match_sklearn(
    n: int, seed: int, weighted: bool, constant: bool
) -> None:
    rng = np.random.RandomState(seed)
    y = np.full(n, 2.5) if constant else rng.randn(n)
    y_pred = y + rng.randn(n) * 0.5
    w = rng.rand(n) + 0.01 if weighted else None
    scores = formulas.regression_scores(y, y_pred, w)
    expected = {
        "mean_squared_error": metrics.mean_squared_error(y, y_pred, sample_weight=w),
        "root_mean_squared_error": metrics.root_mean_squared_error(y, y_pred, sample_weight=w),
        "mean_absolute_error": metrics.mean_absolute_error(y, y_pred, sample_weight=w),
        "r2_score": metrics.r2_score(y, y_pred, sample_weight=w),
    }
    assert scores == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("classes", "y"),
    [
        pytest.param([0, 1], [[0, 1], [1, 0]], id="multilabel"),
        pytest.param([0, 1], [0, 2], id="unknown label"),
        pytest.param([1, 0], [0, 1], id="unsorted classes"),
        pytest.param([0.0, np.nan], [0.0, np.nan], id="nan label"),
        pytest.param(["a", "b"], [0, 1], id="numbers against text"),
        pytest.param([0], [0, 0], id="one class"),
    ],
)
def test_odd_targets_are_left_to_sklearn(classes: Any, y: Any) -> None:
    assert formulas.encode(classes, y, None) is None


def test_odd_weights_are_left_to_sklearn() -> None:
    assert formulas.encode([0, 1], [0, 1], [1.0, -1.0]) is None
    assert formulas.encode([0, 1], [0, 1], [1.0]) is None


def test_multi_output_regression_is_left_to_sklearn() -> None:
    y = np.ones((4, 2))
    assert formulas.regression_scores(y, y, None) is None


def test_probabilities_of_the_wrong_shape_are_left_to_sklearn() -> None:
    encoded = formulas.encode([0, 1, 2], [0, 1, 2], None)
    assert encoded is not None
    assert formulas.log_loss(encoded, np.full((3, 2), 0.5)) is None
    assert formulas.roc_auc(encoded, np.full((3, 3), 0.5)) is None
