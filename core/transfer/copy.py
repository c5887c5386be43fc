"""Copying one run into a store, idempotently.

A run is copied in steps that may each be repeated safely: create it with its own id (if
missing), write params and tags, its dataset inputs (when both stores keep them), then each metric's whole history (batches with ids derived
from the run and key, applied once), upload its artifacts (overwriting), set its final
status, and last the tag :data:`COPIED_TAG`. A run carrying that tag is skipped.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialbook.entities import LifecycleStage, Run
from trialbook.errors import RunNotFoundError
from trialbook.store.base import Batch, DatasetInputs, MetricSeries, part_batch_id

COPIED_TAG = "trialbook.copied"
"""Set on a run once it is copied whole (its value: when, in ms since the epoch)."""

Columns = tuple[Any, Any, Any]
"""(steps, values, timestamps) of one metric's history."""


@dataclass(frozen=True)
class SourceRun:
    """A run to copy: what it is, and how to read its metrics and artifacts."""

    run: Run
    metric_keys: Callable[[], Iterable[str]]
    metric: Callable[[str], Columns]
    download_artifacts: Callable[[Path], Path | None]
    """Copy the run's artifacts under a folder; return the folder holding them, or None."""


@dataclass
class Report:
    """What a copy did."""

    copied: int = 0
    skipped: int = 0
    running: int = 0
    points: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people."""
        text = (
            f"Copied {self.copied} run(s) ({self.points} metric points, {self.files} artifact "
            f"files); {self.skipped} already there"
        )
        if self.running:
            text += f"; {self.running} still running (copy them once they end)"
        return text + "."


def copy_runs(target: Any, experiment_id: str, runs: Iterable[SourceRun], report: Report) -> None:
    """Copy runs into the experiment ``experiment_id`` of ``target`` (a TrackingClient)."""
    for source in runs:
        info = source.run.info
        if not info.status.is_terminated:
            report.running += 1
            continue
        existing = _existing(target, info.run_id)
        if existing is not None and (
            COPIED_TAG in existing.data.tags
            or existing.info.lifecycle_stage is LifecycleStage.DELETED
        ):
            report.skipped += 1
            continue
        if existing is not None and existing.info.experiment_id != experiment_id:
            report.problems.append(
                f"run {info.run_id} exists in another experiment of the target; not copied"
            )
            continue
        copy_run(target, experiment_id, source, report, create=existing is None)
        report.copied += 1


def _existing(target: Any, run_id: str) -> Run | None:
    try:
        found: Run = target.store.get_run(run_id)
    except RunNotFoundError:
        return None
    return found


def copy_run(
    target: Any, experiment_id: str, source: SourceRun, report: Report, create: bool = True
) -> None:
    """Copy one run (see the module docstring for why each step may be repeated)."""
    store = target.store
    run = source.run
    info = run.info
    origin = f"copy:{info.run_id}"
    if create:
        store.create_run(
            experiment_id,
            info.run_name,
            info.start_time,
            parent_run_id=info.parent_run_id,
            user_id=info.user_id,
            run_id=info.run_id,
            description=info.description,
        )
    tags = [(info.run_id, k, v) for k, v in run.data.tags.items() if k != COPIED_TAG]
    params = [(info.run_id, k, v) for k, v in run.data.params.items()]
    if tags or params:
        store.write_batch(Batch(params=params, tags=tags, batch_id=part_batch_id(origin, "meta")))
    if run.inputs.dataset_inputs and isinstance(store, DatasetInputs):
        store.log_inputs(info.run_id, run.inputs.dataset_inputs)  # a repeat changes nothing
    for key in source.metric_keys():
        steps, values, timestamps = source.metric(key)
        if len(values):
            series = MetricSeries(info.run_id, key, steps, values, timestamps)
            batch_id = part_batch_id(origin, f"metric:{key}")
            store.write_batch(Batch(series=[series], batch_id=batch_id))
            report.points += len(values)
    with tempfile.TemporaryDirectory(prefix="trialbook-copy-") as tmp:
        folder = source.download_artifacts(Path(tmp))
        if folder is not None and any(folder.iterdir()):
            report.files += len(target.artifact_repository(info.run_id).log_dir(folder))
    store.update_run(info.run_id, status=info.status, end_time=info.end_time)
    done = str(int(time.time() * 1000))
    store.write_batch(Batch(tags=[(info.run_id, COPIED_TAG, done)]))


def pages(search: Callable[[str | None], Any]) -> Iterator[Run]:
    """Every run of a paged search (``search(page_token)`` returns a RunPage)."""
    token: str | None = None
    while True:
        page = search(token)
        yield from page.runs
        token = page.next_page_token
        if token is None:
            return
