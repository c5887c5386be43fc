"""The store interface: :class:`TrackingStore` and the optional capabilities.

Everything that persists experiments, runs and their data implements :class:`TrackingStore`
(its model registry is a :class:`~trialbook.store.registry.ModelRegistry`). A backend that can
do more implements some of the small capability protocols below; callers check them with
``isinstance`` and fall back when a store lacks one. trialbook ships two backends,
:mod:`trialbook.store.sql` (SQLite and PostgreSQL) and :mod:`trialbook.store.rest` (a
tracking server); the contract suite in :mod:`trialbook.testing.store_contract` runs against
every backend.

Backends raise :class:`~trialbook.errors.StoreUnavailableError` for failures a retry may
cure, other :class:`~trialbook.errors.TrialbookError` subclasses for the rest, and never their
library's own exceptions.
"""

from __future__ import annotations

import base64
import functools
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, overload, runtime_checkable

from trialbook.entities import (
    DatasetInput,
    Experiment,
    Metric,
    MetricSummary,
    Run,
    RunStatus,
    ViewType,
)
from trialbook.errors import InvalidValueError

if TYPE_CHECKING:
    from trialbook.artifacts import RunArtifacts
    from trialbook.store.registry import ModelRegistry
    from trialbook.store.tables import RunTable


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

    def items(self) -> list[Batch]:
        """One batch per param, tag, metric point and metric series, in this batch's order."""
        return [
            *(Batch(params=[param]) for param in self.params),
            *(Batch(tags=[tag]) for tag in self.tags),
            *(Batch(metrics=[point]) for point in self.metrics),
            *(Batch(series=[series]) for series in self.series),
        ]

    @classmethod
    def joined(cls, parts: Sequence[Batch], batch_id: str | None = None) -> Batch:
        """One batch holding everything of ``parts``, in order (the inverse of :meth:`items`)."""
        return cls(
            params=[param for part in parts for param in part.params],
            tags=[tag for part in parts for tag in part.tags],
            metrics=[point for part in parts for point in part.metrics],
            series=[series for part in parts for series in part.series],
            batch_id=batch_id,
        )


def encode_page_token(offset: int) -> str:
    """The opaque page token a search returns for results starting at ``offset``."""
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_page_token(token: str | None) -> int:
    """The offset an :func:`encode_page_token` token stands for (0 for none).

    Raises:
        InvalidValueError: ``token`` is not a token a search returned.
    """
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError):  # binascii.Error is a ValueError
        offset = None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidValueError(
            "page_token", token, "pass back the next_page_token a search returned"
        )
    return offset


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


class SummaryRecords(Mapping[str, list[MetricSummary]]):
    """Metric summaries per run id, each run's list built from raw records when first read.

    A page of 1,000 runs holds some 10,000 summaries that most callers never look at (a
    DataFrame needs only the latest values, already in each run's data): building them
    lazily keeps such reads cheap. ``build`` turns one record into a summary.
    """

    def __init__(
        self, records: Mapping[str, Sequence[Any]], build: Callable[[Any], MetricSummary]
    ) -> None:
        self._records = records
        self._build = build
        self._built: dict[str, list[MetricSummary]] = {}

    def __getitem__(self, run_id: str) -> list[MetricSummary]:
        found = self._built.get(run_id)
        if found is None:
            found = self._built[run_id] = [self._build(r) for r in self._records[run_id]]
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)


class DeferredSummaries(Mapping[str, list[MetricSummary]]):
    """Metric summaries that ``load`` reads when they are first looked at.

    A page of runs carries its runs' summaries, which only some callers read (the web UI):
    reading them with the page would cost a DataFrame or a listing half again as much.
    """

    def __init__(self, load: Callable[[], Mapping[str, list[MetricSummary]]]) -> None:
        self._load = load

    @functools.cached_property
    def _found(self) -> Mapping[str, list[MetricSummary]]:
        return self._load()

    def __getitem__(self, run_id: str) -> list[MetricSummary]:
        return self._found[run_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)


