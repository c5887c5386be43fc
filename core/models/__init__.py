"""Logging and loading models, with pluggable framework-native flavors."""

from __future__ import annotations

from trialbook.models.flavor import ModelFlavor, PickleFlavor
from trialbook.models.store import ModelInfo, load_model, log_model, save_model_folder

__all__ = [
    "ModelFlavor",
    "ModelInfo",
    "PickleFlavor",
    "load_model",
    "log_model",
    "save_model_folder",
]
