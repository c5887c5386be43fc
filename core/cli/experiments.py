"""``trialbook experiments``: list, create, rename, delete and restore experiments.

::

    trialbook experiments list --all
    trialbook experiments create mnist
    trialbook experiments rename mnist mnist-v2
    trialbook experiments delete mnist-v2 && trialbook experiments restore mnist-v2
"""

from __future__ import annotations

import click

from trialbook.cli import render
from trialbook.cli.common import State, find_experiment, pass_state, view_type
from trialbook.entities import LifecycleStage


@click.group()
def experiments() -> None:
    """List, create, rename, delete and restore experiments."""


@experiments.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include deleted experiments.")
@click.option("--deleted", is_flag=True, help="Only deleted experiments.")
@pass_state
def list_experiments(state: State, show_all: bool, deleted: bool) -> None:
    """Experiments with their run counts, last activity and artifact location."""
    client = state.client()
    view = view_type(show_all, deleted)
    found = client.search_experiments(view)
    stats = client.store.experiment_stats()
    columns = ["Id", "Name", "Runs", "Last activity", "Artifact location"]
    if show_all:
        columns.insert(2, "Stage")
    table = render.table(*columns, title=f"Experiments in {state.tracking_uri}")
    for experiment in found:
        runs, last = stats.get(experiment.experiment_id, (0, None))
        row = [
            render.cell(experiment.experiment_id),
            render.cell(experiment.name, style="bold"),
            render.cell(runs),
            render.cell(render.timestamp(last or experiment.last_update_time)),
            render.cell(experiment.artifact_location),
        ]
        if show_all:
            deleted_style = "red" if experiment.lifecycle_stage is LifecycleStage.DELETED else ""
            row.insert(2, render.cell(experiment.lifecycle_stage.value, style=deleted_style))
        table.add_row(*row)
    out = render.console()
    if not found:
        out.print("No experiments.")
        return
    out.print(table)


@experiments.command()
@click.argument("name")
@click.option(
    "--artifact-location", metavar="URL", default=None, help="Where its runs' artifacts go."
)
@pass_state
def create(state: State, name: str, artifact_location: str | None) -> None:
    """Create an experiment called NAME."""
    experiment_id = state.client(must_exist=False).create_experiment(name, artifact_location)
    render.console().print(f"Created experiment {name!r} with id {experiment_id}.")


@experiments.command()
@click.argument("experiment")
@click.argument("new_name")
@pass_state
def rename(state: State, experiment: str, new_name: str) -> None:
    """Rename EXPERIMENT (a name or an id) to NEW_NAME."""
    client = state.client()
    found = find_experiment(client, experiment)
    client.rename_experiment(found.experiment_id, new_name)
    render.console().print(
        f"Renamed experiment {found.experiment_id} from {found.name!r} to {new_name!r}."
    )


@experiments.command()
@click.argument("experiment")
@pass_state
def delete(state: State, experiment: str) -> None:
    """Delete EXPERIMENT (a name or an id) and hide its runs; `restore` undoes it."""
    client = state.client()
    found = find_experiment(client, experiment)
    client.delete_experiment(found.experiment_id)
    render.console().print(
        f"Deleted experiment {found.name!r} (id {found.experiment_id}). Restore it with "
        f"`trialbook experiments restore {found.experiment_id}`; `trialbook gc` purges its runs."
    )


@experiments.command()
@click.argument("experiment")
@pass_state
def restore(state: State, experiment: str) -> None:
    """Restore the deleted EXPERIMENT (a name or an id)."""
    client = state.client()
    found = find_experiment(client, experiment)
    client.restore_experiment(found.experiment_id)
    render.console().print(f"Restored experiment {found.name!r} (id {found.experiment_id}).")
