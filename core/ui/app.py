"""The UI's ASGI app: HTML pages, the JSON they load, and the static files they run.

::

    app = create_app("./.trialbook")
    uvicorn.run(app)                         # or serve("./.trialbook", port=5000)

Routes:

* Pages: ``/`` (experiments), ``/experiments/{id}`` (runs table), ``/runs/{id}`` (a run),
  ``/compare?runs=a,b`` (runs side by side).
* JSON under ``/api/ui/`` (the pages' data; see ``routes_runs``, ``routes_run``,
  ``routes_artifacts``, ``routes_workspace`` for charts over many runs, ``routes_views``,
  ``routes_export`` for CSV). The tracking server mounts its REST API beside it.
* Edits under ``/api/ui/`` (``routes_edit``): JSON only, same origin, and only for requests
  ``may_write`` allows.
* ``/static/ui/`` for our CSS and JavaScript, and plotly.js from the ``plotly`` package.

Every response carries security headers (:mod:`trialbook.ui.security`); JSON and text
assets are gzipped.
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.middleware.gzip import GZipMiddleware

from trialbook.errors import (
    ArtifactNotFoundError,
    DeletedExperimentError,
    DeletedRunError,
    ExperimentNotFoundError,
    InvalidArtifactPathError,
    ModelAliasNotFoundError,
    ModelVersionNotFoundError,
    RegisteredModelNotFoundError,
    RunNotFoundError,
    SearchSyntaxError,
    TagNotFoundError,
    TrialbookError,
)
from trialbook.ui import history
from trialbook.ui.security import (
    LOCAL_HOSTS,
    ASGIApp,
    HostCheck,
    Receive,
    Scope,
    SecurityHeaders,
    Send,
    hosts_to_answer,
)
from trialbook.ui.serialize import error_json
from trialbook.ui.state import UIState

API_PREFIX = "/api/ui"
"""Where the UI's own JSON endpoints live."""

_HERE = Path(__file__).parent
_NOT_FOUND = (
    RunNotFoundError,
    ExperimentNotFoundError,
    ArtifactNotFoundError,
    RegisteredModelNotFoundError,
    ModelVersionNotFoundError,
    ModelAliasNotFoundError,
    TagNotFoundError,
)


def create_app(
    tracking_uri: str | None = None,
    on_startup: Callable[[], None] | None = None,
    allowed_hosts: Sequence[str] | None = LOCAL_HOSTS,
    may_write: Callable[[Request], bool] | None = None,
) -> FastAPI:
    """The UI app over the store at ``tracking_uri`` (default: the current tracking URI).

    Args:
        tracking_uri: A folder, ``sqlite:///`` or ``postgresql://`` URI.
        on_startup: Called once the server is ready to answer (``serve`` opens a browser).
        allowed_hosts: Host headers answered (None: any, when something in front checks
            them, as the tracking server does when it mounts the UI).
        may_write: Whether a request may edit runs and experiments (default: any; the
            tracking server refuses read-only tokens). Pages hide the edit controls then.
    """
    from trialbook.store.factory import get_store
    from trialbook.tracking.fluent import get_tracking_uri
    from trialbook.ui import (
        routes_artifacts,
        routes_datasets,
        routes_edit,
        routes_export,
        routes_models,
        routes_pages,
        routes_run,
        routes_runs,
        routes_static,
        routes_views,
        routes_workspace,
    )

    uri = tracking_uri or get_tracking_uri()
    store = get_store(uri)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        routes_static.warm_up()
        history.warm_up()
        if on_startup is not None:
            on_startup()
        yield

    app = FastAPI(
        title="trialbook",
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
        lifespan=lifespan,
    )
    app.state.trialbook_ui = UIState(
        tracking_uri=uri,
        store=store,
        templates=_templates(),
        history=history.HistoryService(store),
    )
    if may_write is not None:
        app.state.trialbook_ui.may_write = may_write
    routers = (
        routes_runs,
        routes_run,
        routes_artifacts,
        routes_datasets,
        routes_static,
        routes_pages,
        routes_models,
        routes_workspace,
        routes_edit,
        routes_views,
        routes_export,
    )
    for module in routers:
        app.include_router(module.router)
    _add_error_handlers(app)
    app.add_middleware(_CompressSome)
    app.add_middleware(SecurityHeaders)
    if allowed_hosts is not None:
        app.add_middleware(HostCheck, allowed=allowed_hosts)
    return app


def serve(
    tracking_uri: str | None = None,
    host: str = "127.0.0.1",
    port: int = 5000,
    open_browser: bool = False,
    allowed_hosts: Sequence[str] | None = None,
) -> None:
    """Serve the UI with uvicorn until interrupted.

    It answers the Host names in ``allowed_hosts``; by default, only the local names when
    bound to a loopback address (see :func:`~trialbook.ui.security.hosts_to_answer`).
    """
    import uvicorn

    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"

    def ready() -> None:
        print(f"trialbook UI at {url} (Ctrl+C to stop)", flush=True)
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    app = create_app(
        tracking_uri, on_startup=ready, allowed_hosts=hosts_to_answer(host, allowed_hosts)
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _templates() -> Jinja2Templates:
    import jinja2

    from trialbook.ui import routes_static, templating

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["static"] = routes_static.static_url
    environment.globals["plotly_url"] = routes_static.plotly_url
    environment.filters.update(templating.FILTERS)
    return Jinja2Templates(env=environment)


def _add_error_handlers(app: FastAPI) -> None:
    async def on_error(request: Request, error: Exception) -> Response:
        status = _status(error)
        body = error_json(error)
        if request.url.path.startswith("/api/"):
            return JSONResponse(body, status_code=status)
        state: UIState = request.app.state.trialbook_ui
        return state.templates.TemplateResponse(
            request,
            "error.html",
            {"status": status, "message": body["error"]["message"], "state": state},
            status_code=status,
        )

    app.add_exception_handler(TrialbookError, on_error)


def _status(error: Exception) -> int:
    from trialbook.ui.routes_edit import EditNotSupportedError, EditRefusedError

    if isinstance(error, _NOT_FOUND):
        return 404
    if isinstance(error, EditRefusedError):
        return 403
    if isinstance(error, EditNotSupportedError):
        return 501
    if isinstance(error, (DeletedRunError, DeletedExperimentError)):
        return 409
    if isinstance(error, (SearchSyntaxError, InvalidArtifactPathError, ValueError)):
        return 400
    return 500


class _CompressSome:
    """Gzip JSON and our text assets; leave artifact files and plotly.js alone."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip: Any = GZipMiddleware(app, minimum_size=1024, compresslevel=5)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(("/api/ui/", "/static/ui/")) and not _uncompressed(path):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _uncompressed(path: str) -> bool:
    return path.endswith("/artifacts/raw") or "/plotly-" in path


def page(request: Request, name: str, context: dict[str, Any]) -> HTMLResponse:
    """Render a page template with the UI state in its context."""
    state: UIState = request.app.state.trialbook_ui
    root = request.scope.get("root_path", "")
    context = {"state": state, "base": root, "can_edit": state.may_write(request), **context}
    response: HTMLResponse = state.templates.TemplateResponse(request, name, context)
    return response