@dataclass(frozen=True)
class RunPage:
    """One page of :meth:`TrackingStore.search_runs` results; it reads as the list of its
    runs (``len``, iteration, indexing), with the next page's token in :attr:`token`, as
    MLflow's ``PagedList`` does."""

    runs: list[Run]
    next_page_token: str | None = None
    total: int | None = None
    summaries: Mapping[str, list[MetricSummary]] = field(default_factory=dict)

    @property
    def token(self) -> str | None:
        """The token of the next page (None on the last page)."""
        return self.next_page_token

    def __len__(self) -> int:
        return len(self.runs)

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs)

    @overload
    def __getitem__(self, index: int) -> Run: ...

    @overload
    def __getitem__(self, index: slice) -> list[Run]: ...

    def __getitem__(self, index: int | slice) -> Run | list[Run]:
        return self.runs[index]


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


# Optional capabilities ---------------------------------------------------------------------


@runtime_checkable
class RunAggregates(Protocol):
    """Aggregate questions of the runs table, answered by one query each."""

    def run_keys(
        self, experiment_ids: Sequence[str], view_type: ViewType = ViewType.ACTIVE
    ) -> dict[str, list[str]]:
        """The sorted ``params``, ``metrics`` and ``tags`` keys the experiments' runs have."""
        ...

    def param_value_counts(
        self,
        experiment_ids: Sequence[str],
        param: str,
        filter_string: str = "",
        view_type: ViewType = ViewType.ACTIVE,
        limit: int = 500,
    ) -> list[tuple[str | None, int]]:
        """(value, matching runs) per value of a param (None: runs without it), in the order
        ``params.<param>`` sorts them, at most ``limit`` values."""
        ...


@runtime_checkable
class RunTables(Protocol):
    """Pages of runs as tables (:class:`~trialbook.store.tables.RunTable`), cheaper to read
    than Run entities when thousands of runs become a DataFrame or a REST page."""

    def search_run_table(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        order_by: Sequence[str] = (),
        max_results: int = 1000,
        view_type: ViewType = ViewType.ACTIVE,
        page_token: str | None = None,
        summaries: bool = True,
    ) -> RunTable:
        """The page :meth:`TrackingStore.search_runs` returns, as a table; without
        ``summaries`` its :attr:`~trialbook.store.tables.RunTable.summaries` may be empty."""
        ...


@runtime_checkable
class DatasetInputs(Protocol):
    """A store that records the datasets runs used (``log_input``).

    Its runs carry their inputs in :attr:`~trialbook.entities.Run.inputs`, and its searches
    understand ``datasets.name``, ``datasets.digest`` and ``datasets.context``.
    """

    def log_inputs(self, run_id: str, dataset_inputs: Sequence[DatasetInput]) -> None:
        """Link datasets to a run; logging the same (dataset, context) again changes nothing.

        A dataset is known by its (name, digest): the first source, schema and profile
        stored for it stay. Raises RunNotFoundError or DeletedRunError for a bad run id.
        """
        ...


@runtime_checkable
class RunFamilies(Protocol):
    """Child run counts per parent in one query (the runs table nests children)."""

    def child_counts(
        self,
        experiment_ids: Sequence[str],
        parent_ids: Sequence[str],
        filter_string: str = "",
        view_type: ViewType = ViewType.ACTIVE,
    ) -> dict[str, int]:
        """How many runs matching the filter each parent has; parents with none left out."""
        ...


@runtime_checkable
class ManyMetricArrays(Protocol):
    """Many runs' metric histories in one read (charts that overlay hundreds of runs)."""

    def get_many_metric_arrays(
        self, run_ids: Sequence[str], keys: Sequence[str]
    ) -> dict[tuple[str, str], MetricArrays]:
        """Every ``(run_id, key)`` pair's history that exists, ordered as
        :meth:`TrackingStore.get_metric_arrays` orders it; missing pairs are left out."""
        ...


