"""The tracking server's ASGI app: the REST API, the web UI beside it, and the guards.

::

    app = create_server_app("postgresql://tb@db/trialbook", "s3://bucket/trialbook")
    uvicorn.run(app, host="127.0.0.1", port=5000)           # or: trialbook server ...

Routes: ``/health`` (public), the REST API under ``/api/v1`` (experiments, runs, batches,
metrics, artifacts, model registry; spec at ``/api/v1/openapi.json``, browsable at ``/api/v1/docs``), and
the web UI at ``/`` when ``trialbook.ui`` can be imported. Errors are JSON
``{"error": {"code", "message", "fields"}}`` with a 4xx status for bad requests, including
ones the database or the filesystem can never serve; only a passing fault (a database that
cannot be reached) is a 503, which clients retry (see :mod:`trialbook.server.handlers`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from trialbook.server import API_PREFIX
from trialbook.server.bodies import BodyLimit
from trialbook.server.handlers import add_error_handlers
from trialbook.server.security import (
    LOCAL_HOSTS,
    ASGIApp,
    Authenticate,
    HostCheck,
    Receive,
    Scope,
    Send,
    StateChangeCheck,
    WriteRoutes,
)
from trialbook.server.state import ServerState, normalise_destination
from trialbook.store.rest.limits import Limits

log = logging.getLogger(__name__)

UI_MOUNT = "/"
"""Where the web UI is mounted (auth protects it as a whole; its edits also need a read-write
token, checked by the UI through ``may_write``)."""


def create_server_app(
    backend_store_uri: str,
    artifacts_destination: str,
    *,
    auth: bool = False,
    allowed_hosts: Sequence[str] | None = LOCAL_HOSTS,
    cors_origins: Sequence[str] = (),
    limits: Limits | None = None,
    ui: bool = True,
) -> FastAPI:
    """Build the server app.

    Args:
        backend_store_uri: The database: ``postgresql://...``, ``sqlite:///...`` or a folder.
        artifacts_destination: Where artifacts go: a local folder or any fsspec URL.
        auth: Require API tokens (``trialbook server tokens create``).
        allowed_hosts: Host headers answered (None: any, for servers behind a proxy).
        cors_origins: Foreign origins browsers may call the API from (none by default).
        limits: Request limits (defaults: :class:`~trialbook.store.rest.limits.Limits`).
        ui: Mount the web UI at ``/`` when it can be imported.
    """
    from trialbook.server import (
        routes_artifacts,
        routes_data,
        routes_experiments,
        routes_registry,
        routes_runs,
    )
    from trialbook.server.auth import TokenStore, token_table
    from trialbook.store.factory import open_store

    destination = normalise_destination(artifacts_destination)
    store = open_store(backend_store_uri, destination)
    state = ServerState(store, destination, limits or Limits())
    if auth:
        state.tokens = TokenStore(token_table(store, backend_store_uri))

    app = FastAPI(
        title="trialbook tracking server",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.trialbook_server = state

    @app.get("/health", tags=["health"])
    async def health() -> dict[str, str]:
        """Liveness: answers without a token, the database or a worker thread.

        On the event loop itself, so it answers while every worker thread is busy.
        """
        return {"status": "ok"}

    routers = [
        module.router
        for module in (
            routes_experiments,
            routes_runs,
            routes_data,
            routes_artifacts,
            routes_registry,
        )
    ]
    for router in routers:
        app.include_router(router)
    add_error_handlers(app)
    if ui:
        _mount_ui(app, backend_store_uri, state)

    app.add_middleware(_CompressApi)
    app.add_middleware(BodyLimit, limits=state.limits)
    app.add_middleware(StateChangeCheck, origins=cors_origins)
    if state.tokens is not None:
        writes = WriteRoutes(route for router in routers for route in router.routes)
        app.add_middleware(Authenticate, tokens=state.tokens, writes=writes)
    if cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH"],
            allow_headers=["authorization", "content-type", "content-encoding"],
        )
    if allowed_hosts is not None:
        app.add_middleware(HostCheck, allowed=allowed_hosts)
    return app


def _mount_ui(app: FastAPI, backend_store_uri: str, state: ServerState) -> None:
    from trialbook.server.auth import may_write

    try:
        from trialbook.ui import create_app
    except ImportError as err:  # pragma: no cover - the server extra brings the UI's needs
        log.warning("trialbook: the web UI is not available (%s); serving the API only", err)
        return
    # The server's own HostCheck, outside the mount, guards the UI's routes too.
    # Its edits follow the API's rule: a read-only token sees no edit controls, and is refused.
    ui = create_app(
        backend_store_uri, allowed_hosts=None, may_write=lambda request: may_write(state, request)
    )
    app.mount(UI_MOUNT, ui, name="ui")


class _CompressApi:
    """Gzip API responses, but not artifact downloads (streamed as stored)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip: Any = GZipMiddleware(app, minimum_size=1024, compresslevel=1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(API_PREFIX + "/") and not path.endswith("/artifacts/content"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
