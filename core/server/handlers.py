"""How failures become answers: a client's mistake is a 4xx, only a passing fault is a 503.

The distinction matters because clients retry 502/503/504 for minutes: a request the
database can never run (an expression too deep, too many ORDER BY terms) or a path the
filesystem can never hold (a name too long, a folder where a file goes) must come back at
once as a client error that says what to change. Messages never carry server paths or SQL,
and the log gets one short line, never the statement.

* Database: the store translates its database's errors into ours: a statement the
  database can never run is :class:`~trialbook.errors.QueryTooComplexError` (413), a search
  past its budget :class:`~trialbook.errors.SearchTimeoutError` (400), a refused value a
  :class:`~trialbook.errors.StoreError` (400), a database that cannot serve now
  :class:`~trialbook.errors.StoreUnavailableError` (503).
* Artifact storage: :func:`storage_failure` reads the ``errno``.
"""

from __future__ import annotations

import errno
import logging
import os

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from trialbook.errors import TrialbookError, first_line
from trialbook.store.rest.errors import error_body, message_body, status_of

log = logging.getLogger(__name__)

_PATH_ERRNOS = frozenset(
    {errno.EISDIR, errno.ENOTDIR, errno.ENAMETOOLONG, errno.EEXIST, errno.EINVAL, errno.ELOOP}
)
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_DENIED_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def storage_failure(error: OSError) -> tuple[int, str, str]:
    """The status, error code and message an artifact storage error answers with."""
    reason = os.strerror(error.errno) if error.errno is not None else type(error).__name__
    if error.errno in _PATH_ERRNOS:
        return (
            400,
            "InvalidArtifactPath",
            f"The artifact path cannot be stored here ({reason}); choose another name.",
        )
    if error.errno in _FULL_ERRNOS:
        return 507, "StorageFull", f"The artifact storage is full ({reason}); nothing was kept."
    if error.errno in _DENIED_ERRNOS:
        return (
            500,
            "StorageDenied",
            f"The server may not write its artifact storage ({reason}); tell its operator.",
        )
    return 503, "Unavailable", f"The artifact storage failed ({reason}); try again."


def add_error_handlers(app: FastAPI) -> None:
    """Answer TrialbookErrors, validation errors, bad values and storage errors."""

    async def on_trialbook_error(_request: Request, error: Exception) -> Response:
        if not isinstance(error, TrialbookError):  # pragma: no cover - registered for it only
            raise error
        status = status_of(error)
        headers = {"Retry-After": "1"} if status == 503 else None
        return JSONResponse(error_body(error), status_code=status, headers=headers)

    async def on_validation_error(_request: Request, error: Exception) -> Response:
        errors = error.errors() if isinstance(error, RequestValidationError) else []
        parts = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[:5]
        ]
        message = "Invalid request: " + ("; ".join(parts) or str(error))
        return JSONResponse(message_body("InvalidRequest", message), status_code=422)

    async def on_bad_value(_request: Request, error: Exception) -> Response:
        return JSONResponse(message_body("InvalidValue", str(error)), status_code=400)

    async def on_storage_error(request: Request, error: Exception) -> Response:
        if not isinstance(error, OSError):  # pragma: no cover - registered for it only
            raise error
        status, code, message = storage_failure(error)
        log.warning(
            "trialbook server: %s %s: artifact storage (%d): %s",
            request.method,
            request.url.path,
            status,
            first_line(error),
        )
        return _answer(status, code, message)

    async def on_recursion(request: Request, _error: Exception) -> Response:
        log.warning("trialbook server: %s %s: nested too deeply", request.method, request.url.path)
        message = "The request nests too deeply to be processed; make it flatter."
        return _answer(413, "RequestTooComplex", message)

    app.add_exception_handler(TrialbookError, on_trialbook_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(ValueError, on_bad_value)
    app.add_exception_handler(OSError, on_storage_error)
    app.add_exception_handler(RecursionError, on_recursion)


def _answer(status: int, code: str, message: str) -> JSONResponse:
    headers = {"Retry-After": "1"} if status == 503 else None
    return JSONResponse(message_body(code, message), status_code=status, headers=headers)
