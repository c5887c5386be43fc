"""MLflow's ``mlflow.sklearn``, for scikit-learn models: ``import trialbook as mlflow`` works.

::

    trialbook.sklearn.autolog()                            # = trialbook.integrations.sklearn
    info = trialbook.sklearn.log_model(clf, name="model", input_example=X[:5])
    clf = trialbook.sklearn.load_model(info.model_uri)

Models are saved by the ``sklearn`` flavor (cloudpickle; estimator classes of the training
script by value). Importing this module does not import scikit-learn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trialbook.models.facade import load_flavor_model, log_flavor_model, save_flavor_model
from trialbook.models.store import ModelInfo

FLAVOR = "sklearn"


def autolog(**settings: Any) -> None:
    """Autolog scikit-learn: :func:`trialbook.integrations.sklearn.autolog` (same settings)."""
    from trialbook.integrations import sklearn

    sklearn.autolog(**settings)


def log_model(sk_model: Any, artifact_path: str | None = None, **kwargs: Any) -> ModelInfo:
    """Log a scikit-learn model into the active run.

    Takes ``name`` (or ``artifact_path``), ``registered_model_name``, ``signature``,
    ``input_example`` and ``metadata`` (see :func:`trialbook.models.facade.log_flavor_model`).
    """
    return log_flavor_model(sk_model, FLAVOR, artifact_path, **kwargs)


def save_model(sk_model: Any, path: str | Path, **kwargs: Any) -> None:
    """Save a scikit-learn model into the new local folder ``path`` (``signature``, ``input_example``...)."""
    save_flavor_model(sk_model, path, FLAVOR, **kwargs)


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """The scikit-learn model at ``model_uri`` (``runs:/``, ``models:/`` or a folder)."""
    return load_flavor_model(model_uri, dst_path)


__all__ = ["autolog", "load_model", "log_model", "save_model"]
