"""MLflow's ``mlflow.lightgbm``, for LightGBM models: ``import trialbook as mlflow`` works.

::

    trialbook.lightgbm.autolog()                 # = trialbook.integrations.lightgbm
    info = trialbook.lightgbm.log_model(booster, name="model")
    booster = trialbook.lightgbm.load_model(info.model_uri)

Boosters are saved by the ``lightgbm`` flavor as LightGBM's own text model (nothing
pickled); the scikit-learn wrappers are pickled, LightGBM's own way. Importing this module
does not import lightgbm.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trialbook.models.facade import load_flavor_model, log_flavor_model, save_flavor_model
from trialbook.models.store import ModelInfo

FLAVOR = "lightgbm"


def autolog(**settings: Any) -> None:
    """Autolog LightGBM: :func:`trialbook.integrations.lightgbm.autolog` (same settings)."""
    from trialbook.integrations import lightgbm

    lightgbm.autolog(**settings)


def log_model(lgb_model: Any, artifact_path: str | None = None, **kwargs: Any) -> ModelInfo:
    """Log a LightGBM model into the active run.

    Takes ``name`` (or ``artifact_path``), ``registered_model_name``, ``signature``,
    ``input_example`` and ``metadata`` (see :func:`trialbook.models.facade.log_flavor_model`).
    """
    return log_flavor_model(lgb_model, FLAVOR, artifact_path, **kwargs)


def save_model(lgb_model: Any, path: str | Path, **kwargs: Any) -> None:
    """Save a LightGBM model into the new local folder ``path`` (``signature``, ``input_example``...)."""
    save_flavor_model(lgb_model, path, FLAVOR, **kwargs)


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """The LightGBM model at ``model_uri`` (``runs:/``, ``models:/`` or a folder)."""
    return load_flavor_model(model_uri, dst_path)


__all__ = ["autolog", "load_model", "log_model", "save_model"]
