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
from trialbook.models.signature import ModelSignature
from trialbook.models.store import ModelInfo

FLAVOR = "xgboost"


def autolog(**settings: Any) -> None:
    """Autolog XGBoost: :func:`trialbook.integrations.xgboost.autolog` (same settings)."""
    from trialbook.integrations import xgboost

    xgboost.autolog(**settings)


def log_model(
    xgb_model: Any,
    artifact_path: str | None = None,
    *,
    name: str | None = None,
    registered_model_name: str | None = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    metadata: dict[str, Any] | None = None,
    **options: Any,
) -> ModelInfo:
    """Log an XGBoost model into the active run (see :mod:`trialbook.models.facade`)."""
    return log_flavor_model(
        xgb_model,
        FLAVOR,
        artifact_path,
        name,
        registered_model_name=registered_model_name,
        signature=signature,
        input_example=input_example,
        metadata=metadata,
        options=options,
    )


def save_model(
    xgb_model: Any,
    path: str | Path,
    *,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    metadata: dict[str, Any] | None = None,
    **options: Any,
) -> None:
    """Save an XGBoost model into the new local folder ``path``."""
    save_flavor_model(
        xgb_model,
        path,
        FLAVOR,
        signature=signature,
        input_example=input_example,
        metadata=metadata,
        options=options,
    )


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """The XGBoost model at ``model_uri`` (``runs:/``, ``models:/`` or a folder)."""
    return load_flavor_model(model_uri, dst_path)


__all__ = ["autolog", "load_model", "log_model", "save_model"]
