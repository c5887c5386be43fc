"""Entities and batches as JSON, the same on both ends of the wire.

Floats JSON cannot carry (NaN, ±inf) travel as the strings ``"NaN"``, ``"Infinity"`` and
``"-Infinity"``. A page of runs travels as a table (:func:`table_json`): run fields and metric
summaries as columns, params, latest metric values and tags as one object per run, which decodes several times
faster than one object per run and per summary. Metric points travel as columns: base64 of little-endian ``int64`` steps and
timestamps and ``float64`` values, bit for bit::

    body = batch_json(batch)                  # client
    batch = batch_from_json(body, limits)     # server (validates everything)
"""

from __future__ import annotations

import base64
import binascii
import itertools
import math
import sys
from array import array
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from trialbook.entities import (
    Dataset,
    DatasetInput,
    Experiment,
    InputTag,
    LifecycleStage,
    Metric,
    MetricSummary,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunStatus,
)
from trialbook.store.base import Batch, MetricSeries, PointTuple
from trialbook.store.tables import (
    INFO_FIELDS,
    RunTable,
    SummaryColumns,
)

_STEP = "<i8"
_VALUE = "<f8"
_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def number(value: float) -> float | str:
    """A float as JSON: finite values as numbers, NaN and ±inf as strings."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def to_float(value: Any) -> float:
    """The float a :func:`number` stands for."""
    if isinstance(value, str):
        return _SPECIAL[value]
    return float(value)


# Entities ------------------------------------------------------------------------------------


def experiment_json(experiment: Experiment, location: str | None = None) -> dict[str, Any]:
    """An experiment (``location`` replaces its artifact location when given)."""
    return {
        "experiment_id": experiment.experiment_id,
        "name": experiment.name,
        "artifact_location": experiment.artifact_location if location is None else location,
        "lifecycle_stage": experiment.lifecycle_stage.value,
        "creation_time": experiment.creation_time,
        "last_update_time": experiment.last_update_time,
        "tags": dict(experiment.tags),
    }


def experiment_from_json(data: Mapping[str, Any]) -> Experiment:
    """The experiment :func:`experiment_json` describes."""
    return Experiment(
        experiment_id=str(data["experiment_id"]),
        name=data["name"],
        artifact_location=data["artifact_location"],
        lifecycle_stage=LifecycleStage(data["lifecycle_stage"]),
        creation_time=int(data["creation_time"]),
        last_update_time=int(data["last_update_time"]),
        tags=dict(data.get("tags") or {}),
    )


def run_json(run: Run, artifact_uri: str | None = None) -> dict[str, Any]:
    """A run (``artifact_uri`` replaces its artifact URI when given)."""
    info = run.info.to_dict()
    if artifact_uri is not None:
        info["artifact_uri"] = artifact_uri
    return {
        "info": info,
        "data": {
            "params": dict(run.data.params),
            "metrics": {k: number(v) for k, v in run.data.metrics.items()},
            "tags": dict(run.data.tags),
        },
        "inputs": {"dataset_inputs": [dataset_input_json(i) for i in run.inputs.dataset_inputs]},
    }


def dataset_input_json(item: DatasetInput) -> dict[str, Any]:
    """A dataset input, in MLflow's REST shape (``dataset`` and a list of ``tags``)."""
    dataset = item.dataset
    return {
        "dataset": {
            "name": dataset.name,
            "digest": dataset.digest,
            "source_type": dataset.source_type,
            "source": dataset.source,
            "schema": dataset.schema,
            "profile": dataset.profile,
        },
        "tags": [{"key": t.key, "value": t.value} for t in item.tags],
    }


def dataset_input_from_json(data: Mapping[str, Any]) -> DatasetInput:
    """The dataset input :func:`dataset_input_json` describes."""
    dataset = data["dataset"]
    return DatasetInput(
        Dataset(
            name=dataset["name"],
            digest=dataset["digest"],
            source_type=dataset.get("source_type") or "",
            source=dataset.get("source") or "",
            schema=dataset.get("schema") or "",
            profile=dataset.get("profile") or "",
        ),
        tuple(InputTag(t["key"], t["value"]) for t in data.get("tags") or ()),
    )


