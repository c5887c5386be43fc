"""``trialbook db``: database schema maintenance.

::

    trialbook db upgrade                                   # the default store
    trialbook db upgrade --tracking-uri postgresql://user@host/trialbook

Stores are migrated automatically when first opened; ``db upgrade`` does it explicitly
(before a deployment, say) and shows the revision before and after.
"""

from __future__ import annotations

from pathlib import Path

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
    import sqlalchemy as sa
    from alembic.util.exc import CommandError

    from trialbook.errors import StoreError
    from trialbook.store.factory import resolve
    from trialbook.store.sql.engine import HEAD_REVISION, current_revision
    from trialbook.store.sql.engine import upgrade as run_migrations

    db_url, _ = resolve(tracking_uri or state.tracking_uri)
    url = sa.engine.make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    shown = url.render_as_string(hide_password=True)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        before = current_revision(engine)
        if before == HEAD_REVISION:
            render.console().print(f"{shown} is at revision {before}, the newest: nothing to do.")
            return
        run_migrations(engine)
        after = current_revision(engine)
    except (sa.exc.SQLAlchemyError, CommandError) as err:
        raise StoreError(f"Could not upgrade {shown}: {err}") from err
    finally:
        engine.dispose()
    render.console().print(
        f"Upgraded {shown} from revision {before or 'none (empty database)'} to {after}."
    )
