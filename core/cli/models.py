"""``trialbook models``: the model registry from the command line.

::

    trialbook models register runs:/3f2a91c0.../model fraud --tag data=2026-11
    trialbook models list --filter "name LIKE 'fraud%'"
    trialbook models show fraud
    trialbook models alias fraud champion 3          # --delete removes the alias
    trialbook models delete fraud 2                  # a version; without one, the whole model

Deleting never touches the runs' artifacts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import click

from trialbook.cli import render
from trialbook.cli.common import State, pass_state
from trialbook.errors import TrialbookError
from trialbook.registry.entities import ModelVersion, RegisteredModel, every_page, quoted

if TYPE_CHECKING:
    from trialbook.tracking.client import TrackingClient

_PAGE = 1000


@click.group()
def models() -> None:
    """Register, list, show, alias and delete registered models."""


def _joined(mapping: Mapping[str, object]) -> str | None:
    return ", ".join(f"{k}={v}" for k, v in sorted(mapping.items())) or None


def _aliases(aliases: Mapping[str, int]) -> str | None:
    return ", ".join(f"{alias}→v{version}" for alias, version in sorted(aliases.items())) or None


@models.command("list")
@click.option(
    "--filter", "filter_string", default=None, metavar="FILTER", help="e.g. \"name LIKE 'fraud%'\"."
)
@click.option(
    "--max", "max_results", type=click.IntRange(min=1), default=None, help="At most this many."
)
@pass_state
def list_models(state: State, filter_string: str | None, max_results: int | None) -> None:
    """Registered models with their latest version and aliases."""
    client = state.client()
    found: list[RegisteredModel] = []
    token: str | None = None
    while max_results is None or len(found) < max_results:
        size = _PAGE if max_results is None else min(_PAGE, max_results - len(found))
        page = client.search_registered_models(filter_string, size, page_token=token)
        found.extend(page)
        token = page.next_page_token
        if token is None:
            break
    out = render.console()
    if not found:
        out.print("No registered models.")
        return
    table = render.table(
        "Name", "Latest", "Aliases", "Tags", "Updated", "Description", title="Registered models"
    )
    for model in found:
        table.add_row(
            render.cell(model.name, style="bold"),
            render.cell(model.latest_version),
            render.cell(_aliases(model.aliases)),
            render.cell(_joined(model.tags)),
            render.cell(render.timestamp(model.last_updated_timestamp)),
            render.cell(model.description or None),
        )
    out.print(table)


@models.command(short_help="Show a registered model and its versions.")
@click.argument("name")
@click.option("--full-ids", is_flag=True, help="Show whole run ids.")
@pass_state
def show(state: State, name: str, full_ids: bool) -> None:
    """NAME's description, tags, aliases and every version."""
    client = state.client()
    model = client.get_registered_model(name)
    versions = _all_versions(client, name)
    out = render.console()
    details = render.table("Field", "Value", title=f"Registered model {model.name}")
    details.show_header = False
    for label, value in (
        ("Created", render.timestamp(model.creation_timestamp)),
        ("Updated", render.timestamp(model.last_updated_timestamp)),
        ("Description", model.description or None),
        ("Tags", _joined(model.tags)),
        ("Aliases", _aliases(model.aliases)),
    ):
        details.add_row(render.cell(label, style="bold"), render.cell(value))
    out.print(details)
    if not versions:
        out.print(render.cell("No versions.", style="dim"))
        return
    table = render.table(
        "Version", "Aliases", "Run", "Path", "Created", "Tags", "Description", title="Versions"
    )
    for version in versions:
        table.add_row(
            render.cell(version.version, style="bold"),
            render.cell(", ".join(version.aliases) or None),
            render.cell(render.short_id(version.run_id, full_ids)),
            render.cell(version.artifact_path),
            render.cell(render.timestamp(version.creation_timestamp)),
            render.cell(_joined(version.tags)),
            render.cell(version.description or None),
        )
    out.print(table)


def _all_versions(client: TrackingClient, name: str) -> list[ModelVersion]:
    where = f"name = {quoted(name)}"
    return list(every_page(lambda token: client.search_model_versions(where, _PAGE, None, token)))


def _tags(pairs: Sequence[str]) -> dict[str, str]:
    tags = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--tag")
        tags[key] = value
    return tags


@models.command(short_help="Register a logged model as a new version.")
@click.argument("model_uri")
@click.argument("name")
@click.option(
    "--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Tag the version (repeatable)."
)
@click.option("--description", default=None, help="The version's description.")
@pass_state
def register(
    state: State, model_uri: str, name: str, tags: Sequence[str], description: str | None
) -> None:
    """Register MODEL_URI (runs:/<run_id>/<path>) as the next version of NAME."""
    client = state.client()
    version = client.register_model(model_uri, name, _tags(tags), description)
    render.console().print(
        f"Registered {version.source} as version {version.version} of {version.name!r} "
        f"(load it with trialbook.load_model({version.model_uri!r}))."
    )


@models.command(short_help="Point an alias at a version, or delete it.")
@click.argument("name")
@click.argument("alias")
@click.argument("version", required=False)
@click.option("--delete", is_flag=True, help="Remove the alias instead.")
@pass_state
def alias(state: State, name: str, alias: str, version: str | None, delete: bool) -> None:
    """Point ALIAS of model NAME at VERSION (or remove it with --delete)."""
    client = state.client()
    out = render.console()
    if delete:
        if version is not None:
            raise TrialbookError("Give either a VERSION or --delete, not both.")
        client.delete_registered_model_alias(name, alias)
        out.print(f"Removed alias {alias!r} of {name!r}.")
        return
    if version is None:
        raise TrialbookError(f"Which version should {alias!r} point at? Give a VERSION.")
    client.set_registered_model_alias(name, alias, version)
    out.print(f"{name}@{alias} now points at version {version} (models:/{name}@{alias}).")


@models.command(short_help="Delete a version, or a whole registered model.")
@click.argument("name")
@click.argument("version", required=False)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def delete(state: State, name: str, version: str | None, yes: bool) -> None:
    """Delete VERSION of NAME, or NAME with all its versions; run artifacts stay."""
    client = state.client()
    what = f"version {version} of {name!r}" if version else f"registered model {name!r}"
    if version is None:
        client.get_registered_model(name)  # A clear error before asking.
    else:
        client.get_model_version(name, version)
    if not yes:
        click.confirm(f"Delete {what} for good (its runs' artifacts stay)?", abort=True)
    if version is None:
        client.delete_registered_model(name)
    else:
        client.delete_model_version(name, version)
    render.console().print(f"Deleted {what}.")