def run_from_json(data: Mapping[str, Any]) -> Run:
    """The run :func:`run_json` describes."""
    info, values = data["info"], data["data"]
    end = info.get("end_time")
    return Run(
        info=RunInfo(
            run_id=info["run_id"],
            experiment_id=str(info["experiment_id"]),
            run_name=info["run_name"],
            status=RunStatus(info["status"]),
            start_time=int(info["start_time"]),
            end_time=None if end is None else int(end),
            lifecycle_stage=LifecycleStage(info["lifecycle_stage"]),
            artifact_uri=info["artifact_uri"],
            user_id=info.get("user_id") or "",
            parent_run_id=info.get("parent_run_id"),
            description=info.get("description") or "",
        ),
        data=RunData(
            params=dict(values.get("params") or {}),
            metrics={k: to_float(v) for k, v in (values.get("metrics") or {}).items()},
            tags=dict(values.get("tags") or {}),
        ),
        inputs=RunInputs(
            tuple(
                dataset_input_from_json(i)
                for i in (data.get("inputs") or {}).get("dataset_inputs") or ()
            )
        ),
    )


def table_json(table: RunTable, public_uri: Callable[[str], str] | None = None) -> dict[str, Any]:
    """A page of runs as a table (``public_uri`` rewrites each artifact URI): run fields and
    metric summaries (None when left out) as columns, params, latest metric values and tags as
    one object per run.

    Floats go as they are: the encoder must write NaN and ±inf as :func:`number` does
    (pydantic-core's ``inf_nan_mode="strings"``).
    """
    info = {name: list(table.info[name]) for name in INFO_FIELDS}
    if public_uri is not None:
        info["artifact_uri"] = [public_uri(uri) for uri in info["artifact_uri"]]
    columns = table.summary_columns
    return {
        "info": info,
        "params": list(table.params),
        "metrics": list(table.metrics),
        "tags": list(table.tags),
        "summaries": None
        if columns is None
        else {k: list(v) for k, v in columns._asdict().items()},
        "inputs": [
            [position, [dataset_input_json(i) for i in items]]
            for position, items in table.inputs.items()
        ],
        "next_page_token": table.next_page_token,
    }


def table_from_json(data: Mapping[str, Any]) -> RunTable:
    """The page :func:`table_json` describes."""
    info = data["info"]
    metrics: list[dict[str, Any]] = data["metrics"]
    if str in set(map(type, itertools.chain.from_iterable(m.values() for m in metrics))):
        metrics = [{k: to_float(v) for k, v in values.items()} for values in metrics]
    found = data["summaries"]
    columns = None
    if found is not None:
        columns = SummaryColumns(
            runs=found["runs"],
            keys=found["keys"],
            latest=_floats(found["latest"]),
            steps=found["steps"],
            timestamps=found["timestamps"],
            mins=_floats(found["mins"]),
            maxes=_floats(found["maxes"]),
            counts=found["counts"],
        )
    return RunTable(
        info={name: info[name] for name in INFO_FIELDS},
        params=data["params"],
        metrics=metrics,
        tags=data["tags"],
        inputs={
            int(position): tuple(dataset_input_from_json(i) for i in items)
            for position, items in data["inputs"]
        },
        summary_columns=columns,
        next_page_token=data["next_page_token"],
    )


def _floats(values: Sequence[Any]) -> Sequence[float]:
    """A column of :func:`number` values as floats."""
    if str in set(map(type, values)):
        return [to_float(value) for value in values]
    return values


def summary_json(summary: MetricSummary) -> dict[str, Any]:
    """A metric summary."""
    return {
        "key": summary.key,
        "latest": number(summary.latest),
        "step": summary.step,
        "timestamp": summary.timestamp,
        "min": number(summary.min),
        "max": number(summary.max),
        "count": summary.count,
    }


