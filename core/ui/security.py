"""The web guards the UI and the tracking server share, as pure ASGI middleware.

* :class:`SecurityHeaders`: pages run only our own scripts (``script-src 'self'``: no
  inline script, no CDN). Responses that set their own ``Content-Security-Policy``
  (artifact files) keep it.
* :class:`HostCheck`: an app bound to localhost answers only to localhost Host headers, so a
  web page on a DNS-rebinding domain cannot read it (:func:`hosts_to_answer` says which
  names an address answers to). ``trialbook ui`` and ``trialbook server`` apply the same
  rule.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection, MutableMapping, Sequence
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
"""The Host names an app bound to a loopback address answers to."""

PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # plotly.js sets style attributes and injects its own stylesheet.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""The Content-Security-Policy of pages and JSON."""

FILE_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
"""The policy of artifact files: an SVG opened directly cannot run its scripts."""

_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """Add nosniff, frame, referrer and CSP headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in _HEADERS if h[0] not in present)
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", PAGE_POLICY.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def hosts_to_answer(bind_host: str, allowed: Sequence[str] | None = None) -> list[str] | None:
    """The Host names an app listening on ``bind_host`` answers (None: any).

    ``allowed`` when given; else the local names for a loopback address, and any name for
    an address other machines reach (a proxy in front checks names there).
    """
    if allowed:
        return list(allowed)
    if bind_host in LOCAL_HOSTS:
        return list(LOCAL_HOSTS)
    return None


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
            raw = dict(scope.get("headers", [])).get(b"host", b"")
            host = host_name(raw.decode("latin-1"))
            if host not in self.allowed:
                await _refuse_host(send, host, self.allowed)
                return
        await self.app(scope, receive, send)


async def _refuse_host(send: Send, host: str, allowed: Collection[str]) -> None:
    message = (
        f"Host {host!r} is not served here; this server answers to "
        f"{', '.join(sorted(allowed))} (start it with --allowed-hosts)."
    )
    body = json.dumps({"error": {"code": "InvalidHost", "message": message, "fields": {}}})
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})
