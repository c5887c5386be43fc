"""Entities as the JSON the pages read (floats JSON cannot carry become strings)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from trialbook.entities import Experiment, MetricSummary, Run
from trialbook.errors import SearchSyntaxError
from trialbook.ui.history import jsonable_number


def experiment_json(
    experiment: Experiment, stats: Mapping[str, tuple[int, int | None]]
) -> dict[str, Any]:
    """An experiment with its run count and last activity time."""
    count, last = stats.get(experiment.experiment_id, (0, None))
    return {
        "experiment_id": experiment.experiment_id,
        "name": experiment.name,
        "lifecycle_stage": experiment.lifecycle_stage.value,
        "creation_time": experiment.creation_time,
        "last_update_time": experiment.last_update_time,
        "artifact_location": experiment.artifact_location,
        "run_count": count,
        "last_activity": last if last is not None else None,
        "tags": dict(experiment.tags),
    }


def summary_json(summary: MetricSummary) -> dict[str, Any]:
    """Latest, min and max of a metric, with the latest step and the point count."""
    return {
        "latest": jsonable_number(summary.latest),
        "min": jsonable_number(summary.min),
        "max": jsonable_number(summary.max),
        "step": summary.step,
        "timestamp": summary.timestamp,
        "count": summary.count,
    }


def run_info_json(run: Run) -> dict[str, Any]:
    """A run's attributes."""
    info = run.info
    duration = None if info.end_time is None else info.end_time - info.start_time
    return {
        "run_id": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "status": info.status.value,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "duration": duration,
        "user_id": info.user_id,
        "parent_run_id": info.parent_run_id,
        "lifecycle_stage": info.lifecycle_stage.value,
    }


def run_row(
    run: Run, summaries: Iterable[MetricSummary], tag_keys: Iterable[str] = ()
) -> dict[str, Any]:
    """A runs-table row: attributes, every param and metric summary, and the chosen tags."""
    tags = run.data.tags
    return {
        **run_info_json(run),
        "params": dict(run.data.params),
        "metrics": {s.key: summary_json(s) for s in summaries},
        "tags": {k: tags[k] for k in tag_keys if k in tags},
    }


def run_detail(run: Run, summaries: Iterable[MetricSummary]) -> dict[str, Any]:
    """Everything about a run: attributes, description, params, metrics and all tags."""
    return {
        **run_row(run, summaries, run.data.tags.keys()),
        "description": run.info.description,
        "artifact_uri": run.info.artifact_uri,
    }


def error_json(error: Exception) -> dict[str, Any]:
    """The JSON body of an error: its type and message, and where a search went wrong."""
    body: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, SearchSyntaxError):
        body.update(
            type="SearchSyntaxError",
            message=error.message,
            column=error.column,
            text=error.text,
        )
    return {"error": body}
