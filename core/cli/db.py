"""``trialbook db``: database schema maintenance.

::

    trialbook db upgrade                                   # the default store
    trialbook db upgrade --tracking-uri postgresql://user@host/trialbook
    trialbook db overviews                                 # chart overviews runs lack

Stores are migrated automatically when first opened; ``db upgrade`` does it explicitly
(before a deployment, say) and shows the revision before and after. ``db overviews`` builds
the metric overviews charts of many runs read (see
:class:`~trialbook.store.base.OverviewBuilding`) for runs that have none: runs logged before
the store had them, or by a process that died before its run ended.
"""

from __future__ import annotations

import click

from trialbook.cli import render
from trialbook.cli.common import State, pass_state
from trialbook.entities import ViewType
from trialbook.store import OverviewBuilding, upgrade_schema


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


@db.command()
@click.option(
    "--tracking-uri",
    metavar="URI",
    default=None,
    help="Store to summarise [default: the --tracking-uri of trialbook].",
)
@pass_state
def overviews(state: State, tracking_uri: str | None) -> None:
    """Build the metric overviews of runs that lack them (charts of many runs read them)."""
    client = State(tracking_uri or state.tracking_uri).client()
    store = client.store
    if not isinstance(store, OverviewBuilding):
        raise click.ClickException(
            f"The store at {client.tracking_uri} builds no overviews itself (a tracking "
            "server's store does: run this command on the server's database)."
        )
    runs = built = 0
    for experiment in client.search_experiments(ViewType.ALL):
        token: str | None = None
        while True:
            page = client.search_runs(
                [experiment.experiment_id], run_view_type=ViewType.ALL, page_token=token
            )
            for run in page:
                built += store.build_overviews(run.info.run_id)
            runs += len(page)
            token = page.next_page_token
            if token is None:
                break
    render.console().print(
        f"Built {render.plural(built, 'overview')} for the {render.plural(runs, 'run')} "
        f"of {client.tracking_uri}."
    )
