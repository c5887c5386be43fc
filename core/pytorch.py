"""MLflow's ``mlflow.pytorch``, for PyTorch and Lightning models: ``import trialbook as mlflow`` works.

::

    trialbook.pytorch.autolog()                 # Lightning: trialbook.integrations.lightning
    info = trialbook.pytorch.log_model(net, name="model")  # a torch.nn.Module
    net = trialbook.pytorch.load_model(info.model_uri)

A ``torch.nn.Module`` is saved whole by the ``pytorch`` flavor (``torch.save`` with
cloudpickle: classes of the training script by value), a LightningModule by the ``lightning``
flavor (a checkpoint, and the module by value when its class lives in the script). Importing
this module does not import torch or Lightning.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from trialbook.errors import TrialbookError
from trialbook.models.facade import load_flavor_model, log_flavor_model, save_flavor_model
from trialbook.models.store import ModelInfo


def _check_module(model: Any) -> Any:
    """``model`` if it is a torch module (the flavors choose: ``lightning`` is asked first)."""
    nn = sys.modules.get("torch.nn")
    if nn is None or not isinstance(model, nn.Module):
        raise TrialbookError(
            f"trialbook.pytorch saves torch.nn.Module instances; got a {type(model).__name__}. "
            "Use trialbook.log_model for other objects."
        )
    return model


def autolog(**settings: Any) -> None:
    """Autolog Lightning: :func:`trialbook.integrations.lightning.autolog` (same settings)."""
    from trialbook.integrations import lightning

    lightning.autolog(**settings)


def log_model(pytorch_model: Any, artifact_path: str | None = None, **kwargs: Any) -> ModelInfo:
    """Log a PyTorch module into the active run.

    Takes ``name`` (or ``artifact_path``), ``registered_model_name``, ``signature``,
    ``input_example`` and ``metadata`` (see :func:`trialbook.models.facade.log_flavor_model`).
    """
    return log_flavor_model(_check_module(pytorch_model), None, artifact_path, **kwargs)


def save_model(pytorch_model: Any, path: str | Path, **kwargs: Any) -> None:
    """Save a PyTorch module into the new local folder ``path`` (``signature``, ``input_example``...)."""
    save_flavor_model(_check_module(pytorch_model), path, None, **kwargs)


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """The PyTorch module at ``model_uri`` (``runs:/``, ``models:/`` or a folder)."""
    return load_flavor_model(model_uri, dst_path)


__all__ = ["autolog", "load_model", "log_model", "save_model"]
