"""API tokens: created by an admin command, stored hashed, checked in constant time.

::

    trialbook server tokens create --name ci --read-only     # prints the token once
    TRIALBOOK_TRACKING_TOKEN=tbk_... python train.py

A token is ``tbk_<id>_<secret>``; the database keeps its id, name, permission and the
SHA-256 of the whole token (the secret has 256 random bits, so a fast hash is enough), never
the token. With ``--auth`` every route but :data:`PUBLIC_PATHS` needs a token
(``Authorization: Bearer <token>``, or HTTP Basic with the token as password for browsers);
read-only tokens may only read. Revoking takes effect within :data:`CACHE_SECONDS`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Depends, Request

from trialbook.errors import TrialbookError
from trialbook.server import API_PREFIX
from trialbook.store.base import TokenRecord, TokenTable
from trialbook.store.rest.errors import AuthenticationError, PermissionDeniedError

if TYPE_CHECKING:
    from trialbook.server.state import ServerState

PUBLIC_PATHS = frozenset({"/health", f"{API_PREFIX}/openapi.json"})
"""The only routes that answer without a token."""
CACHE_SECONDS = 2.0
PREFIX = "tbk_"

_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who sent a request: a token's id, name and permission."""

    token_id: str
    name: str
    read_only: bool


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed (never the token itself)."""

    token_id: str
    name: str
    read_only: bool
    created_time: int
    revoked_time: int | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """The server's API tokens, kept by its store (a :class:`~trialbook.store.base.TokenTable`)."""

    def __init__(self, table: TokenTable) -> None:
        self.table = table
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[str, Principal]] = {}
        self._loaded = -float("inf")

    def create(self, name: str, read_only: bool) -> str:
        """Create a token and return it (the only time it is shown)."""
        if not name.strip() or len(name) > 256:
            raise TrialbookError("Token names are 1-256 characters.")
        token_id = secrets.token_hex(8)
        token = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        now = int(time.time() * 1000)
        self.table.add_token(TokenRecord(token_id, name, _hash(token), read_only, now))
        self._loaded = -float("inf")
        return token

    def list(self) -> list[TokenInfo]:
        """Every token, revoked ones included, oldest first."""
        return [
            TokenInfo(r.token_id, r.name, r.read_only, r.created_time, r.revoked_time)
            for r in self.table.list_tokens()
        ]

    def revoke(self, token_id_or_name: str) -> int:
        """Revoke the token with this id (or every token with this name); return how many."""
        count = self.table.revoke_tokens(token_id_or_name, int(time.time() * 1000))
        self._loaded = -float("inf")
        return count

    def verify(self, token: str) -> Principal | None:
        """The token's principal, or None when it is unknown, malformed or revoked."""
        self._refresh()
        token_id = token[len(PREFIX) :].split("_", 1)[0] if token.startswith(PREFIX) else ""
        expected, principal = self._cache.get(token_id, (_DUMMY_HASH, None))
        if hmac.compare_digest(_hash(token), expected) and principal is not None:
            return principal
        return None

    def _refresh(self) -> None:
        if time.monotonic() - self._loaded < CACHE_SECONDS:
            return
        with self._lock:
            if time.monotonic() - self._loaded < CACHE_SECONDS:
                return
            records = self.table.list_tokens(include_revoked=False)
            self._cache = {
                r.token_id: (r.token_hash, Principal(r.token_id, r.name, r.read_only))
                for r in records
            }
            self._loaded = time.monotonic()


def token_table(store: object, where: str) -> TokenTable:
    """The store as a :class:`~trialbook.store.base.TokenTable`, or a TrialbookError."""
    if not isinstance(store, TokenTable):
        raise TrialbookError(
            f"The store at {where} cannot keep API tokens; serve a SQLite or PostgreSQL store "
            "to use --auth."
        )
    return store


def bearer_token(headers: dict[str, str]) -> str | None:
    """The token of an ``Authorization`` header: Bearer, or the password of HTTP Basic."""
    value = headers.get("authorization", "")
    scheme, _, credentials = value.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials:
        return credentials
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


# Route dependencies: every API route declares one (a test checks it) -------------------------


def _principal(request: Request) -> Principal | None:
    return getattr(request.state, "principal", None)


def require_read(request: Request) -> None:
    """Any valid token may call this route (no check when auth is off)."""
    if request.app.state.trialbook_server.tokens is not None and _principal(request) is None:
        raise AuthenticationError("This server needs an API token: set TRIALBOOK_TRACKING_TOKEN.")


def require_write(request: Request) -> None:
    """Only read-write tokens may call this route (no check when auth is off)."""
    if request.app.state.trialbook_server.tokens is None:
        return
    principal = _principal(request)
    if principal is None:
        raise AuthenticationError("This server needs an API token: set TRIALBOOK_TRACKING_TOKEN.")
    if principal.read_only:
        raise PermissionDeniedError(
            f"Token {principal.name!r} is read-only; this request changes data and needs a "
            "read-write token."
        )


def may_write(state: ServerState, request: Request) -> bool:
    """Whether a request may change data: always with auth off, else with a read-write token.

    For the web UI mounted in the server (its own app, so ``request.app`` is not the server).
    """
    if state.tokens is None:
        return True
    principal = _principal(request)
    return principal is not None and not principal.read_only


READ: Any = Depends(require_read)
"""``dependencies=[READ]``: the route reads."""
WRITE: Any = Depends(require_write)
"""``dependencies=[WRITE]``: the route changes data."""
PERMISSIONS: dict[Callable[..., None], str] = {require_read: "read", require_write: "write"}
