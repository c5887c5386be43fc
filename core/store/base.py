"""The tracking store interface.

Everything that persists experiments, runs and their data implements :class:`TrackingStore`.
trialbook ships one implementation, :class:`trialbook.store.sql.SqlStore` (SQLite and
PostgreSQL); the contract suite in ``tests/store`` runs against every implementation.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from trialbook.entities import Experiment, Metric, MetricSummary, Run, RunStatus, ViewType

if TYPE_CHECKING:
    from trialbook.store.registry import ModelRegistry


class MetricPoint(NamedTuple):
    """One metric point on its way into the store (a plain tuple of these fields will do)."""

    run_id: str
    key: str
    value: float
    step: int
    timestamp: int


PointTuple = tuple[str, str, float, int, int]
"""(run_id, key, value, step, timestamp): the shape of every metric point in a batch."""


@dataclass(frozen=True)
class MetricSeries:
    """Points of one metric of one run, as three parallel columns (the fast way in)."""

    run_id: str
    key: str
    steps: Sequence[int]
    values: Sequence[float]
    timestamps: Sequence[int]

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Batch:
    """Params, tags and metric points to write in one transaction.

    Points come either one by one (``metrics``) or as columns (``series``); both may be given.
    ``batch_id``, when given, makes the write idempotent: a batch already applied is skipped.
    """

    metrics: Sequence[PointTuple] = ()
    params: Sequence[tuple[str, str, str]] = ()
    """(run_id, key, value) triples."""
    tags: Sequence[tuple[str, str, str]] = ()
    """(run_id, key, value) triples."""
    batch_id: str | None = None
    series: Sequence[MetricSeries] = ()

    def __bool__(self) -> bool:
        return bool(self.metrics or self.series or self.params or self.tags)

    def run_ids(self) -> list[str]:
        """The runs this batch writes to, sorted."""
        return sorted(
            {m[0] for m in self.metrics}
            | {s.run_id for s in self.series}
            | {p[0] for p in self.params}
            | {t[0] for t in self.tags}
        )

    def per_run(self) -> list[tuple[str, Batch]]:
        """The batch split by run: (run id, that run's part) pairs, in run id order.

        A one-run batch is its own part. Each part of a bigger batch is under
        ``part_batch_id(batch_id, run_id)``, the same on every retry (no id when the batch has
        none), so a store that applied a part already skips it.
        """
        run_ids = self.run_ids()
        if len(run_ids) == 1:
            return [(run_ids[0], self)]
        return [
            (
                run_id,
                Batch(
                    metrics=[m for m in self.metrics if m[0] == run_id],
                    params=[p for p in self.params if p[0] == run_id],
                    tags=[t for t in self.tags if t[0] == run_id],
                    batch_id=None
                    if self.batch_id is None
                    else part_batch_id(self.batch_id, run_id),
                    series=[s for s in self.series if s.run_id == run_id],
                ),
            )
            for run_id in run_ids
        ]


def part_batch_id(batch_id: str, part: str) -> str:
    """The id of one part of a batch (one run's data, one chunk): the same on every retry."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"trialbook-batch:{batch_id}/{part}").hex


@dataclass(frozen=True)
class MetricArrays:
    """A metric history as numpy arrays (``int64`` steps and timestamps, ``float64`` values)."""

    steps: Any
    values: Any
    timestamps: Any

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class RunPage:
    """One page of :meth:`TrackingStore.search_runs` results."""

    runs: list[Run]
    next_page_token: str | None = None
    total: int | None = None
    summaries: Mapping[str, list[MetricSummary]] = field(default_factory=dict)


class TrackingStore(Protocol):
    """Persistence of experiments, runs, params, metrics and tags."""

    artifact_root: str
    """Where experiments' artifact folders go by default (an fsspec URL or a local path)."""

    @property
    def registry(self) -> ModelRegistry:
        """The model registry kept with this store (see :mod:`trialbook.registry`)."""
        ...

    # Experiments
    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: Mapping[str, str] | None = None
    ) -> str:
        """Create an experiment and return its id; an existing name raises TrialbookError."""
        ...

    def get_or_create_experiment(self, name: str) -> Experiment:
        """Return the active experiment named ``name``, creating it if needed (race-free)."""
        ...

    def get_experiment(self, experiment_id: str) -> Experiment:
        """Return the experiment or raise ExperimentNotFoundError."""
        ...

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """Return the experiment named ``name`` (active or deleted), or None."""
        ...

    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE,
        name_like: str | None = None,
        max_results: int | None = None,
    ) -> list[Experiment]:
        """Experiments ordered by name; ``name_like`` is an SQL LIKE pattern."""
        ...

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename an experiment."""
        ...

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete an experiment and its runs."""
        ...

    def restore_experiment(self, experiment_id: str) -> None:
        """Undo :meth:`delete_experiment`."""
        ...

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        """Set an experiment tag."""
        ...

    def experiment_stats(self) -> dict[str, tuple[int, int | None]]:
        """Map experiment id to (active run count, last activity time in ms or None)."""
        ...

    # Runs
    def create_run(
        self,
        experiment_id: str,
        run_name: str,
        start_time: int,
        tags: Mapping[str, str] | None = None,
        parent_run_id: str | None = None,
        user_id: str = "",
        run_id: str | None = None,
        description: str = "",
    ) -> Run:
        """Create a RUNNING run."""
        ...

    def get_run(self, run_id: str) -> Run:
        """Return the run or raise RunNotFoundError."""
        ...

    def update_run(
        self,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
        description: str | None = None,
    ) -> None:
        """Change a run's status, end time, name or description."""
        ...

    def heartbeat(self, run_ids: Sequence[str], now: int) -> None:
        """Record that the process owning these RUNNING runs is alive."""
        ...

    def delete_run(self, run_id: str) -> None:
        """Soft-delete a run."""
        ...

    def restore_run(self, run_id: str) -> None:
        """Undo :meth:`delete_run`."""
        ...

    def purge_runs(self, run_ids: Sequence[str]) -> None:
        """Remove deleted runs and their data for good (artifacts are the caller's job)."""
        ...

    def deleted_runs(self, older_than: int | None = None) -> list[Run]:
        """Runs soft-deleted (before ``older_than`` ms, if given), for garbage collection."""
        ...

    # Data
    def write_batch(self, batch: Batch) -> None:
        """Write params, tags and metric points in one transaction, all or nothing.

        Raises ParamConflictError when a param already has another value, RunNotFoundError
        or DeletedRunError for a bad run id; nothing of the batch is written then.
        """
        ...

    def get_metric_history(
        self, run_id: str, key: str, max_results: int | None = None, page_token: str | None = None
    ) -> tuple[list[Metric], str | None]:
        """A metric's points ordered by step then timestamp, and the next page's token."""
        ...

    def get_metric_arrays(self, run_id: str, key: str) -> MetricArrays:
        """A metric's whole history as numpy arrays, ordered by step, then timestamp."""
        ...

    def get_metric_summaries(self, run_ids: Sequence[str]) -> dict[str, list[MetricSummary]]:
        """Latest, min and max of every metric of the given runs."""
        ...

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        order_by: Sequence[str] = (),
        max_results: int = 1000,
        view_type: ViewType = ViewType.ACTIVE,
        page_token: str | None = None,
    ) -> RunPage:
        """Runs matching the filter, in order, one page at a time."""
        ...

    def count_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        view_type: ViewType = ViewType.ACTIVE,
    ) -> int:
        """How many runs match a filter."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
