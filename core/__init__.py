"""trialbook: experiment tracking and autologging for machine learning.

::

    import trialbook

    trialbook.autolog()                     # or log by hand:
    with trialbook.start_run():
        trialbook.log_param("lr", 0.01)
        trialbook.log_metric("loss", 0.25, step=1)

MLflow's flavor modules are attributes too, imported on first use (importing trialbook
imports no framework): ``trialbook.sklearn``, ``trialbook.xgboost``, ``trialbook.lightgbm``, ``trialbook.pytorch``,
``trialbook.pyfunc`` (``import trialbook as mlflow; mlflow.sklearn.autolog()`` works).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from trialbook.autolog.api import autolog
from trialbook.entities import (
    Experiment,
    FileInfo,
    LifecycleStage,
    Metric,
    Param,
    Run,
    RunData,
    RunInfo,
    RunStatus,
    RunTag,
    ViewType,
)
from trialbook.errors import (
    ActiveRunError,
    ArtifactNotFoundError,
    ArtifactWriteError,
    DeletedExperimentError,
    DeletedRunError,
    ExperimentNotFoundError,
    InvalidArtifactPathError,
    InvalidKeyError,
    InvalidUriError,
    InvalidValueError,
    ModelAliasNotFoundError,
    ModelIntegrityError,
    ModelVersionNotFoundError,
    ParamConflictError,
    PinnedModelMismatchError,
    QueryTooComplexError,
    RegisteredModelExistsError,
    RegisteredModelNotFoundError,
    RunExistsError,
    RunNotFoundError,
    SearchSyntaxError,
    SearchTimeoutError,
    StoreError,
    StoreLockedError,
    StoreUnavailableError,
    TagNotFoundError,
    TrialbookError,
    WriteOnceArtifactError,
)
from trialbook.models.store import ModelInfo, load_model, log_model
from trialbook.plugins.hookspecs import hookimpl
from trialbook.registry.entities import ModelVersion, RegisteredModel
from trialbook.tracking.client import MlflowClient, TrackingClient
from trialbook.tracking.fluent import (
    ActiveRun,
    active_run,
    create_experiment,
    delete_experiment,
    delete_run,
    delete_tag,
    end_run,
    flush,
    get_artifact_uri,
    get_experiment,
    get_experiment_by_name,
    get_experiment_id,
    get_parent_run,
    get_run,
    get_tracking_uri,
    last_active_run,
    log_artifact,
    log_artifacts,
    log_dict,
    log_figure,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    log_text,
    search_experiments,
    search_runs,
    set_experiment,
    set_experiment_tag,
    set_experiment_tags,
    set_tag,
    set_tags,
    set_tracking_uri,
    start_run,
)
from trialbook.tracking.fluent_data import log_image, log_input, log_inputs, log_table
from trialbook.tracking.registry_fluent import register_model

if TYPE_CHECKING:
    from trialbook import lightgbm, pyfunc, pytorch, sklearn, xgboost

__version__ = "0.1.0"

FLAVOR_MODULES = ("lightgbm", "pyfunc", "pytorch", "sklearn", "xgboost")
"""Submodules imported on first attribute access (``trialbook.sklearn``)."""
LAZY_MODULES = (*FLAVOR_MODULES, "data")
"""Every submodule imported on first attribute access (``trialbook.data`` too)."""


def __getattr__(name: str) -> Any:
    """Import a flavor module or ``trialbook.data`` (:data:`LAZY_MODULES`) on first access."""
    if name in LAZY_MODULES:
        return importlib.import_module(f"trialbook.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ActiveRun",
    "ActiveRunError",
    "ArtifactNotFoundError",
    "ArtifactWriteError",
    "DeletedExperimentError",
    "DeletedRunError",
    "Experiment",
    "ExperimentNotFoundError",
    "FileInfo",
    "InvalidArtifactPathError",
    "InvalidKeyError",
    "InvalidUriError",
    "InvalidValueError",
    "LifecycleStage",
    "Metric",
    "MlflowClient",
    "ModelAliasNotFoundError",
    "ModelInfo",
    "ModelIntegrityError",
    "ModelVersion",
    "ModelVersionNotFoundError",
    "Param",
    "ParamConflictError",
    "PinnedModelMismatchError",
    "QueryTooComplexError",
    "RegisteredModel",
    "RegisteredModelExistsError",
    "RegisteredModelNotFoundError",
    "Run",
    "RunData",
    "RunExistsError",
    "RunInfo",
    "RunNotFoundError",
    "RunStatus",
    "RunTag",
    "SearchSyntaxError",
    "SearchTimeoutError",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailableError",
    "TagNotFoundError",
    "TrackingClient",
    "TrialbookError",
    "ViewType",
    "WriteOnceArtifactError",
    "__version__",
    "active_run",
    "autolog",
    "create_experiment",
    "data",
    "delete_experiment",
    "delete_run",
    "delete_tag",
    "end_run",
    "flush",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_experiment_id",
    "get_parent_run",
    "get_run",
    "get_tracking_uri",
    "hookimpl",
    "last_active_run",
    "lightgbm",
    "load_model",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_inputs",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "log_table",
    "log_text",
    "pyfunc",
    "pytorch",
    "register_model",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_experiment_tag",
    "set_experiment_tags",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "sklearn",
    "start_run",
    "xgboost",
]
