"""``trialbook sync``: push runs logged to a local store to a tracking server.

::

    report = sync("./.trialbook", "http://tracking:5000", experiments=["mnist"])
    print(report.summary())

Active experiments are matched by name (created on the target when missing); finished active
runs keep their ids. Syncing again copies nothing twice (see :mod:`trialbook.transfer.copy`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from trialbook.entities import ViewType
from trialbook.errors import ExperimentNotFoundError
from trialbook.transfer.copy import Report, SourceRun, copy_runs, pages


def sync(source_uri: str, target_uri: str, experiments: Sequence[str] = ()) -> Report:
    """Copy the finished runs of ``source_uri`` (all experiments, or those named) to the target."""
    from trialbook.tracking.client import TrackingClient

    source, target = TrackingClient(source_uri), TrackingClient(target_uri)
    found = source.search_experiments(ViewType.ACTIVE)
    if experiments:
        names = {e.name for e in found}
        missing = [name for name in experiments if name not in names]
        if missing:
            raise ExperimentNotFoundError(", ".join(missing))
        found = [e for e in found if e.name in experiments]
    report = Report()
    for experiment in found:
        runs = list(_runs(source, experiment.experiment_id))
        if not runs:
            continue
        target_experiment = target.store.get_or_create_experiment(experiment.name)
        for key, value in experiment.tags.items():
            target.store.set_experiment_tag(target_experiment.experiment_id, key, value)
        copy_runs(target, target_experiment.experiment_id, runs, report)
    return report


def _runs(source: Any, experiment_id: str) -> Iterator[SourceRun]:
    store = source.store
    for run in pages(lambda token: store.search_runs([experiment_id], page_token=token)):
        run_id = run.info.run_id
        yield SourceRun(
            run=run,
            metric_keys=partial(_keys, store, run_id),
            metric=partial(_metric, store, run_id),
            download_artifacts=partial(_download, source, run_id),
        )


def _keys(store: Any, run_id: str) -> list[str]:
    return [s.key for s in store.get_metric_summaries([run_id]).get(run_id, [])]


def _metric(store: Any, run_id: str, key: str) -> tuple[Any, Any, Any]:
    return _columns(store.get_metric_arrays(run_id, key))


def _columns(arrays: Any) -> tuple[Any, Any, Any]:
    return arrays.steps, arrays.values, arrays.timestamps


def _download(source: Any, run_id: str, folder: Path) -> Path | None:
    repo = source.artifact_repository(run_id)
    if not repo.list(""):
        return None
    return Path(repo.download("", folder))
