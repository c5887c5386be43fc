"""The server's request guards, as pure ASGI middleware (outermost first).

* :class:`HostCheck` (shared with ``trialbook ui``, from :mod:`trialbook.ui.security`): a
  server bound to localhost answers only to localhost Host headers, so a web page on a
  DNS-rebinding domain cannot reach it.
* :class:`Authenticate`: with ``--auth``, a valid token (see :mod:`trialbook.server.auth`)
  or 401, except on the public paths; a read-only token calling a route that writes gets
  403. Both before the body is read.
* :class:`StateChangeCheck`: requests that change data must be JSON (or an artifact upload),
  never a form or ``text/plain`` post a foreign page can send without a CORS preflight, and
  must not come from a foreign ``Origin``.
* :class:`~trialbook.server.bodies.BodyLimit`: bodies over the limits get 413 before the
  route sees them; gzip bodies are decoded there, under the decoded-size limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from urllib.parse import urlparse

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match

from trialbook.server import API_PREFIX
from trialbook.server.auth import PUBLIC_PATHS, TokenStore, bearer_token, require_write
from trialbook.store.rest.errors import message_body
from trialbook.ui.security import LOCAL_HOSTS as LOCAL_HOSTS
from trialbook.ui.security import ASGIApp as ASGIApp
from trialbook.ui.security import HostCheck as HostCheck
from trialbook.ui.security import Message as Message
from trialbook.ui.security import Receive as Receive
from trialbook.ui.security import Scope as Scope
from trialbook.ui.security import Send as Send
from trialbook.ui.security import host_name as host_name

UPLOAD_SUFFIX = "/artifacts/content"
_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_upload(scope: Scope) -> bool:
    """True for ``PUT /api/v1/runs/{id}/artifacts/content`` (a raw, streamed body)."""
    path: str = scope.get("path", "")
    return (
        scope.get("method") == "PUT"
        and path.startswith(API_PREFIX + "/")
        and path.endswith(UPLOAD_SUFFIX)
    )


def headers_of(scope: Scope) -> dict[str, str]:
    """The request headers, lower-cased names (the last one wins)."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


async def reply(
    send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> None:
    """Answer with a JSON error body."""
    body = json.dumps(message_body(code, message)).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw.extend((k.encode(), v.encode()) for k, v in (headers or {}).items())
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class Authenticate:
    """With auth on, attach the token's principal to the request, or answer 401."""

    def __init__(
        self, app: ASGIApp, tokens: TokenStore, writes: Callable[[Scope], bool] | None = None
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.writes = writes or WriteRoutes(())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the token, then pass the request on."""
        if scope["type"] != "http" or scope.get("path") in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        from starlette.concurrency import run_in_threadpool

        token = bearer_token(headers_of(scope))
        principal = None if token is None else await run_in_threadpool(self.tokens.verify, token)
        if principal is None:
            api = scope.get("path", "").startswith("/api/")
            challenge = 'Bearer realm="trialbook"' if api else 'Basic realm="trialbook"'
            await reply(
                send,
                401,
                "AuthenticationError",
                "A valid API token is needed: set TRIALBOOK_TRACKING_TOKEN "
                "(create one with `trialbook server tokens create`).",
                {"www-authenticate": challenge},
            )
            return
        if principal.read_only and self.writes(scope):
            await reply(
                send,
                403,
                "PermissionDeniedError",
                f"Token {principal.name!r} is read-only; this request changes data and needs "
                "a read-write token.",
            )
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


class WriteRoutes:
    """Which requests go to an API route that needs a read-write token.

    Read from the routes' declared permissions (``dependencies=[WRITE]``), so the token's
    permission is checked before the body is read: a read-only token cannot make the
    server parse what it may not send.
    """

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self.routes = [
            (route, any(d.call is require_write for d in route.dependant.dependencies))
            for route in routes
            if isinstance(route, APIRoute)
        ]

    def __call__(self, scope: Scope) -> bool:
        """Whether the route ``scope`` goes to writes (the first full match decides)."""
        for route, writes in self.routes:
            if route.matches(scope)[0] is Match.FULL:
                return writes
        return False


class StateChangeCheck:
    """Data-changing API requests must be JSON (uploads: octet-stream) from no foreign origin."""

    def __init__(self, app: ASGIApp, origins: Collection[str] = ()) -> None:
        self.app = app
        self.origins = frozenset(o.rstrip("/").lower() for o in origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the content type and origin of POST, PUT, PATCH and DELETE requests."""
        if scope["type"] == "http" and scope.get("method") in _CHANGING:
            headers = headers_of(scope)
            origin = headers.get("origin", "").rstrip("/").lower()
            if origin and origin not in self.origins and not _same_origin(origin, headers):
                await reply(
                    send, 403, "ForeignOrigin", f"Requests from origin {origin!r} are refused."
                )
                return
            if scope.get("path", "").startswith("/api/"):
                wanted = "application/octet-stream" if is_upload(scope) else "application/json"
                media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
                if media != wanted:
                    await reply(
                        send,
                        415,
                        "UnsupportedMediaType",
                        f"This request must have Content-Type: {wanted}, not {media or 'none'}.",
                    )
                    return
        await self.app(scope, receive, send)


def _same_origin(origin: str, headers: dict[str, str]) -> bool:
    parsed = urlparse(origin)
    return parsed.netloc == headers.get("host", "").lower()
