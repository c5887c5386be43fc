"""The ``trialbook`` command.

::

    trialbook experiments list
    trialbook runs list --experiment mnist --filter "metrics.acc > 0.9" --max 20
    trialbook runs show 3f2a91c0
    trialbook models show fraud
    trialbook --tracking-uri sqlite:///runs.db runs compare 3f2a91c0 77b0e1d2
    trialbook gc --older-than 30d
    trialbook db upgrade
    trialbook ui --port 5000

The store is ``--tracking-uri``, else ``TRIALBOOK_TRACKING_URI``, else ``./.trialbook``.
Errors trialbook raises on purpose print one red message and exit with status 1.
"""

from __future__ import annotations

from typing import Any

import click

from trialbook.cli import db, experiments, gc, import_mlflow, models, runs, server, sync
from trialbook.cli.common import TRACKING_URI_ENV, State, absolute_uri, pass_state
from trialbook.errors import TrialbookError
from trialbook.extras import install_command

_SERVER_MODULES = frozenset(
    {"trialbook", "fastapi", "starlette", "uvicorn", "jinja2", "httpx", "anyio", "pydantic"}
)
"""Top-level modules whose absence means the ``server`` extra is not installed."""


class _Root(click.Group):
    """The root group: turns TrialbookError into a red message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrialbookError as err:
            from trialbook.cli import render

            render.error(str(err))
            ctx.exit(1)


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--tracking-uri",
    envvar=TRACKING_URI_ENV,
    default=None,
    metavar="URI",
    help=f"Store to use: a folder, sqlite:///file.db or postgresql://... "
    f"[default: ${TRACKING_URI_ENV}, else ./.trialbook]",
)
@click.version_option(package_name="trialbook", prog_name="trialbook")
@click.pass_context
def cli(ctx: click.Context, tracking_uri: str | None) -> None:
    """Browse, compare, export, clean up and reproduce trialbook runs."""
    from trialbook.store.factory import default_tracking_uri

    ctx.obj = State(tracking_uri=tracking_uri or default_tracking_uri())


cli.add_command(experiments.experiments)
cli.add_command(runs.runs)
cli.add_command(models.models)
cli.add_command(gc.gc)
cli.add_command(db.db)
cli.add_command(server.server)
cli.add_command(sync.sync)
cli.add_command(import_mlflow.import_mlflow)


@cli.command()
@click.option(
    "--backend-store-uri",
    metavar="URI",
    default=None,
    help="Store to serve: a folder, a database URI or a tracking server's http(s) URL "
    "[default: the --tracking-uri of trialbook].",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--open/--no-open", "open_browser", default=False, help="Open a browser tab.")
@click.option(
    "--allowed-hosts",
    metavar="HOSTS",
    default=None,
    help="Comma-separated Host names to answer [default: localhost names when bound to "
    "localhost, else any].",
)
@pass_state
def ui(
    state: State,
    backend_store_uri: str | None,
    host: str,
    port: int,
    open_browser: bool,
    allowed_hosts: str | None,
) -> None:
    """Serve the web UI on a store."""
    import importlib

    uri = absolute_uri(backend_store_uri or state.tracking_uri)
    hosts = [h.strip() for h in (allowed_hosts or "").split(",") if h.strip()] or None
    try:
        web = importlib.import_module("trialbook.ui")
        web.serve(
            tracking_uri=uri,
            host=host,
            port=port,
            open_browser=open_browser,
            allowed_hosts=hosts,
        )
    except ImportError as err:
        missing = (getattr(err, "name", None) or "").split(".")[0]
        if missing and missing not in _SERVER_MODULES:
            raise
        raise TrialbookError(
            f"The web UI needs the server extra ({err}); install it with "
            f"{install_command('server')}"
        ) from err
