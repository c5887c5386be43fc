"""The server's request guards, as pure ASGI middleware (outermost first).

* :class:`HostCheck`: a server bound to localhost answers only to localhost Host headers, so
  a web page on a DNS-rebinding domain cannot reach it.
* :class:`Authenticate`: with ``--auth``, a valid token (see :mod:`trialbook.server.auth`)
  or 401, except on the public paths.
* :class:`StateChangeCheck`: requests that change data must be JSON (or an artifact upload),
  never a form or ``text/plain`` post a foreign page can send without a CORS preflight, and
  must not come from a foreign ``Origin``.
* :class:`BodyLimit`: bodies over the limit get 413 before the route sees them; gzip bodies
  are decoded here, under the decoded-size limit.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Any
from urllib.parse import urlparse

from trialbook.server import API_PREFIX
from trialbook.server.auth import PUBLIC_PATHS, TokenStore, bearer_token
from trialbook.store.rest.errors import message_body
from trialbook.store.rest.limits import Limits

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
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


def host_name(host: str) -> str:
    """The host of a Host header, without its port (``[::1]:5000`` -> ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class HostCheck:
    """Refuse requests whose Host header is not one of ``allowed`` (400)."""

    def __init__(self, app: ASGIApp, allowed: Collection[str]) -> None:
        self.app = app
        self.allowed = frozenset(h.lower() for h in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the Host header, then pass the request on."""
        if scope["type"] == "http":
            host = host_name(headers_of(scope).get("host", ""))
            if host not in self.allowed:
                await reply(
                    send,
                    400,
                    "InvalidHost",
                    f"Host {host!r} is not served here; this server answers to "
                    f"{', '.join(sorted(self.allowed))} (start it with --allowed-hosts).",
                )
                return
        await self.app(scope, receive, send)


class Authenticate:
    """With auth on, attach the token's principal to the request, or answer 401."""

    def __init__(self, app: ASGIApp, tokens: TokenStore) -> None:
        self.app = app
        self.tokens = tokens

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
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


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


class _TooLarge(Exception):
    pass


class BodyLimit:
    """413 for bodies over the limits; gzip request bodies decoded (within limits)."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared and the actual size; decode gzip; pass the body on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = is_upload(scope)
        limit = self.limits.max_artifact_bytes if upload else self.limits.max_body_bytes
        headers = headers_of(scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._too_large(send, limit)
            return
        if upload:
            await self._counted(scope, receive, send, limit)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > limit:
                await self._too_large(send, limit)
                return
        if headers.get("content-encoding", "").strip().lower() == "gzip":
            try:
                decoded = _gunzip(bytes(body), self.limits.max_decoded_bytes)
            except _TooLarge:
                await self._too_large(send, self.limits.max_decoded_bytes, "decoded ")
                return
            except zlib.error as err:
                await reply(send, 400, "BadEncoding", f"The gzip body is corrupt: {err}")
                return
            scope = dict(scope)
            scope["headers"] = [
                (k, v)
                for k, v in scope["headers"]
                if k.lower() not in (b"content-encoding", b"content-length")
            ] + [(b"content-length", str(len(decoded)).encode())]
            body = bytearray(decoded)
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        seen = 0
        started = False

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, watch)
        except _TooLarge:
            if not started:
                await self._too_large(send, limit)

    @staticmethod
    async def _too_large(send: Send, limit: int, what: str = "") -> None:
        await reply(
            send,
            413,
            "LimitExceededError",
            f"The request {what}body is over this server's limit of {limit} bytes; nothing "
            "was written.",
        )


def _gunzip(data: bytes, limit: int) -> bytes:
    decoder = zlib.decompressobj(wbits=31)
    out = decoder.decompress(data, limit + 1)
    if len(out) > limit or decoder.unconsumed_tail:
        raise _TooLarge
    out += decoder.flush()
    if len(out) > limit:
        raise _TooLarge
    if not decoder.eof:
        raise zlib.error("the gzip stream is truncated")
    return out


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
