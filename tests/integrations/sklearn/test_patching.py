"""Which classes and functions scikit-learn autologging patches, and exactly undoing it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest

import trialbook

sklearn = pytest.importorskip("sklearn")

from sklearn.base import (  # noqa: E402
    BaseEstimator,
    ClassifierMixin,
    OneToOneFeatureMixin,
    TransformerMixin,
)
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.utils import all_estimators  # noqa: E402

pytestmark = pytest.mark.sklearn

TRAINING = ("fit", "fit_transform", "fit_predict")


def estimator_classes() -> list[type]:
    import sklearn.experimental.enable_halving_search_cv  # noqa: F401

    return [cls for _, cls in all_estimators()]


def is_patched(value: Any) -> bool:
    """A wrapper of ours, or a property/descriptor whose function is one."""
    inner = getattr(value, "fget", None) or getattr(value, "__wrapped__", None)
    return bool(
        getattr(value, "__trialbook_patched__", False)
        or getattr(inner, "__trialbook_patched__", False)
    )


def class_dicts(classes: list[type]) -> dict[type, dict[str, Any]]:
    owners = {owner for cls in classes for owner in cls.__mro__ if owner is not object}
    return {owner: dict(vars(owner)) for owner in owners}


def test_every_estimator_defining_a_training_method_is_patched() -> None:
    classes = estimator_classes()
    trialbook.autolog()
    unpatched = [
        f"{cls.__qualname__}.{name}"
        for cls in classes
        for name in TRAINING
        if name in vars(cls) and not is_patched(vars(cls)[name])
    ]
    assert unpatched == []


def test_inherited_methods_are_patched_where_they_are_defined() -> None:
    trialbook.autolog()
    assert "score" not in vars(LogisticRegression)
    assert is_patched(vars(ClassifierMixin)["score"])
    assert is_patched(vars(TransformerMixin)["fit_transform"])


def test_disable_restores_every_class_dict_exactly() -> None:
    classes = estimator_classes()
    before = class_dicts([*classes, BaseEstimator])
    trialbook.autolog()
    trialbook.autolog(disable=True)
    assert class_dicts([*classes, BaseEstimator]) == before


def test_metric_functions_are_patched_in_place_and_restored() -> None:
    import sklearn.metrics

    function = sklearn.metrics.accuracy_score
    before = dict(vars(sklearn.metrics))
    inner = function.__wrapped__
    trialbook.autolog()
    assert sklearn.metrics.accuracy_score is function
    cells = [cell.cell_contents for cell in function.__closure__]
    assert inner not in cells
    assert any(is_patched(content) for content in cells if callable(content))
    trialbook.autolog(disable=True)
    assert dict(vars(sklearn.metrics)) == before
    assert inner in [cell.cell_contents for cell in function.__closure__]


def test_enabling_twice_changes_nothing() -> None:
    trialbook.autolog()
    first = class_dicts([LogisticRegression, Pipeline])
    from trialbook.integrations.sklearn import integration

    count = len(integration.patches.patches)
    trialbook.autolog()
    assert class_dicts([LogisticRegression, Pipeline]) == first
    assert len(integration.patches.patches) == count


def test_subclass_defined_after_autolog_is_patched_and_unpatched() -> None:
    trialbook.autolog()

    class Late(BaseEstimator):
        def fit(self, X: Any, y: Any = None) -> Late:
            return self

    assert is_patched(vars(Late)["fit"])
    original = Late.fit.__wrapped__  # type: ignore[attr-defined]
    trialbook.autolog(disable=True)
    assert vars(Late)["fit"] is original


def test_transformer_defined_during_autolog_keeps_its_set_output_wrapper() -> None:
    trialbook.autolog(log_models=False)  # a class local to a test cannot be pickled

    class Doubler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
        def fit(self, X: Any, y: Any = None) -> Doubler:
            self.n_features_in_ = np.asarray(X).shape[1]
            return self

        def fit_transform(self, X: Any, y: Any = None) -> Any:
            return self.fit(X).transform(X)

        def transform(self, X: Any) -> Any:
            return np.asarray(X) * 2

    assert is_patched(vars(Doubler)["fit_transform"])
    pytest.importorskip("pandas")
    out = Doubler().set_output(transform="pandas").fit_transform(np.ones((2, 2)))
    assert type(out).__name__ == "DataFrame"
    trialbook.autolog(disable=True)
    restored = vars(Doubler)["fit_transform"]
    assert not is_patched(restored)
    again = Doubler().set_output(transform="pandas").fit_transform(np.ones((2, 2)))
    assert type(again).__name__ == "DataFrame"


def test_classes_of_frameworks_with_their_own_integration_are_skipped() -> None:
    trialbook.autolog()

    class Boosted(BaseEstimator):
        __module__ = "xgboost.sklearn"

        def fit(self, X: Any, y: Any = None) -> Boosted:
            return self

    assert not is_patched(vars(Boosted)["fit"])


def test_conditional_methods_keep_answering_hasattr_as_before() -> None:
    from sklearn.svm import SVC

    descriptor_type = type(vars(Pipeline)["predict_proba"])
    trialbook.autolog()
    without_proba = Pipeline([("svc", SVC())])
    with_proba = Pipeline([("clf", LogisticRegression())])
    assert is_patched(vars(Pipeline)["predict_proba"])
    assert type(vars(Pipeline)["predict_proba"]) is descriptor_type
    assert not hasattr(without_proba, "predict_proba")
    assert hasattr(with_proba, "predict_proba")


def test_patched_methods_keep_their_signatures() -> None:
    import inspect

    before = inspect.signature(LogisticRegression.fit)
    trialbook.autolog()
    assert inspect.signature(LogisticRegression.fit) == before


def run_python(code: str, tmp_path: Any) -> str:
    env_code = textwrap.dedent(code)
    result = subprocess.run(
        [sys.executable, "-c", env_code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_sklearn_imported_after_autolog_is_patched_on_first_import(tmp_path: Any) -> None:
    out = run_python(
        """
        import sys
        import trialbook
        trialbook.autolog()
        assert "sklearn" not in sys.modules
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        LogisticRegression().fit(np.eye(4), [0, 1, 0, 1])
        runs = trialbook.search_runs(output_format="list")
        print(len(runs), runs[0].data.tags["estimator_name"])
        """,
        tmp_path,
    )
    assert out.split() == ["1", "LogisticRegression"]


def test_autolog_does_not_import_all_of_sklearn(tmp_path: Any) -> None:
    out = run_python(
        """
        import sys
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        import trialbook
        trialbook.autolog()
        LogisticRegression().fit(np.eye(4), [0, 1, 0, 1])
        print("sklearn.ensemble" in sys.modules, "sklearn.cluster" in sys.modules)
        """,
        tmp_path,
    )
    assert out.split() == ["False", "False"]
