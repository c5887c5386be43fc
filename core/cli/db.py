"""``trialbook db``: database schema maintenance.

::

    trialbook db upgrade                                   # the default store
    trialbook db upgrade --tracking-uri postgresql://user@host/trialbook

Stores are migrated automatically when first opened; ``db upgrade`` does it explicitly
(before a deployment, say) and shows the revision before and after.
"""

from __future__ import annotations

import click

from trialbook.cli import render
from trialbook.cli.common import State, pass_state


@click.group()
def db() -> None:
    """Database schema maintenance."""


@db.command()
@click.option(
    "--tracking-uri",
    metavar="URI",
    default=None,
    help="Store to upgrade [default: the --tracking-uri of trialbook].",
)
@pass_state
def upgrade(state: State, tracking_uri: str | None) -> None:
    """Run the schema migrations up to the newest revision."""
    from trialbook.store.sql.engine import upgrade_database

    shown, before, after = upgrade_database(tracking_uri or state.tracking_uri)
    if before == after:
        render.console().print(f"{shown} is at revision {before}, the newest: nothing to do.")
        return
    render.console().print(
        f"Upgraded {shown} from revision {before or 'none (empty database)'} to {after}."
    )
