"""trialbook: experiment tracking and autologging for machine learning.

::

    import trialbook

    trialbook.autolog()                     # or log by hand:
    with trialbook.start_run():
        trialbook.log_param("lr", 0.01)
        trialbook.log_metric("loss", 0.25, step=1)
"""

from __future__ import annotations

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
    QueryTooComplexError,
    RegisteredModelExistsError,
    RegisteredModelNotFoundError,
    RunNotFoundError,
    SearchSyntaxError,
    StoreError,
    TrialbookError,
)
from trialbook.models.store import ModelInfo, load_model, log_model
from trialbook.plugins.hookspecs import hookimpl
from trialbook.registry.entities import ModelVersion, RegisteredModel
from trialbook.registry.fluent import register_model
from trialbook.tracking.client import TrackingClient
from trialbook.tracking.fluent import (
    ActiveRun,
    active_run,
    end_run,
    flush,
    get_artifact_uri,
    get_experiment_id,
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
    set_tag,
    set_tags,
    set_tracking_uri,
    start_run,
)

__version__ = "0.1.0"

__all__ = [
    "ActiveRun",
    "ActiveRunError",
    "ArtifactNotFoundError",
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
    "ModelAliasNotFoundError",
    "ModelInfo",
    "ModelIntegrityError",
    "ModelVersion",
    "ModelVersionNotFoundError",
    "Param",
    "ParamConflictError",
    "QueryTooComplexError",
    "RegisteredModel",
    "RegisteredModelExistsError",
    "RegisteredModelNotFoundError",
    "Run",
    "RunData",
    "RunInfo",
    "RunNotFoundError",
    "RunStatus",
    "RunTag",
    "SearchSyntaxError",
    "StoreError",
    "TrackingClient",
    "TrialbookError",
    "ViewType",
    "__version__",
    "active_run",
    "autolog",
    "end_run",
    "flush",
    "get_artifact_uri",
    "get_experiment_id",
    "get_run",
    "get_tracking_uri",
    "hookimpl",
    "last_active_run",
    "load_model",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "log_text",
    "register_model",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]
