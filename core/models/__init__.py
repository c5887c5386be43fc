"""Logging and loading models, with pluggable framework-native flavors.

::

    from trialbook.models import infer_signature

    signature = infer_signature(X_train, y_train)         # column names and types, or dtypes
    trialbook.log_model(clf, "model", signature=signature, input_example=X_train[:5])

Nothing here imports a machine-learning framework, pandas or cloudpickle until used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from trialbook.models.flavor import ModelFlavor, PickleFlavor, PredictingFlavor
from trialbook.models.store import (
    LoadedModel,
    ModelInfo,
    load_model,
    load_model_with_metadata,
    log_model,
    save_model_folder,
)

if TYPE_CHECKING:
    from trialbook.models.signature import (
        ColSpec,
        ModelSignature,
        Schema,
        SignatureError,
        TensorSpec,
        infer_signature,
    )

_SIGNATURE_NAMES = frozenset(
    ("ColSpec", "ModelSignature", "Schema", "SignatureError", "TensorSpec", "infer_signature")
)


def __getattr__(name: str) -> Any:
    """The signature names (:mod:`trialbook.models.signature`), imported on first use."""
    if name in _SIGNATURE_NAMES:
        return getattr(importlib.import_module("trialbook.models.signature"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ColSpec",
    "LoadedModel",
    "ModelFlavor",
    "ModelInfo",
    "ModelSignature",
    "PickleFlavor",
    "PredictingFlavor",
    "Schema",
    "SignatureError",
    "TensorSpec",
    "infer_signature",
    "load_model",
    "load_model_with_metadata",
    "log_model",
    "save_model_folder",
]
