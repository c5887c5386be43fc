"""A :class:`~trialbook.store.TrackingStore` in process memory, guarded by one lock."""

from __future__ import annotations

import functools
import math
import os
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from trialbook.entities import (
    Experiment,
    LifecycleStage,
    Metric,
    MetricSummary,
    Run,
    RunData,
    RunInfo,
    RunStatus,
    ViewType,
)
from trialbook.errors import (
    DeletedExperimentError,
    DeletedRunError,
    ExperimentNotFoundError,
    ParamConflictError,
    RunExistsError,
    RunNotFoundError,
    TrialbookError,
)
from trialbook.search import parse_filter, parse_order_by
from trialbook.store import (
    Batch,
    MetricArrays,
    ModelRegistry,
    RunPage,
    decode_page_token,
    encode_page_token,
)
from trialbook_memory.filters import matches, sort_key
from trialbook_memory.registry import MemoryRegistry


def _now() -> int:
    return int(time.time() * 1000)


@dataclass
class _Run:
    """A run's state: its info, data and metric points (in logging order)."""

    info: RunInfo
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    points: dict[str, list[Metric]] = field(default_factory=dict)
    heartbeat: int = 0
    deleted_time: int | None = None

    def summaries(self) -> list[MetricSummary]:
        found = []
        for key, points in sorted(self.points.items()):
            # The largest step, then timestamp; of equal ones, the last logged.
            latest = max(reversed(points), key=lambda p: (p.step, p.timestamp))
            numbers = [p.value for p in points if not math.isnan(p.value)]
            low, high = (min(numbers), max(numbers)) if numbers else (math.nan, math.nan)
            found.append(
                MetricSummary(
                    key, latest.value, latest.step, latest.timestamp, low, high, len(points)
                )
            )
        return found

    def run(self) -> Run:
        metrics = {s.key: s.latest for s in self.summaries()}
        return Run(self.info, RunData(dict(self.params), metrics, dict(self.tags)))


