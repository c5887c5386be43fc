"""Reading request bodies within the limits, before any object is built from them.

:class:`BodyLimit` is the ASGI middleware in front of the routes (inside the token check, so
an anonymous request is refused before its body is read). It reads a body chunk by chunk,
decoding gzip as the chunks arrive and stopping at the first byte over a limit (413), then
checks the JSON's nesting depth and element count on the raw bytes (:func:`json_shape_error`)
before the route parses it. What a request can cost is therefore bounded by the limits, not
by how well its body compresses::

    app.add_middleware(BodyLimit, limits=Limits(max_body_bytes=8 << 20))

Artifact uploads are streamed to the route as they arrive, only counted.
"""

from __future__ import annotations

import re
import zlib

import anyio
import anyio.lowlevel

from trialbook.server.security import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    headers_of,
    is_upload,
    reply,
)
from trialbook.store.rest.limits import Limits

# A JSON string (an unterminated one runs to the end: the pattern never backtracks), or one
# of the characters that open, close or separate values.
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{},]', re.DOTALL)
_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")
_PIECE = 1 << 20
"""Bytes of decoded output produced at a time."""


class _TooLarge(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def json_shape_error(data: bytes | bytearray, max_depth: int, max_values: int) -> str | None:
    """Why ``data`` is too deep or has too many elements to parse, or None when it is fine.

    Counts containers and separators outside strings (an upper bound of the values JSON
    would build), stopping at the first limit crossed: the work is bounded by the limits,
    whatever the size of ``data``.
    """
    if plainly_within(data, max_depth, max_values):
        return None
    depth = 0
    values = 0
    for match in _TOKENS.finditer(data):
        first = data[match.start()]
        if first in _OPENERS:
            depth += 1
            values += 1
            if depth > max_depth:
                return (
                    f"The request body nests JSON deeper than this server's limit of "
                    f"{max_depth} levels."
                )
        elif first in _CLOSERS:
            depth -= 1
        elif first == ord(","):
            values += 1
        if values > max_values:
            return (
                f"The request body has more JSON elements than this server's limit of "
                f"{max_values}; send it in smaller requests."
            )
    return None


def plainly_within(data: bytes | bytearray, max_depth: int, max_values: int) -> bool:
    """True when mere counts of brackets and commas show ``data`` within both limits."""
    openers = data.count(b"[") + data.count(b"{")
    return openers <= max_depth and openers + data.count(b",") <= max_values


class BodyLimit:
    """413 for bodies over the limits; gzip bodies decoded as they arrive (within limits)."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared and the actual size, decode gzip, check the JSON's shape."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = is_upload(scope)
        limit = self.limits.max_artifact_bytes if upload else self.limits.max_body_bytes
        headers = headers_of(scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, _over(limit))
            return
        if upload:
            await self._counted(scope, receive, send, limit)
            return
        gzipped = headers.get("content-encoding", "").strip().lower() == "gzip"
        try:
            body = await self._read(receive, limit, gzipped)
        except _TooLarge as err:
            await _too_large(send, err.message)
            return
        except zlib.error as err:
            await reply(send, 400, "BadEncoding", f"The gzip body is corrupt: {err}")
            return
        if body is None:
            return  # The client went away.
        depth, values = self.limits.max_json_depth, self.limits.json_values
        if body and not plainly_within(body, depth, values):
            # A long scan runs in a worker thread, so other requests go on meanwhile.
            problem = await anyio.to_thread.run_sync(json_shape_error, body, depth, values)
            if problem is not None:
                await _too_large(send, problem)
                return
        if gzipped:
            scope = dict(scope)
            scope["headers"] = [
                (k, v)
                for k, v in scope["headers"]
                if k.lower() not in (b"content-encoding", b"content-length")
            ] + [(b"content-length", str(len(body)).encode())]
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _read(self, receive: Receive, limit: int, gzipped: bool) -> bytearray | None:
        """The whole body, decoded; None when the client disconnected first."""
        decoded_limit = self.limits.max_decoded_bytes
        decoder = zlib.decompressobj(wbits=31) if gzipped else None
        body = bytearray()
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk: bytes = message.get("body", b"")
            more = message.get("more_body", False)
            received += len(chunk)
            if received > limit:
                raise _TooLarge(_over(limit))
            if decoder is None:
                body += chunk
                continue
            if decoder.eof:
                if chunk:
                    raise zlib.error("data follows the end of the gzip stream")
                continue
            while chunk:  # In pieces: the output never exists twice in memory.
                body += decoder.decompress(chunk, _PIECE)
                if len(body) > decoded_limit:
                    raise _TooLarge(_over(decoded_limit, "decoded "))
                chunk = decoder.unconsumed_tail
                await anyio.lowlevel.checkpoint()  # Let other requests run between pieces.
        if decoder is not None:
            body += decoder.flush()
            if len(body) > decoded_limit:
                raise _TooLarge(_over(decoded_limit, "decoded "))
            if not decoder.eof:
                raise zlib.error("the gzip stream is truncated")
            if decoder.unused_data:
                raise zlib.error("data follows the end of the gzip stream")
        return body

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        seen = 0
        started = False

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge(_over(limit))
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, watch)
        except _TooLarge as err:
            if not started:
                await _too_large(send, err.message)


def _over(limit: int, what: str = "") -> str:
    return f"The request {what}body is over this server's limit of {limit} bytes"


async def _too_large(send: Send, message: str) -> None:
    await reply(send, 413, "LimitExceededError", f"{message.rstrip('.')}; nothing was written.")


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
