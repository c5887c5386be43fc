"""Runs as a pandas DataFrame, in the column layout of ``search_runs``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trialbook.entities import Run

BASE_COLUMNS = (
    "run_id",
    "run_name",
    "experiment_id",
    "status",
    "artifact_uri",
    "start_time",
    "end_time",
)


def runs_to_frame(runs: Sequence[Run]) -> Any:
    """One row per run; params, latest metrics and tags as prefixed columns."""
    import pandas as pd

    records = []
    params: set[str] = set()
    metrics: set[str] = set()
    tags: set[str] = set()
    for run in runs:
        record: dict[str, Any] = {
            "run_id": run.info.run_id,
            "run_name": run.info.run_name,
            "experiment_id": run.info.experiment_id,
            "status": run.info.status.value,
            "artifact_uri": run.info.artifact_uri,
            "start_time": run.info.start_time,
            "end_time": run.info.end_time,
        }
        for key, value in run.data.params.items():
            record[f"params.{key}"] = value
            params.add(key)
        for key, number in run.data.metrics.items():
            record[f"metrics.{key}"] = number
            metrics.add(key)
        for key, value in run.data.tags.items():
            record[f"tags.{key}"] = value
            tags.add(key)
        records.append(record)
    columns = [
        *BASE_COLUMNS,
        *(f"metrics.{k}" for k in sorted(metrics)),
        *(f"params.{k}" for k in sorted(params)),
        *(f"tags.{k}" for k in sorted(tags)),
    ]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for column in ("start_time", "end_time"):
        frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    for key in metrics:
        frame[f"metrics.{key}"] = frame[f"metrics.{key}"].astype("float64")
    return frame
