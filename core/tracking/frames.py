"""Runs as a pandas DataFrame, in the column layout of ``search_runs``.

Built column by column (one list per column, filled by position), never row by row: a
DataFrame of 2,000 runs with 20 values each then costs a few milliseconds.
"""

from __future__ import annotations

import math
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
    import numpy as np
    import pandas as pd

    count = len(runs)
    infos = [run.info for run in runs]
    base: dict[str, Any] = {
        "run_id": [i.run_id for i in infos],
        "run_name": [i.run_name for i in infos],
        "experiment_id": [i.experiment_id for i in infos],
        "status": [i.status.value for i in infos],
        "artifact_uri": [i.artifact_uri for i in infos],
        "start_time": pd.to_datetime(
            np.array([i.start_time for i in infos], dtype="float64"), unit="ms", utc=True
        ),
        "end_time": pd.to_datetime(
            np.array([_or_nan(i.end_time) for i in infos], dtype="float64"), unit="ms", utc=True
        ),
    }
    metrics: dict[str, list[float]] = {}
    params: dict[str, list[str | None]] = {}
    tags: dict[str, list[str | None]] = {}
    for position, run in enumerate(runs):
        _fill(metrics, run.data.metrics, position, count, math.nan)
        _fill(params, run.data.params, position, count, None)
        _fill(tags, run.data.tags, position, count, None)
    columns: dict[str, Any] = dict(base)
    columns.update((f"metrics.{k}", np.array(metrics[k], dtype="float64")) for k in sorted(metrics))
    columns.update((f"params.{k}", params[k]) for k in sorted(params))
    columns.update((f"tags.{k}", tags[k]) for k in sorted(tags))
    return pd.DataFrame(columns, columns=list(columns), copy=False)


def _fill(
    columns: dict[str, list[Any]], values: Any, position: int, count: int, missing: Any
) -> None:
    """Put one run's ``values`` (a mapping) at ``position`` of their columns."""
    for key, value in values.items():
        column = columns.get(key)
        if column is None:
            column = columns[key] = [missing] * count
        column[position] = value


def _or_nan(value: int | None) -> float:
    return math.nan if value is None else value
