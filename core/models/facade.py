"""What the flavor modules (``trialbook.sklearn``, ``.xgboost``, ``.pytorch``, ``.pyfunc``) share.

Each is MLflow's spelling over :func:`trialbook.models.log_model` and friends::

    trialbook.sklearn.log_model(clf, name="model", signature=sig, input_example=X[:5],
                                registered_model_name="churn")
    trialbook.sklearn.save_model(clf, "local/folder")
    trialbook.sklearn.load_model("runs:/<run_id>/model")

Options of MLflow's ``log_model`` that concern its environment files and its logged-model
records (``conda_env``, ``pip_requirements``, ``code_paths``, ...) are accepted and ignored:
trialbook records the run's requirements itself. Any other unknown option is a TypeError.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trialbook.errors import TrialbookError
from trialbook.models.signature import ModelSignature
from trialbook.models.store import ModelInfo, load_model, log_model, save_model_folder

IGNORED_OPTIONS = frozenset(
    {
        "await_registration_for",
        "code_paths",
        "conda_env",
        "extra_files",
        "extra_pip_requirements",
        "infer_code_paths",
        "model_format",
        "model_id",
        "model_type",
        "params",
        "pickle_module",
        "pip_requirements",
        "pyfunc_predict_fn",
        "requirements_file",
        "serialization_format",
        "step",
        "tags",
    }
)
"""MLflow ``log_model``/``save_model`` options accepted and ignored (see the module docstring)."""

DEFAULT_NAME = "model"


def check_options(function: str, options: Mapping[str, Any]) -> None:
    """Raise TypeError for an option that is neither trialbook's nor a known MLflow one."""
    unknown = sorted(set(options) - IGNORED_OPTIONS)
    if unknown:
        raise TypeError(f"{function}() got an unexpected keyword argument {unknown[0]!r}")


def log_flavor_model(
    model: Any,
    flavor: str | None,
    artifact_path: str | None = None,
    *,
    name: str | None = None,
    registered_model_name: str | None = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    metadata: dict[str, Any] | None = None,
    **options: Any,
) -> ModelInfo:
    """``log_model`` with MLflow's arguments (``name`` or ``artifact_path``, default "model").

    Args:
        model: The model.
        flavor: The flavor that saves it (None: the first that handles it).
        artifact_path: MLflow 2's name of the model's folder.
        name: MLflow 3's name of the model's folder.
        registered_model_name: Also register the model as the next version of this name.
        signature: The model's inputs and outputs (:func:`trialbook.models.infer_signature`).
        input_example: A few input rows (the signature's inputs are inferred from them when
            ``signature`` is not given).
        metadata: Free-form fields stored under ``metadata`` in the model's metadata.
        **options: MLflow options about environments, accepted and ignored
            (:data:`IGNORED_OPTIONS`).
    """
    check_options("log_model", options)
    if name is not None and artifact_path is not None and name != artifact_path:
        raise TrialbookError(
            f"log_model got name={name!r} and artifact_path={artifact_path!r}; pass one of them."
        )
    return log_model(
        model,
        name or artifact_path or DEFAULT_NAME,
        flavor=flavor,
        metadata={"metadata": metadata} if metadata else None,
        signature=signature,
        input_example=input_example,
        registered_model_name=registered_model_name,
    )


def save_flavor_model(
    model: Any,
    path: str | Path,
    flavor: str | None,
    *,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    metadata: dict[str, Any] | None = None,
    **options: Any,
) -> None:
    """Save ``model`` into the new local folder ``path``; ``load_model(path)`` loads it.

    The arguments are :func:`log_flavor_model`'s.
    """
    check_options("save_model", options)
    folder = Path(path)
    if folder.exists() and any(folder.iterdir()):
        raise TrialbookError(
            f"save_model: {str(folder)!r} already exists and is not empty; pick a new folder."
        )
    save_model_folder(
        model,
        folder,
        flavor,
        {"metadata": metadata} if metadata else None,
        signature=signature,
        input_example=input_example,
    )


def load_flavor_model(model_uri: str, dst_path: str | None = None) -> Any:
    """The native model at ``model_uri`` (``runs:/``, ``models:/`` or a folder)."""
    return load_model(str(model_uri), dst_path)


__all__ = [
    "DEFAULT_NAME",
    "IGNORED_OPTIONS",
    "check_options",
    "load_flavor_model",
    "log_flavor_model",
    "save_flavor_model",
]
