"""A page of runs as a table (:class:`RunTable`), the shape bulk reads travel in.

A DataFrame of runs, the REST API's pages and the SQL store's own pages are built from it::

    table = store.search_run_table([experiment_id], "metrics.acc > 0.9")
    table.info["run_id"]          # one value per run, in page order
    table.params[i]               # the params of run i, a dict
    runs = table.runs()           # the same page as Run entities

Each run's params, latest metric values and tags are one dict per run, in page order, so
Run entities are built without copying them; summaries are built only when read
(:class:`~trialbook.store.base.SummaryRecords`). Plain Python: building Run entities from a
table must not import numpy.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

from trialbook.entities import (
    DatasetInput,
    LifecycleStage,
    MetricSummary,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunStatus,
)
from trialbook.store.base import RunPage, SummaryRecords

INFO_FIELDS = (
    "run_id",
    "experiment_id",
    "run_name",
    "status",
    "start_time",
    "end_time",
    "lifecycle_stage",
    "artifact_uri",
    "user_id",
    "parent_run_id",
    "description",
)
"""The keys of :attr:`RunTable.info`: RunInfo's fields, the status and stage by value."""

_second = itemgetter(1)
_STATUS = {status.value: status for status in RunStatus}
_STAGE = {stage.value: stage for stage in LifecycleStage}


class SummaryColumns(NamedTuple):
    """Metric summaries as columns: entry ``i`` is metric ``keys[i]`` of the run at position
    ``runs[i]`` of the page; NaN for a NaN value and for a missing minimum or maximum."""

    runs: Sequence[int]
    keys: Sequence[str]
    latest: Sequence[float]
    steps: Sequence[int]
    timestamps: Sequence[int]
    mins: Sequence[float]
    maxes: Sequence[float]
    counts: Sequence[int]


@dataclass(frozen=True)
class RunTable:
    """A page of runs: info as columns, data as one dict per run, and the next page's token."""

    info: Mapping[str, Sequence[Any]]
    """RunInfo's fields (:data:`INFO_FIELDS`), one value per run in page order."""
    params: Sequence[Mapping[str, str]]
    metrics: Sequence[Mapping[str, float]]
    """The latest value of each metric (NaN for a NaN)."""
    tags: Sequence[Mapping[str, str]]
    inputs: Mapping[int, tuple[DatasetInput, ...]] = field(default_factory=dict)
    """The dataset inputs of the runs that have some, by position in the page."""
    summary_columns: SummaryColumns | None = None
    """The runs' metric summaries (None when the read left them out)."""
    next_page_token: str | None = None

    def __len__(self) -> int:
        return len(self.info["run_id"])

    @property
    def summaries(self) -> Mapping[str, list[MetricSummary]]:
        """Metric summaries by run id, each built when first read (empty without them)."""
        if self.summary_columns is None:
            return {}
        return _Summaries(self.info["run_id"], self.summary_columns)

    def runs(self) -> list[Run]:
        """The page as Run entities, in page order (they share this table's dicts)."""
        no_inputs = RunInputs()
        inputs = self.inputs
        return [
            Run(
                RunInfo(
                    run_id,
                    experiment_id,
                    name,
                    _STATUS[status],
                    start,
                    end,
                    _STAGE[stage],
                    uri,
                    user,
                    parent,
                    text,
                ),
                RunData(params, metrics, tags),
                RunInputs(inputs[i]) if i in inputs else no_inputs,
            )
            for i, (
                (run_id, experiment_id, name, status, start, end, stage, uri, user, parent, text),
                params,
                metrics,
                tags,
            ) in enumerate(
                zip(
                    zip(*(self.info[name] for name in INFO_FIELDS), strict=True),
                    self.params,
                    self.metrics,
                    self.tags,
                    strict=True,
                )
            )
        ]


class _Summaries(Mapping[str, list[MetricSummary]]):
    """Summaries by run id from columns; nothing is built before it is read."""

    def __init__(self, run_ids: Sequence[str], columns: SummaryColumns) -> None:
        self._run_ids = run_ids
        self._columns = columns

    @functools.cached_property
    def _records(self) -> SummaryRecords:
        run_ids, columns = self._run_ids, self._columns
        records = {
            run_ids[position]: [index for index, _ in group]
            for position, group in itertools.groupby(enumerate(columns.runs), _second)
        }

        def build(index: int) -> MetricSummary:
            return MetricSummary(
                key=columns.keys[index],
                latest=columns.latest[index],
                step=columns.steps[index],
                timestamp=columns.timestamps[index],
                min=columns.mins[index],
                max=columns.maxes[index],
                count=columns.counts[index],
            )

        return SummaryRecords(records, build)

    def __getitem__(self, run_id: str) -> list[MetricSummary]:
        return self._records[run_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)


def empty_table() -> RunTable:
    """A page without runs."""
    return RunTable(info=dict.fromkeys(INFO_FIELDS, ()), params=(), metrics=(), tags=())


def nan_for_none(values: Sequence[float | None]) -> Sequence[float]:
    """``values`` with each None (a database's NULL) as NaN; ``values`` itself when none is."""
    if None not in values:
        return values  # type: ignore[return-value]
    return [math.nan if v is None else v for v in values]


def latest_values(columns: SummaryColumns, count: int) -> list[dict[str, float]]:
    """Each of ``count`` runs' latest metric values, from its summaries."""
    found: list[dict[str, float]] = [{} for _ in range(count)]
    for position, key, value in zip(columns.runs, columns.keys, columns.latest, strict=True):
        found[position][key] = value
    return found


def table_of_page(page: RunPage) -> RunTable:
    """A page of Run entities as a table (for stores without
    :class:`~trialbook.store.base.RunTables`)."""
    runs = page.runs
    info: dict[str, list[Any]] = {
        name: [getattr(run.info, name) for run in runs] for name in INFO_FIELDS
    }
    info["status"] = [status.value for status in info["status"]]
    info["lifecycle_stage"] = [stage.value for stage in info["lifecycle_stage"]]
    summaries = [
        (i, s) for i, run in enumerate(runs) for s in page.summaries.get(run.info.run_id, ())
    ]
    columns = SummaryColumns(
        runs=[i for i, _ in summaries],
        keys=[s.key for _, s in summaries],
        latest=[s.latest for _, s in summaries],
        steps=[s.step for _, s in summaries],
        timestamps=[s.timestamp for _, s in summaries],
        mins=[s.min for _, s in summaries],
        maxes=[s.max for _, s in summaries],
        counts=[s.count for _, s in summaries],
    )
    # Metrics travel in the summaries: without them for every run, in the latest values only.
    whole = all(run.info.run_id in page.summaries for run in runs if run.data.metrics)
    return RunTable(
        info=info,
        params=[run.data.params for run in runs],
        metrics=[run.data.metrics for run in runs],
        tags=[run.data.tags for run in runs],
        inputs={
            i: run.inputs.dataset_inputs for i, run in enumerate(runs) if run.inputs.dataset_inputs
        },
        summary_columns=columns if whole else None,
        next_page_token=page.next_page_token,
    )
