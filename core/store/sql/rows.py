"""Conversions between table rows and entities."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from trialbook.entities import (
    Experiment,
    LifecycleStage,
    MetricSummary,
    Run,
    RunData,
    RunInfo,
    RunStatus,
)


def stored_value(value: float) -> tuple[float, bool]:
    """(value, is_nan) as stored: SQLite cannot keep NaN, so it becomes 0 with a flag."""
    if math.isnan(value):
        return 0.0, True
    return value, False


def loaded_value(value: float, is_nan: bool) -> float:
    """The inverse of :func:`stored_value`."""
    return math.nan if is_nan else float(value)


def experiment(row: Any, tags: Mapping[str, str]) -> Experiment:
    """Build an Experiment from an ``experiments`` row."""
    return Experiment(
        experiment_id=str(row.experiment_id),
        name=row.name,
        artifact_location=row.artifact_location,
        lifecycle_stage=LifecycleStage(row.lifecycle_stage),
        creation_time=row.creation_time,
        last_update_time=row.last_update_time,
        tags=dict(tags),
    )


def run_info(row: Any) -> RunInfo:
    """Build a RunInfo from a ``runs`` row."""
    return RunInfo(
        run_id=row.run_id,
        experiment_id=str(row.experiment_id),
        run_name=row.name,
        status=RunStatus(row.status),
        start_time=row.start_time,
        end_time=row.end_time,
        lifecycle_stage=LifecycleStage(row.lifecycle_stage),
        artifact_uri=row.artifact_uri,
        user_id=row.user_id,
        parent_run_id=row.parent_run_id,
        description=row.description,
    )


def run(
    row: Any,
    params: Mapping[str, str],
    tags: Mapping[str, str],
    summaries: Iterable[MetricSummary],
) -> Run:
    """Build a Run from its row and its data (pages of runs: :mod:`.loading`)."""
    return Run(
        info=run_info(row),
        data=RunData(
            params=dict(params),
            metrics={s.key: s.latest for s in summaries},
            tags=dict(tags),
        ),
    )
