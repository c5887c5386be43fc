"""Logging and loading models, with pluggable framework-native flavors.

::

    from trialbook.models import infer_signature

    signature = infer_signature(X_train, y_train)         # column names and types, or dtypes
    trialbook.log_model(clf, "model", signature=signature, input_example=X_train[:5])

Nothing here imports a machine-learning framework, pandas or cloudpickle until used.
"""

from __future__ import annotations

from trialbook.models.flavor import ModelFlavor, PickleFlavor, PredictingFlavor
from trialbook.models.signature import (
    ColSpec,
    ModelSignature,
    Schema,
    SignatureError,
    TensorSpec,
    infer_signature,
)
from trialbook.models.store import (
    LoadedModel,
    ModelInfo,
    load_model,
    load_model_with_metadata,
    log_model,
    save_model_folder,
)

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