class MemoryStore:
    """Experiments and runs in dictionaries; gone when the process ends."""

    def __init__(self, artifact_root: str) -> None:
        self.artifact_root = artifact_root.rstrip("/")
        self._lock = threading.RLock()
        self._experiments: dict[str, Experiment] = {}
        self._runs: dict[str, _Run] = {}
        self._applied: set[str] = set()
        self._registry = MemoryRegistry(self, self._lock)

    @property
    def registry(self) -> ModelRegistry:
        """The model registry kept with this store, in memory too."""
        return self._registry

    def close(self) -> None:
        """Nothing to release."""

    # Experiments ---------------------------------------------------------------------------

    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: Mapping[str, str] | None = None
    ) -> str:
        """Create an experiment; raise TrialbookError when the name is taken."""
        with self._lock:
            taken = self.get_experiment_by_name(name)
            if taken is not None:
                raise TrialbookError(
                    f"An experiment named {name!r} exists already (id {taken.experiment_id}); "
                    "choose another name or use set_experiment to log into it."
                )
            experiment_id = str(len(self._experiments) + 1)
            now = _now()
            location = artifact_location or f"{self.artifact_root}/{experiment_id}"
            self._experiments[experiment_id] = Experiment(
                experiment_id, name, location, LifecycleStage.ACTIVE, now, now, dict(tags or {})
            )
            return experiment_id

    def get_or_create_experiment(self, name: str) -> Experiment:
        """The active experiment named ``name``, created when missing."""
        with self._lock:
            found = self.get_experiment_by_name(name)
            if found is None:
                return self.get_experiment(self.create_experiment(name))
            if found.lifecycle_stage is LifecycleStage.DELETED:
                raise DeletedExperimentError(name)
            return found

    def get_experiment(self, experiment_id: str) -> Experiment:
        """The experiment, or ExperimentNotFoundError."""
        found = self._experiments.get(str(experiment_id))
        if found is None:
            raise ExperimentNotFoundError(str(experiment_id))
        return found

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """The experiment named ``name`` (active or deleted), or None."""
        return next((e for e in self._experiments.values() if e.name == name), None)

    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE,
        name_like: str | None = None,
        max_results: int | None = None,
    ) -> list[Experiment]:
        """Experiments ordered by name; ``name_like`` is an SQL LIKE pattern."""
        from trialbook_memory.filters import like

        view = ViewType.parse(view_type)
        found = sorted(
            (
                e
                for e in self._experiments.values()
                if _in_view(e.lifecycle_stage, view)
                and (name_like is None or like(e.name, name_like, True))
            ),
            key=lambda e: e.name,
        )
        return found[:max_results] if max_results is not None else found

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename an experiment."""
        self._change_experiment(experiment_id, name=new_name)

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete an experiment and its runs."""
        with self._lock:
            self._change_experiment(experiment_id, lifecycle_stage=LifecycleStage.DELETED)
            for run in self._runs.values():
                if run.info.experiment_id == str(experiment_id):
                    self._set_stage(run, LifecycleStage.DELETED)

    def restore_experiment(self, experiment_id: str) -> None:
        """Undo :meth:`delete_experiment`."""
        with self._lock:
            self._change_experiment(experiment_id, lifecycle_stage=LifecycleStage.ACTIVE)
            for run in self._runs.values():
                if run.info.experiment_id == str(experiment_id):
                    self._set_stage(run, LifecycleStage.ACTIVE)

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        """Set an experiment tag."""
        with self._lock:
            tags = dict(self.get_experiment(experiment_id).tags)
            tags[key] = value
            self._change_experiment(experiment_id, tags=tags)

    def experiment_stats(self) -> dict[str, tuple[int, int | None]]:
        """Experiment id to (active run count, last run start in ms or None)."""
        with self._lock:
            stats: dict[str, tuple[int, int | None]] = {}
            for experiment_id in self._experiments:
                runs = [
                    r.info
                    for r in self._runs.values()
                    if r.info.experiment_id == experiment_id
                    and r.info.lifecycle_stage is LifecycleStage.ACTIVE
                ]
                last = max((i.end_time or i.start_time for i in runs), default=None)
                stats[experiment_id] = (len(runs), last)
            return stats

    def _change_experiment(self, experiment_id: str, **changes: object) -> None:
        with self._lock:
            experiment = self.get_experiment(experiment_id)
            changed = replace(experiment, last_update_time=_now(), **changes)  # type: ignore[arg-type]
            self._experiments[experiment.experiment_id] = changed

    # Runs ----------------------------------------------------------------------------------

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
        """Create a RUNNING run in the experiment."""
        with self._lock:
            experiment = self.get_experiment(experiment_id)
            if experiment.lifecycle_stage is LifecycleStage.DELETED:
                raise DeletedExperimentError(experiment.name)
            run_id = run_id or uuid.uuid4().hex
            if run_id in self._runs:
                raise RunExistsError(run_id)
            info = RunInfo(
                run_id=run_id,
                experiment_id=experiment.experiment_id,
                run_name=run_name,
                status=RunStatus.RUNNING,
                start_time=start_time,
                end_time=None,
                lifecycle_stage=LifecycleStage.ACTIVE,
                artifact_uri=f"{experiment.artifact_location}/{run_id}/artifacts",
                user_id=user_id,
                parent_run_id=parent_run_id,
                description=description,
            )
            run = self._runs[run_id] = _Run(info, tags=dict(tags or {}), heartbeat=start_time)
            return run.run()

    def get_run(self, run_id: str) -> Run:
        """The run, or RunNotFoundError."""
        with self._lock:
            return self._run(run_id).run()

    def update_run(
        self,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
        description: str | None = None,
    ) -> None:
        """Change a run's status, end time, name or description."""
        with self._lock:
            run = self._run(run_id)
            changes = {
                "status": status,
                "end_time": end_time,
                "run_name": run_name,
                "description": description,
            }
            run.info = replace(run.info, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    def heartbeat(self, run_ids: Sequence[str], now: int) -> None:
        """Record that the process owning these runs is alive."""
        with self._lock:
            for run_id in run_ids:
                if run_id in self._runs:
                    self._runs[run_id].heartbeat = now

    def reap_dead_runs_now(self) -> None:
        """Mark RUNNING runs without a heartbeat for ``TRIALBOOK_HEARTBEAT_TIMEOUT`` s KILLED."""
        timeout_ms = float(os.environ.get("TRIALBOOK_HEARTBEAT_TIMEOUT", "60")) * 1000
        with self._lock:
            for run in self._runs.values():
                if run.info.status is RunStatus.RUNNING and _now() - run.heartbeat > timeout_ms:
                    run.info = replace(run.info, status=RunStatus.KILLED, end_time=run.heartbeat)

    def delete_run(self, run_id: str) -> None:
        """Soft-delete a run."""
        with self._lock:
            self._set_stage(self._run(run_id), LifecycleStage.DELETED)

    def restore_run(self, run_id: str) -> None:
        """Undo :meth:`delete_run`."""
        with self._lock:
            self._set_stage(self._run(run_id), LifecycleStage.ACTIVE)

    def purge_runs(self, run_ids: Sequence[str]) -> None:
        """Forget deleted runs and their data."""
        with self._lock:
            for run_id in run_ids:
                run = self._runs.get(run_id)
                if run is not None and run.info.lifecycle_stage is LifecycleStage.DELETED:
                    del self._runs[run_id]

    def deleted_runs(self, older_than: int | None = None) -> list[Run]:
        """Runs soft-deleted (before ``older_than`` ms, if given)."""
        with self._lock:
            return [
                r.run()
                for r in self._runs.values()
                if r.deleted_time is not None
                and (older_than is None or r.deleted_time < older_than)
            ]

    def _run(self, run_id: str) -> _Run:
        run = self._runs.get(run_id)
        if run is None:
            raise RunNotFoundError(run_id)
        return run

    def _set_stage(self, run: _Run, stage: LifecycleStage) -> None:
        run.info = replace(run.info, lifecycle_stage=stage)
        run.deleted_time = _now() if stage is LifecycleStage.DELETED else None

    # Data ----------------------------------------------------------------------------------

    def write_batch(self, batch: Batch) -> None:
        """Write params, tags and metric points, all or nothing."""
        with self._lock:
            if batch.batch_id is not None and batch.batch_id in self._applied:
                return
            for run_id in batch.run_ids():
                if self._run(run_id).info.lifecycle_stage is LifecycleStage.DELETED:
                    raise DeletedRunError(run_id)
            params: dict[tuple[str, str], str] = {}
            for run_id, key, value in batch.params:
                old = params.get((run_id, key), self._runs[run_id].params.get(key))
                if old is not None and old != value:
                    raise ParamConflictError(run_id, key, old, value)
                params[(run_id, key)] = value
            for (run_id, key), value in params.items():
                self._runs[run_id].params[key] = value
            for run_id, key, value in batch.tags:
                self._runs[run_id].tags[key] = value
            for run_id, key, value, step, timestamp in batch.metrics:
                self._add(run_id, key, [Metric(key, float(value), int(step), int(timestamp))])
            for series in batch.series:
                points = zip(series.steps, series.values, series.timestamps, strict=True)
                self._add(
                    series.run_id,
                    series.key,
                    [Metric(series.key, float(v), int(s), int(t)) for s, v, t in points],
                )
            if batch.batch_id is not None:
                self._applied.add(batch.batch_id)

    def _add(self, run_id: str, key: str, points: list[Metric]) -> None:
        self._runs[run_id].points.setdefault(key, []).extend(points)

    def get_metric_history(
        self, run_id: str, key: str, max_results: int | None = None, page_token: str | None = None
    ) -> tuple[list[Metric], str | None]:
        """A metric's points ordered by step then timestamp, and the next page's token."""
        with self._lock:
            points = sorted(
                self._run(run_id).points.get(key, []), key=lambda p: (p.step, p.timestamp)
            )
        start = decode_page_token(page_token)
        stop = len(points) if max_results is None else start + max_results
        return points[start:stop], encode_page_token(stop) if stop < len(points) else None

    def get_metric_arrays(self, run_id: str, key: str) -> MetricArrays:
        """A metric's whole history as numpy arrays."""
        import numpy as np  # Only here: opening the store must not pay for numpy.

        points, _ = self.get_metric_history(run_id, key)
        return MetricArrays(
            np.array([p.step for p in points], dtype=np.int64),
            np.array([p.value for p in points], dtype=np.float64),
            np.array([p.timestamp for p in points], dtype=np.int64),
        )

    def get_metric_summaries(self, run_ids: Sequence[str]) -> dict[str, list[MetricSummary]]:
        """Latest, min and max of every metric of the given runs."""
        with self._lock:
            return {r: self._runs[r].summaries() for r in run_ids if r in self._runs}

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
        if max_results < 1:
            raise TrialbookError(f"max_results must be at least 1, got {max_results}.")
        found = self._matching(experiment_ids, filter_string, view_type)
        found.sort(key=lambda pair: pair[0].info.run_id)
        found.sort(key=lambda pair: pair[0].info.start_time, reverse=True)
        for key in reversed(parse_order_by(list(order_by))):
            found.sort(key=functools.partial(sort_key, key=key), reverse=not key.ascending)
        start = decode_page_token(page_token)
        page = [run for run, _ in found[start : start + max_results]]
        token = encode_page_token(start + max_results) if start + max_results < len(found) else None
        summaries = self.get_metric_summaries([r.info.run_id for r in page])
        return RunPage(page, token, summaries=summaries)

    def count_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        view_type: ViewType = ViewType.ACTIVE,
    ) -> int:
        """How many runs match a filter."""
        return len(self._matching(experiment_ids, filter_string, view_type))

    def _matching(
        self, experiment_ids: Sequence[str], filter_string: str, view_type: ViewType
    ) -> list[tuple[Run, list[MetricSummary]]]:
        expr = parse_filter(filter_string)
        view = ViewType.parse(view_type)
        wanted = {str(e) for e in experiment_ids}
        with self._lock:
            candidates = [
                (r.run(), r.summaries())
                for r in self._runs.values()
                if r.info.experiment_id in wanted and _in_view(r.info.lifecycle_stage, view)
            ]
        return [(run, summaries) for run, summaries in candidates if matches(expr, run, summaries)]


def _in_view(stage: LifecycleStage, view: ViewType) -> bool:
    if view is ViewType.ALL:
        return True
    return (stage is LifecycleStage.ACTIVE) == (view is ViewType.ACTIVE)