def summary_from_json(data: Mapping[str, Any]) -> MetricSummary:
    """The summary :func:`summary_json` describes."""
    return MetricSummary(
        key=data["key"],
        latest=to_float(data["latest"]),
        step=int(data["step"]),
        timestamp=int(data["timestamp"]),
        min=to_float(data["min"]),
        max=to_float(data["max"]),
        count=int(data["count"]),
    )


def metric_json(metric: Metric) -> dict[str, Any]:
    """One metric point."""
    return {
        "key": metric.key,
        "value": number(metric.value),
        "step": metric.step,
        "timestamp": metric.timestamp,
    }


def metric_from_json(data: Mapping[str, Any]) -> Metric:
    """The point :func:`metric_json` describes."""
    return Metric(data["key"], to_float(data["value"]), int(data["step"]), int(data["timestamp"]))


# Columns -------------------------------------------------------------------------------------


_TYPECODES = {_STEP: "q", _VALUE: "d"}
"""The ``array`` typecodes whose items are already the wire's values on a little-endian machine."""


def pack(column: Any, dtype: str) -> str:
    """A column (``array``, numpy array or sequence) as base64 of packed little-endian values.

    The buffered writer's ``array('q')``/``array('d')`` columns are packed as they are, without
    numpy: a client process that only logs never imports it.
    """
    if (
        isinstance(column, array)
        and column.typecode == _TYPECODES[dtype]
        and sys.byteorder == "little"
    ):
        return base64.b64encode(column).decode("ascii")
    import numpy as np

    return base64.b64encode(np.asarray(column, dtype=dtype).tobytes()).decode("ascii")


def unpack(text: str, dtype: str, what: str) -> Any:
    """The numpy array :func:`pack` made; raise ValueError for anything malformed."""
    import numpy as np

    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as err:
        raise ValueError(f"{what} is not valid base64: {err}") from None
    if len(raw) % 8:
        raise ValueError(f"{what} has {len(raw)} bytes, not a whole number of 8-byte values")
    return np.frombuffer(raw, dtype=dtype)


def grouped(points: Sequence[PointTuple]) -> list[MetricSeries]:
    """Points one by one, as one series per run and key (each in logging order)."""
    columns: dict[tuple[str, str], tuple[list[int], list[float], list[int]]] = {}
    for run_id, key, value, step, timestamp in points:
        found = columns.get((run_id, key))
        if found is None:
            found = columns[(run_id, key)] = ([], [], [])
        found[0].append(step)
        found[1].append(value)
        found[2].append(timestamp)
    return [MetricSeries(r, k, s, v, t) for (r, k), (s, v, t) in columns.items()]


def series_json(series: MetricSeries) -> dict[str, Any]:
    """One series as packed columns."""
    return {
        "run_id": series.run_id,
        "key": series.key,
        "steps": pack(series.steps, _STEP),
        "values": pack(series.values, _VALUE),
        "timestamps": pack(series.timestamps, _STEP),
    }


def batch_json(batch: Batch) -> dict[str, Any]:
    """A batch as the body of ``POST /api/v1/batches``."""
    return {
        "batch_id": batch.batch_id,
        "params": [list(p) for p in batch.params],
        "tags": [list(t) for t in batch.tags],
        "series": [series_json(s) for s in [*grouped(batch.metrics), *batch.series] if len(s)],
    }


def arrays_json(steps: Any, values: Any, timestamps: Any) -> dict[str, Any]:
    """A whole metric history as packed columns."""
    return {
        "count": len(values),
        "steps": pack(steps, _STEP),
        "values": pack(values, _VALUE),
        "timestamps": pack(timestamps, _STEP),
    }


def unpack_series(data: Mapping[str, str], what: str) -> tuple[Any, Any, Any]:
    """(steps, values, timestamps) of packed columns, checked to be the same length."""
    steps = unpack(data["steps"], _STEP, f"{what} steps")
    values = unpack(data["values"], _VALUE, f"{what} values")
    timestamps = unpack(data["timestamps"], _STEP, f"{what} timestamps")
    if not len(steps) == len(values) == len(timestamps):
        raise ValueError(
            f"{what} has {len(steps)} steps, {len(values)} values and {len(timestamps)} "
            "timestamps; they must be as many"
        )
    return steps, values, timestamps
