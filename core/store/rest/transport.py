"""HTTP to the tracking server: compression, the token, retries, and errors as exceptions.

A request that failed before reaching the server (connection refused while it restarts) is
retried until ``TRIALBOOK_HTTP_RETRY_TIMEOUT`` seconds (default 120) have passed; one that
may have reached it (a lost answer, a 502/503/504) is retried only when it is idempotent
(reads, and writes the server applies once: batches carry a ``batch_id``). Then the failure
is a :class:`~trialbook.store.rest.errors.ServerUnavailableError` (an ``OSError``: the buffered
writer keeps the data and retries later). A 4xx answer raises the TrialbookError the server
described.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import time
from typing import Any

import httpx

from trialbook.store.rest import API_PREFIX, TOKEN_ENV
from trialbook.store.rest.errors import ServerUnavailableError, from_response

RETRY_ENV = "TRIALBOOK_HTTP_RETRY_TIMEOUT"
_GZIP_ABOVE = 4096
_RETRY_STATUS = frozenset({502, 503, 504})
_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _decode(content: bytes) -> Any:
    """JSON by pydantic-core's parser when installed (a 1,000-run page: 3 ms against 15 ms)."""
    try:
        from pydantic_core import from_json
    except ImportError:  # pragma: no cover - the server extra brings it
        return json.loads(content)
    return from_json(content)


def _loopback(url: str) -> bool:
    """Whether ``url`` names this machine (compressing answers then costs more than it saves)."""
    host = httpx.URL(url).host
    return host in ("localhost", "::1") or host.startswith("127.")


def _retry_seconds() -> float:
    return float(os.environ.get(RETRY_ENV, "120"))


class Transport:
    """A thread-safe HTTP client of one server's ``/api/v1`` (its connections pooled)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token if token is not None else os.environ.get(TOKEN_ENV) or None
        self._http_transport = http_transport
        """Replaces the network (tests use ``httpx.MockTransport``)."""
        self._client = self._new_client()

    def _new_client(self) -> httpx.Client:
        encoding = "identity" if _loopback(self.base_url) else "gzip"
        headers = {"user-agent": "trialbook-client", "accept-encoding": encoding}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        return httpx.Client(
            base_url=self.base_url + API_PREFIX,
            headers=headers,
            timeout=httpx.Timeout(120.0, connect=10.0),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=8),
            follow_redirects=False,
            transport=self._http_transport,
        )

    def after_fork(self) -> None:
        """Drop the parent's connections (a child must not share its sockets)."""
        self._client = self._new_client()

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        idempotent: bool = True,
    ) -> Any:
        """Send a JSON request and return the decoded JSON answer."""
        content = None
        headers = {}
        if method != "GET":
            content = json.dumps({} if body is None else body, separators=(",", ":")).encode()
            headers["content-type"] = "application/json"
            if len(content) > _GZIP_ABOVE:
                content = gzip.compress(content, compresslevel=1)
                headers["content-encoding"] = "gzip"
        response = self.send(
            method, path, content=content, headers=headers, params=params, idempotent=idempotent
        )
        try:
            return _decode(response.content)
        except ValueError:
            raise ServerUnavailableError(
                f"{self.base_url} answered {response.status_code} with something other than "
                f"JSON; is it a trialbook server? {response.text[:200]!r}"
            ) from None

    def send(
        self,
        method: str,
        path: str,
        *,
        content: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        idempotent: bool = True,
        stream: bool = False,
    ) -> httpx.Response:
        """Send a request, retrying transient failures; raise for error answers.

        ``content`` may be a callable making the body (a file is reopened for each attempt,
        and closed after it).
        """
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        deadline = time.monotonic() + _retry_seconds()
        attempt = 0
        if self._client.is_closed:  # Closed by reset_stores(): connect again.
            self._client = self._new_client()
        while True:
            body = content() if callable(content) else content
            try:
                request = self._client.build_request(
                    method, path, content=body, headers=headers, params=clean_params
                )
                response = self._client.send(request, stream=stream)
            except httpx.TransportError as err:
                retry = isinstance(err, _UNSENT) or idempotent
                failure: str = f"{type(err).__name__}: {err}"
            except httpx.HTTPError as err:  # Decoding, redirects: not worth retrying.
                retry, failure = False, f"{type(err).__name__}: {err}"
            else:
                if response.status_code < 400:
                    return response
                if stream:
                    response.read()
                retry = response.status_code in _RETRY_STATUS and idempotent
                if not retry:
                    raise self._error(response)
                failure = f"status {response.status_code}"
            finally:
                if hasattr(body, "close"):
                    body.close()
            if not retry or time.monotonic() >= deadline:
                raise ServerUnavailableError(
                    f"The tracking server at {self.base_url} failed ({failure}); "
                    f"check that it is running."
                )
            attempt += 1
            pause = min(2.0, 0.05 * 2**attempt) * (0.5 + random.random())
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))

    def _error(self, response: httpx.Response) -> Exception:
        if response.status_code >= 500:
            return ServerUnavailableError(
                f"The tracking server at {self.base_url} failed with status "
                f"{response.status_code}: {response.text[:300]}"
            )
        try:
            body = response.json()
        except ValueError:
            body = response.text[:500]
        return from_response(response.status_code, body)
