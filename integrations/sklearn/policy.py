"""When autologging may call a fitted estimator to compute its training metrics.

The rule: logging never changes what the user observes. Computing ``training_*`` metrics
means calling ``predict``/``predict_proba`` on the training data after ``fit``, so those
calls are made only when all of these hold:

* the estimator is a scikit-learn class from a family whose predictions are known pure and
  cheap: they draw no random numbers (neither the estimator's ``random_state`` nor NumPy's
  global one) and cost at most about as much as the fit (:data:`KNOWN_PURE`), or a class the
  user vouches for with the setting ``pure_estimators=(MyModel, ...)``; a subclass of the
  user's is not known (its ``predict`` may do anything). Every estimator nested in it
  (pipeline steps, a search's best estimator, a stacking's members) must be one too.
  Nearest neighbours, kernel density, dummy estimators and most decompositions are not:
  predicting on the training data is quadratic there, or random;
* no parameter, at any depth, is a callable (a scorer, a metric, a function): it would be
  called by the extra prediction;
* no method was replaced on the instance itself (``est._raw_predict = Mock(...)``);
* scikit-learn's metadata routing is off: with it on, a method may request metadata that
  autologging cannot pass on.

Otherwise the metrics that need predictions are skipped and the tag
``trialbook.autolog.skipped_training_metrics`` says why. The estimator's own ``score`` is
never called (it may run a user's scorer): ``training_score`` is logged only when ``score``
is scikit-learn's default (accuracy or R2, already computed).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

SKIPPED_TAG = "trialbook.autolog.skipped_training_metrics"

KNOWN_PURE = (
    "sklearn.calibration.",
    "sklearn.compose.",
    "sklearn.cross_decomposition.",
    "sklearn.discriminant_analysis.",
    "sklearn.ensemble.",
    "sklearn.feature_selection.",
    "sklearn.isotonic.",
    "sklearn.kernel_ridge.",
    "sklearn.linear_model.",
    "sklearn.model_selection.",
    "sklearn.multiclass.",
    "sklearn.multioutput.",
    "sklearn.naive_bayes.",
    "sklearn.neural_network.",
    "sklearn.pipeline.",
    "sklearn.preprocessing.",
    "sklearn.svm.",
    "sklearn.tree.",
    "sklearn.decomposition._pca.",
    "sklearn.decomposition._incremental_pca.",
    "sklearn.decomposition._truncated_svd.",
    "sklearn.impute._base.",
)
"""Module prefixes of the scikit-learn estimators whose predictions (and transforms, for
pipeline steps) are deterministic and cost at most about as much as their fit."""


def skip_reason(estimator: Any, vouched: tuple[type, ...] = ()) -> str | None:
    """Why predictions of ``estimator`` on its training data must not be made; None if they may.

    Args:
        estimator: The fitted estimator.
        vouched: Classes the user declared pure and cheap (``pure_estimators``).
    """
    import sklearn

    if sklearn.get_config().get("enable_metadata_routing", False):
        return "metadata routing is enabled: a prediction could miss the metadata it requests"
    for path, member in _members(estimator, type(estimator).__name__):
        module = f"{type(member).__module__}."
        if not module.startswith(KNOWN_PURE) and not isinstance(member, vouched):
            return (
                f"{path} ({type(member).__name__}) is not known to predict on its training "
                "data purely and cheaply"
            )
        own = _instance_methods(member)
        if own:
            return f"{path} has methods replaced on the instance: {', '.join(own)}"
        for name, value in _params(member).items():
            if callable(value) and not _is_estimator(value):
                return f"parameter {path}.{name} is a callable that predictions could call"
    return None


def _members(estimator: Any, path: str) -> Iterator[tuple[str, Any]]:
    """``estimator`` and every estimator nested in its parameters or best estimator."""
    yield path, estimator
    for name, value in _params(estimator).items():
        for index, item in enumerate(_estimators_in(value)):
            label = f"{path}.{name}" if index == 0 else f"{path}.{name}[{index}]"
            yield from _members(item, label)
    best = getattr(estimator, "best_estimator_", None)
    if _is_estimator(best):
        yield from _members(best, f"{path}.best_estimator_")


def _estimators_in(value: Any) -> list[Any]:
    """Estimators in a parameter: itself, or the members of a list of (name, estimator)."""
    if _is_estimator(value):
        return [value]
    if isinstance(value, (list, tuple)):
        found = []
        for item in value:
            candidate = item[1] if isinstance(item, tuple) and len(item) >= 2 else item
            if _is_estimator(candidate):
                found.append(candidate)
        return found
    return []


def _params(estimator: Any) -> dict[str, Any]:
    get_params = getattr(estimator, "get_params", None)
    if get_params is None:
        return {}
    params = get_params(deep=False)
    return params if isinstance(params, dict) else {}


def _is_estimator(value: Any) -> bool:
    return hasattr(value, "get_params") and not isinstance(value, type)


def _instance_methods(estimator: Any) -> list[str]:
    """Names of the methods set on the instance itself, hiding the class's."""
    state = getattr(estimator, "__dict__", {})
    cls = type(estimator)
    return sorted(
        name
        for name, value in state.items()
        if callable(value) and callable(getattr(cls, name, None))
    )
