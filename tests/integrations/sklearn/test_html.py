"""The estimator's HTML picture: nesting, changed parameters, escaping, odd estimators."""

from __future__ import annotations

import html
import re
import warnings
from typing import Any

import pytest

pytest.importorskip("sklearn")

from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from trialbook.integrations.sklearn.html import estimator_html

pytestmark = pytest.mark.sklearn


def visible_text(page: str) -> str:
    """The page's body text without its folded default parameters, whitespace collapsed."""
    body = page.split("<body>", 1)[1]
    unfolded = re.sub(r"<details>.*?</details>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unfolded)))


def test_pipeline_steps_appear_in_order_with_their_names() -> None:
    pipeline = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    text = visible_text(estimator_html(pipeline))
    assert text.index("scale StandardScaler") < text.index("model LogisticRegression")


def test_changed_parameters_are_shown_and_defaults_folded() -> None:
    page = estimator_html(RandomForestClassifier(n_estimators=7))
    assert "n_estimators 7" in visible_text(page)
    assert "max_depth" not in visible_text(page)
    assert "max_depth" in page


def test_column_transformer_parts_show_their_columns() -> None:
    transformer = ColumnTransformer(
        [("num", StandardScaler(), ["age"]), ("cat", OneHotEncoder(), ["city"])]
    )
    text = visible_text(estimator_html(transformer))
    assert "num: ['age'] StandardScaler" in text
    assert "cat: ['city'] OneHotEncoder" in text


def test_meta_estimator_shows_its_inner_estimator_once() -> None:
    search = GridSearchCV(LogisticRegression(C=3.0), {"C": [1, 2]})
    text = visible_text(estimator_html(search))
    assert "estimator LogisticRegression C 3.0" in text
    assert text.count("LogisticRegression") == 1


def test_parameter_values_are_escaped() -> None:
    page = estimator_html(LogisticRegression(solver="<script>alert(1)</script>"))
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


class Unlistable(BaseEstimator):
    """An estimator whose ``get_params`` fails."""

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        raise RuntimeError("no params today")


def test_estimator_whose_get_params_fails_still_gets_a_box() -> None:
    assert "Unlistable" in visible_text(estimator_html(Unlistable()))


def test_rendering_leaves_the_warnings_filters_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Any) -> None:
        raise AssertionError("catch_warnings entered")

    monkeypatch.setattr(warnings.catch_warnings, "__enter__", refuse)
    pipeline = Pipeline([("scale", StandardScaler()), ("model", RandomForestClassifier())])
    assert "RandomForestClassifier" in estimator_html(pipeline)
