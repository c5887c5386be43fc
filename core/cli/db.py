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
from trialbook.store import upgrade_schema


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
    done = upgrade_schema(tracking_uri or state.tracking_uri)
    if done.before == done.after:
        render.console().print(
            f"{done.shown} is at revision {done.before}, the newest: nothing to do."
        )
        return
    render.console().print(
        f"Upgraded {done.shown} from revision {done.before or 'none (empty database)'} "
        f"to {done.after}."
    )