@runtime_checkable
class MetricOverviews(Protocol):
    """Many runs' metric histories at chart resolution, without reading every point.

    A store keeps, beside long stretches of a history, the points that keep each of
    ``overview_buckets`` step-buckets' lowest and highest value; downsampling an answer to at
    most that many buckets draws the envelope of every point.
    """

    @property
    def overview_buckets(self) -> int:
        """The resolution of the overviews: step-buckets per stored stretch of a history."""
        ...

    def get_metric_overviews(
        self, run_ids: Sequence[str], keys: Sequence[str]
    ) -> dict[tuple[str, str], MetricArrays]:
        """Every ``(run_id, key)`` pair's history that exists, ordered by step, with each long
        stretch replaced by its overview (NaN values left out of it); missing pairs are left
        out."""
        ...


@runtime_checkable
class OverviewBuilding(Protocol):
    """A store that builds the overviews of :class:`MetricOverviews` after logging, not by it.

    Logging stays as cheap as appending points; :meth:`build_overviews` summarises what a run
    logged since its last call. The tracker calls it off the caller's path when a run ends
    and every :data:`~trialbook.store.upkeep.LIVE_OVERVIEW_POINTS` points of a live run (see
    :class:`~trialbook.store.upkeep.OverviewSchedule`); the tracking server does the same for
    its clients' runs. Until then, charts read the points themselves: slower, never wrong.
    """

    def build_overviews(self, run_id: str) -> int:
        """Summarise the run's histories logged since the last call; return how many
        overviews were added (0 for a run that does not exist)."""
        ...


@runtime_checkable
class TagDeletion(Protocol):
    """Removing tags of runs and experiments (the web UI's tag editor)."""

    def delete_run_tag(self, run_id: str, key: str) -> None:
        """Remove a run's tag; raise TagNotFoundError when the run has no such tag."""
        ...

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Remove an experiment's tag; raise TagNotFoundError when it has no such tag."""
        ...


@runtime_checkable
class ArtifactService(Protocol):
    """A store that serves runs' artifacts itself (clients hold no storage credentials)."""

    def artifact_repository(self, run_id: str) -> RunArtifacts:
        """A run's artifacts, read and written through the store."""
        ...


@runtime_checkable
class DeadRunReaping(Protocol):
    """A store that marks RUNNING runs whose owner stopped beating as KILLED."""

    def reap_dead_runs_now(self) -> None:
        """Run the dead-run check now (``trialbook gc``, tests)."""
        ...


@runtime_checkable
class BatchLedger(Protocol):
    """A store that remembers the ids of applied batches, so a resent batch is skipped."""

    def forget_applied_batches(self, applied_before: int) -> None:
        """Forget batch ids applied before ``applied_before`` (ms since the epoch)."""
        ...


@runtime_checkable
class WantsBatchIds(Protocol):
    """A store a write may reach without its answer coming back (over a network).

    The writer gives every batch it sends such a store an id, so a resent batch is skipped.
    """

    idempotent_batches: bool


@dataclass(frozen=True)
class TokenRecord:
    """An API token as stored: its id, name and permission, and the SHA-256 of the token."""

    token_id: str
    name: str
    token_hash: str
    read_only: bool
    created_time: int
    revoked_time: int | None = None


@runtime_checkable
class TokenTable(Protocol):
    """A store that keeps the tracking server's API tokens (hashed)."""

    def add_token(self, record: TokenRecord) -> None:
        """Store a new token."""
        ...

    def list_tokens(self, include_revoked: bool = True) -> list[TokenRecord]:
        """Tokens, oldest first."""
        ...

    def revoke_tokens(self, token_id_or_name: str, now: int) -> int:
        """Revoke the token with this id (or every token with this name); return how many."""
        ...


@runtime_checkable
class Checkpointing(Protocol):
    """A store whose files can hold recent writes apart (SQLite's write-ahead log).

    The tracker calls :meth:`checkpoint` off the caller's path after a run ends, so that the
    store's main file alone soon holds every finished run (a copied ``trialbook.db`` is whole).
    """

    def checkpoint(self) -> None:
        """Fold recent writes into the store's main file; never wait for other writers."""
        ...


@runtime_checkable
class ForkAware(Protocol):
    """A store holding connections a forked child must not share with its parent."""

    def after_fork(self) -> None:
        """Called in the child after ``os.fork``: drop the parent's connections."""
        ...
