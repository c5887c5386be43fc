"""MLflow's ``mlflow.pyfunc``: one ``predict`` for every flavor, and custom Python models.

::

    model = trialbook.pyfunc.load_model("runs:/<run_id>/model")   # sklearn, xgboost, torch...
    model.predict(frame)           # checked against the model's signature first
    model.unwrap_python_model()    # the native model

    class AddN(trialbook.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            return model_input + 5

    trialbook.pyfunc.log_model(name="add_n", python_model=AddN())

See :mod:`trialbook.models.pyfunc_model` and :mod:`trialbook.models.python_model`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trialbook.errors import TrialbookError
from trialbook.models.enforce import SchemaEnforcementError
from trialbook.models.facade import log_flavor_model, save_flavor_model
from trialbook.models.pyfunc_model import ModelMetadata, PyFuncModel, load_pyfunc
from trialbook.models.python_model import (
    PythonModel,
    PythonModelContext,
    PythonModelPackage,
    as_python_model,
)
from trialbook.models.store import ModelInfo

FLAVOR = "pyfunc"


def _package(python_model: Any, artifacts: Mapping[str, str] | None) -> PythonModelPackage:
    if python_model is None:
        raise TrialbookError(
            "trialbook.pyfunc saves python_model=<a PythonModel or a function>; loader_module "
            "models are not supported. Log framework models with their own flavor module."
        )
    return PythonModelPackage(as_python_model(python_model), dict(artifacts or {}))


def log_model(
    artifact_path: str | None = None,
    *,
    python_model: Any = None,
    artifacts: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> ModelInfo:
    """Log a custom Python model (and the files in ``artifacts``) into the active run.

    Also takes ``name``, ``registered_model_name``, ``signature``, ``input_example`` and
    ``metadata`` (see :func:`trialbook.models.facade.log_flavor_model`).
    """
    return log_flavor_model(_package(python_model, artifacts), FLAVOR, artifact_path, **kwargs)


def save_model(
    path: str | Path,
    *,
    python_model: Any = None,
    artifacts: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> None:
    """Save a custom Python model into the new local folder ``path``."""
    save_flavor_model(_package(python_model, artifacts), path, FLAVOR, **kwargs)


def load_model(
    model_uri: str, suppress_warnings: bool = False, dst_path: str | None = None
) -> PyFuncModel:
    """Any logged model as a :class:`PyFuncModel` with ``predict`` (trusted sources only).

    ``suppress_warnings=True`` silences the warnings about Python or package versions that
    differ from the ones the model was saved with.
    """
    if not suppress_warnings:
        return load_pyfunc(str(model_uri), dst_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_pyfunc(str(model_uri), dst_path)


__all__ = [
    "ModelMetadata",
    "PyFuncModel",
    "PythonModel",
    "PythonModelContext",
    "SchemaEnforcementError",
    "load_model",
    "log_model",
    "save_model",
]
