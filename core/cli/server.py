"""``trialbook server``: the team tracking server, and its API tokens.

::

    trialbook server --backend-store-uri postgresql://tb:pw@db/trialbook \\
        --artifacts-destination s3://bucket/trialbook --host 0.0.0.0 --port 5000 --auth
    trialbook server tokens create --name ci --read-only     # prints the token once
    trialbook server tokens list
    trialbook server tokens revoke ci

The tokens commands work on the database directly (``--backend-store-uri``, else
``TRIALBOOK_BACKEND_STORE_URI``, else the ``--tracking-uri`` of trialbook).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from trialbook.cli.common import State, absolute_uri, pass_state
from trialbook.errors import TrialbookError
from trialbook.extras import install_command

if TYPE_CHECKING:
    from trialbook.server.auth import TokenStore

BACKEND_ENV = "TRIALBOOK_BACKEND_STORE_URI"

_backend_option = click.option(
    "--backend-store-uri",
    envvar=BACKEND_ENV,
    metavar="URI",
    default=None,
    help=f"Database: postgresql://..., sqlite:///file.db or a folder [env ${BACKEND_ENV}; "
    "default: the --tracking-uri of trialbook].",
)


def _backend(state: State, backend_store_uri: str | None) -> str:
    uri = absolute_uri(backend_store_uri or state.tracking_uri)
    if uri.lower().startswith(("http://", "https://")):
        raise TrialbookError(
            f"{uri} is a tracking server; give the server a database with --backend-store-uri."
        )
    return uri


@click.group(invoke_without_command=True, short_help="Run the team tracking server.")
@_backend_option
@click.option(
    "--artifacts-destination",
    metavar="URL",
    default="./trialbook-artifacts",
    show_default=True,
    help="Where the server stores artifacts: a folder or any fsspec URL (s3://, gs://...).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=int, help="Server processes.")
@click.option("--auth", is_flag=True, help="Require API tokens (see `tokens create`).")
@click.option(
    "--allowed-hosts",
    metavar="HOSTS",
    default=None,
    help="Comma-separated Host names to answer [default: localhost names when bound to "
    "localhost, else any].",
)
@click.option(
    "--cors-origins",
    metavar="ORIGINS",
    default="",
    help="Comma-separated browser origins allowed to call the API [default: none].",
)
@click.option(
    "--limit",
    "limits",
    metavar="NAME=VALUE",
    multiple=True,
    help="Change one of the request limits, e.g. --limit max_body_bytes=16777216 (repeatable; "
    "names and defaults in the README's Security section).",
)
@pass_state
@click.pass_context
def server(
    ctx: click.Context,
    state: State,
    backend_store_uri: str | None,
    artifacts_destination: str,
    host: str,
    port: int,
    workers: int,
    auth: bool,
    allowed_hosts: str | None,
    cors_origins: str,
    limits: tuple[str, ...],
) -> None:
    """Serve the REST API (/api/v1) and the web UI for many training jobs at once."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        from trialbook.server.run import ServerConfig, serve
    except ImportError as err:
        raise TrialbookError(
            f"The server needs extra packages ({err}); install them with "
            f"{install_command('server')}"
        ) from err
    from trialbook.cli import render

    config = ServerConfig(
        backend_store_uri=_backend(state, backend_store_uri),
        artifacts_destination=absolute_uri(artifacts_destination),
        host=host,
        port=port,
        workers=max(1, workers),
        auth=auth,
        allowed_hosts=_split(allowed_hosts) or None,
        cors_origins=_split(cors_origins),
        limits=_limits(limits),
    )
    out = render.console()
    if not auth and config.hosts() is None:
        out.print(
            f"[yellow]Warning:[/] listening on {host} without --auth: anyone who can reach "
            "this port can read and change every run."
        )
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    out.print(
        f"trialbook server at http://{shown}:{port} (API /api/v1, UI /); artifacts in "
        f"{config.artifacts_destination}. Ctrl+C to stop."
    )
    serve(config)


def _limits(items: tuple[str, ...]) -> dict[str, int]:
    from dataclasses import fields

    from trialbook.store.rest.limits import Limits

    names = sorted(f.name for f in fields(Limits))
    found: dict[str, int] = {}
    for item in items:
        name, _, value = item.partition("=")
        name = name.strip()
        if name not in names or not value.strip().isdigit() or int(value) < 1:
            raise click.BadParameter(
                f"{item!r}: use NAME=VALUE with a positive whole number and one of "
                f"{', '.join(names)}.",
                param_hint="--limit",
            )
        found[name] = int(value)
    return found


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


@server.group()
def tokens() -> None:
    """Create, list and revoke API tokens (stored hashed in the server's database)."""


def _token_store(state: State, backend_store_uri: str | None) -> TokenStore:
    from trialbook.server.auth import TokenStore, token_table
    from trialbook.store.factory import open_store

    uri = _backend(state, backend_store_uri)
    return TokenStore(token_table(open_store(uri), uri))


@tokens.command("create")
@_backend_option
@click.option("--name", required=True, help="Who or what uses the token (e.g. ci, alice).")
@click.option("--read-only", is_flag=True, help="The token may read but not change data.")
@pass_state
def create_token(state: State, backend_store_uri: str | None, name: str, read_only: bool) -> None:
    """Create a token and print it (it is shown only this once)."""
    store = _token_store(state, backend_store_uri)
    token = store.create(name, read_only)
    kind = "read-only" if read_only else "read-write"
    click.echo(f"Created a {kind} token named {name!r}. Keep it secret; it is not shown again:")
    click.echo(token)


@tokens.command("list")
@_backend_option
@pass_state
def list_tokens(state: State, backend_store_uri: str | None) -> None:
    """List tokens (ids, names, permissions; never the tokens)."""
    from trialbook.cli import render

    store = _token_store(state, backend_store_uri)
    table = render.table("Id", "Name", "Permission", "Created", "Revoked")
    for info in store.list():
        table.add_row(
            info.token_id,
            render.cell(info.name),
            "read-only" if info.read_only else "read-write",
            render.timestamp(info.created_time),
            render.timestamp(info.revoked_time),
        )
    render.console().print(table)


@tokens.command("revoke")
@_backend_option
@click.argument("token_id_or_name")
@pass_state
def revoke_token(state: State, backend_store_uri: str | None, token_id_or_name: str) -> None:
    """Revoke the token with this id, or every token with this name."""
    store = _token_store(state, backend_store_uri)
    count = store.revoke(token_id_or_name)
    if not count:
        raise TrialbookError(f"No active token with id or name {token_id_or_name!r}.")
    click.echo(f"Revoked {count} token{'s' if count != 1 else ''}.")
