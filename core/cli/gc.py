"""``trialbook gc``: purge deleted runs and their artifacts for good; reap dead runs.

::

    trialbook gc --dry-run               # what would go
    trialbook gc --older-than 30d        # runs deleted at least 30 days ago

Runs of deleted experiments count as deleted. Artifacts go first, then the database rows,
so an interrupted gc can simply be run again; it also deletes shared artifact blobs that no
run links to any more (:mod:`trialbook.artifacts.shared`).
"""

from __future__ import annotations

import posixpath
import re
import time
from collections.abc import Iterator
from typing import Any

import click

from trialbook.artifacts import ArtifactRepository
from trialbook.artifacts.repository import delete_unused_blobs
from trialbook.cli import render
from trialbook.cli.common import State, pass_state
from trialbook.entities import Run, ViewType
from trialbook.registry.entities import ModelVersion, every_page, quoted
from trialbook.store.base import ArtifactService, DeadRunReaping

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", re.IGNORECASE)
_PURGE_CHUNK = 200


def parse_age(text: str) -> float:
    """Seconds in an age like ``30d``, ``12h``, ``90m``, ``45s`` or ``2w``."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise click.BadParameter(
            f"{text!r} is not an age like 30d, 12h, 90m, 45s or 2w.", param_hint="--older-than"
        )
    return float(match.group(1)) * _UNITS[match.group(2).lower()]


@click.command(short_help="Purge deleted runs and their artifacts.")
@click.option(
    "--older-than",
    metavar="AGE",
    default=None,
    help="Only runs deleted at least this long ago (30d, 12h, 90m, 45s, 2w) [default: all].",
)
@click.option("--dry-run", is_flag=True, help="List what would be purged; change nothing.")
@pass_state
def gc(state: State, older_than: str | None, dry_run: bool) -> None:
    """Purge deleted runs and their artifacts, and mark runs whose process died as KILLED."""
    cutoff = None
    if older_than is not None:
        cutoff = int((time.time() - parse_age(older_than)) * 1000)
    client = state.client()
    store = client.store
    out = render.console()
    if not dry_run:
        reaped = _reap(client)
        if reaped:
            out.print(f"Marked {render.plural(reaped, 'run')} whose process died as KILLED.")
    doomed: list[Run] = store.deleted_runs(older_than=cutoff)
    registered = registered_models_of(store, [run.info.run_id for run in doomed])
    if registered:
        doomed = [run for run in doomed if run.info.run_id not in registered]
        kept = sorted({version for versions in registered.values() for version in versions})
        render.warning(
            f"Kept {render.plural(len(registered), 'deleted run')} whose models are registered "
            f"({', '.join(kept[:5])}{', ...' if len(kept) > 5 else ''}); delete those versions "
            "first with `trialbook models delete NAME VERSION`."
        )
    if not doomed:
        out.print("No deleted runs to purge.")
        if not dry_run:
            _sweep_blobs(client, out)
        return
    if dry_run:
        table = render.table("Run id", "Name", "Experiment id", "Artifact URI")
        table.title = f"{render.plural(len(doomed), 'run')} would be purged"
        for run in doomed:
            table.add_row(
                render.cell(run.info.run_id),
                render.cell(run.info.run_name),
                render.cell(run.info.experiment_id),
                render.cell(run.info.artifact_uri),
            )
        out.print(table)
        return
    _purge(store, doomed)
    out.print(f"Purged {render.plural(len(doomed), 'deleted run')} and their artifacts.")
    _sweep_blobs(client, out)


def _sweep_blobs(client: Any, out: Any) -> None:
    """Delete shared artifact blobs that no run links to (left by an interrupted purge)."""
    if isinstance(client.store, ArtifactService):  # A server keeps its own storage.
        return
    swept = sum(
        delete_unused_blobs(experiment.artifact_location)
        for experiment in client.search_experiments(ViewType.ALL)
    )
    if swept:
        out.print(f"Deleted {render.plural(swept, 'unused shared artifact file')}.")


def registered_models_of(store: Any, run_ids: list[str]) -> dict[str, list[str]]:
    """Registered model versions (``fraud v3``) by the run among ``run_ids`` they come from.

    Purging such a run would leave its versions nothing to load.
    """
    found: dict[str, list[str]] = {}
    for start in range(0, len(run_ids), _PURGE_CHUNK):
        chunk = ", ".join(quoted(run_id) for run_id in run_ids[start : start + _PURGE_CHUNK])
        for version in _versions(store, f"run_id IN ({chunk})"):
            found.setdefault(version.run_id, []).append(f"{version.name} v{version.version}")
    return found


def _versions(store: Any, where: str) -> Iterator[ModelVersion]:
    return every_page(lambda token: store.registry.search_model_versions(where, page_token=token))


def _reap(client: Any) -> int:
    """Run the store's dead-run check now; return how many runs it marked KILLED."""
    store = client.store
    if not isinstance(store, DeadRunReaping):
        return 0
    ids = [e.experiment_id for e in client.search_experiments(ViewType.ALL)]
    if not ids:
        return 0
    running = "attributes.status = 'RUNNING'"
    before = int(client.store.count_runs(ids, running, ViewType.ALL))
    store.reap_dead_runs_now()
    return before - int(client.store.count_runs(ids, running, ViewType.ALL))


def _purge(store: Any, doomed: list[Run]) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=render.console(),
        transient=True,
    ) as progress:
        task = progress.add_task("Purging deleted runs", total=len(doomed))
        for start in range(0, len(doomed), _PURGE_CHUNK):
            chunk = doomed[start : start + _PURGE_CHUNK]
            for run in chunk:
                if not isinstance(store, ArtifactService):  # A server purges its own.
                    delete_artifacts(run)
                progress.advance(task)
            store.purge_runs([run.info.run_id for run in chunk])


def delete_artifacts(run: Run) -> None:
    """Delete a run's artifacts, and its folder when it is left empty."""
    repo = ArtifactRepository(run.info.artifact_uri)
    repo.delete_all()
    parent = posixpath.dirname(repo.root)
    if posixpath.basename(parent) != run.info.run_id:
        return
    try:
        if repo.fs.isdir(parent) and not repo.fs.ls(parent):
            repo.fs.rmdir(parent)
    except OSError:
        pass  # Not empty after all, or a store without folders: nothing to tidy.
