"""The tracking server's ASGI app: the REST API, the web UI beside it, and the guards.

::

    app = create_server_app("postgresql://tb@db/trialbook", "s3://bucket/trialbook")
    uvicorn.run(app, host="127.0.0.1", port=5000)           # or: trialbook server ...

Routes: ``/health`` (public), the REST API under ``/api/v1`` (experiments, runs, batches,
metrics, artifacts, model registry; spec at ``/api/v1/openapi.json``, browsable at ``/api/v1/docs``), and
the web UI at ``/`` when ``trialbook.ui`` can be imported. Errors are JSON
``{"error": {"code", "message", "fields"}}`` with a 4xx status for bad requests; a database
that cannot be reached is a 503, which clients retry.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.middleware.gzip import GZipMiddleware

from trialbook.errors import StoreUnavailableError, TrialbookError
from trialbook.server import API_PREFIX
from trialbook.server.security import (
    LOCAL_HOSTS,
    ASGIApp,
    Authenticate,
    BodyLimit,
    HostCheck,
    Receive,
    Scope,
    Send,
    StateChangeCheck,
)
from trialbook.server.state import ServerState, normalise_destination
from trialbook.store.rest.errors import error_body, message_body, status_of
from trialbook.store.rest.limits import Limits

log = logging.getLogger(__name__)

UI_MOUNT = "/"
"""Where the web UI is mounted (every UI route is a GET; auth protects it as a whole)."""


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
    def health() -> dict[str, str]:
        """Liveness: answers without a token and without touching the database."""
        return {"status": "ok"}

    for module in (routes_experiments, routes_runs, routes_data, routes_artifacts, routes_registry):
        app.include_router(module.router)
    _add_error_handlers(app)
    if ui:
        _mount_ui(app, backend_store_uri)

    app.add_middleware(_CompressApi)
    app.add_middleware(BodyLimit, limits=state.limits)
    app.add_middleware(StateChangeCheck, origins=cors_origins)
    if state.tokens is not None:
        app.add_middleware(Authenticate, tokens=state.tokens)
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


def _mount_ui(app: FastAPI, backend_store_uri: str) -> None:
    try:
        from trialbook.ui import create_app
    except ImportError as err:  # pragma: no cover - the server extra brings the UI's needs
        log.warning("trialbook: the web UI is not available (%s); serving the API only", err)
        return
    app.mount(UI_MOUNT, create_app(backend_store_uri), name="ui")


def _add_error_handlers(app: FastAPI) -> None:
    async def on_trialbook_error(_request: Request, error: Exception) -> Response:
        if not isinstance(error, TrialbookError):  # pragma: no cover - registered for it only
            raise error
        if isinstance(error, StoreUnavailableError):
            log.warning("trialbook server: store unavailable: %s", error)
            return JSONResponse(
                message_body("Unavailable", f"{error}; try again."),
                status_code=503,
                headers={"Retry-After": "1"},
            )
        return JSONResponse(error_body(error), status_code=status_of(error))

    async def on_validation_error(_request: Request, error: Exception) -> Response:
        errors = error.errors() if isinstance(error, RequestValidationError) else []
        parts = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[:5]
        ]
        message = "Invalid request: " + ("; ".join(parts) or str(error))
        return JSONResponse(message_body("InvalidRequest", message), status_code=422)

    async def on_bad_value(_request: Request, error: Exception) -> Response:
        return JSONResponse(message_body("InvalidValue", str(error)), status_code=400)

    async def on_storage_error(_request: Request, error: Exception) -> Response:
        log.warning("trialbook server: artifact storage error: %s", error)
        return JSONResponse(
            message_body("Unavailable", f"The artifact storage failed: {error}"),
            status_code=503,
            headers={"Retry-After": "1"},
        )

    app.add_exception_handler(TrialbookError, on_trialbook_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(ValueError, on_bad_value)
    app.add_exception_handler(OSError, on_storage_error)


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
