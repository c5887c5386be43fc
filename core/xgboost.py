"""MLflow's ``mlflow.xgboost``, for XGBoost models: ``import trialbook as mlflow`` works.

::

    trialbook.xgboost.autolog()                  # = trialbook.integrations.xgboost
    info = trialbook.xgboost.log_model(booster, name="model")
    booster = trialbook.xgboost.load_model(info.model_uri)

Boosters and the scikit-learn wrappers are saved by the ``xgboost`` flavor (XGBoost's own
format, nothing pickled). Importing this module does not import xgboost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trialbook.models.facade import load_flavor_model, log_flavor_model, save_flavor_model
from trialbook.models.store import ModelInfo

FLAVOR = "xgboost"


def autolog(**settings: Any) -> None:
    """Autolog XGBoost: :func:`trialbook.integrations.xgboost.autolog` (same settings)."""
    from trialbook.integrations import xgboost

    xgboost.autolog(**settings)


def log_model(xgb_model: Any, artifact_path: str | None = None, **kwargs: Any) -> ModelInfo:
    """Log an XGBoost model into the active run.

    Takes ``name`` (or ``artifact_path``), ``registered_model_name``, ``signature``,
    ``input_example`` and ``metadata`` (see :func:`trialbook.models.facade.log_flavor_model`).
    """
    return log_flavor_model(xgb_model, FLAVOR, artifact_path, **kwargs)


def save_model(xgb_model: Any, path: str | Path, **kwargs: Any) -> None:
    """Save an XGBoost model into the new local folder ``path`` (``signature``, ``input_example``...)."""
    save_flavor_model(xgb_model, path, FLAVOR, **kwargs)


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """The XGBoost model at ``model_uri`` (``runs:/``, ``models:/`` or a folder)."""
    return load_flavor_model(model_uri, dst_path)


__all__ = ["autolog", "load_model", "log_model", "save_model"]
