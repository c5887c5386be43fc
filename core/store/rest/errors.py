"""Errors of the HTTP layer, and how every TrialbookError crosses the wire and back.

The server answers an error with ``{"error": {"code": ..., "message": ..., "fields": ...}}``;
the client raises the same exception class with the same fields, so code that catches
``RunNotFoundError`` or reads ``ParamConflictError.old_value`` works against a server too.
Transport failures become :class:`ServerUnavailableError` (an ``OSError``), which the
buffered writer retries; 4xx answers are TrialbookErrors, which it does not.
"""

from __future__ import annotations

from typing import Any

from trialbook import errors as core


class ServerError(core.TrialbookError):
    """The tracking server refused a request (a 4xx answer)."""

    def __init__(self, message: str, status: int = 400) -> None:
        self.status = status
        super().__init__(message)


class AuthenticationError(ServerError):
    """No valid API token was sent (401)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 401)


class PermissionDeniedError(ServerError):
    """The token may not do this: a read-only token tried to write (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 403)


class LimitExceededError(ServerError):
    """A request was over one of the server's limits; nothing of it was written (413)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 413)


class ServerBusyError(ServerError):
    """The server runs as many searches as it may at once; try again shortly (503)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 503)


class ServerUnavailableError(core.StoreUnavailableError, ConnectionError):
    """The server could not be reached or failed (5xx); the request may be retried."""


_FIELDS: dict[type[core.TrialbookError], tuple[str, ...]] = {
    core.InvalidKeyError: ("key", "reason"),
    core.InvalidValueError: ("key", "value", "reason"),
    core.ParamConflictError: ("run_id", "key", "old_value", "new_value"),
    core.RunNotFoundError: ("run_id",),
    core.ExperimentNotFoundError: ("ident",),
    core.DeletedRunError: ("run_id",),
    core.DeletedExperimentError: ("name",),
    core.InvalidArtifactPathError: ("path", "reason"),
    core.ArtifactNotFoundError: ("path",),
    core.InvalidUriError: ("uri", "reason"),
    core.ModelIntegrityError: ("path", "expected", "actual"),
    core.SearchSyntaxError: ("text", "column", "message"),
    core.QueryTooComplexError: ("reason",),
    core.RegisteredModelNotFoundError: ("name",),
    core.RegisteredModelExistsError: ("name",),
    core.ModelVersionNotFoundError: ("name", "version"),
    core.ModelAliasNotFoundError: ("name", "alias"),
    core.RunExistsError: ("run_id",),
    core.WriteOnceArtifactError: ("path", "folder"),
    core.SearchTimeoutError: ("what", "budget_s"),
    core.TagNotFoundError: ("owner", "key"),
}
_BY_NAME = {cls.__name__: cls for cls in _FIELDS}
_PLAIN: dict[str, type[core.TrialbookError]] = {
    cls.__name__: cls
    for cls in (core.StoreError, core.ActiveRunError, core.PluginError, core.TrialbookError)
}

_NOT_FOUND = (
    core.RunNotFoundError,
    core.ExperimentNotFoundError,
    core.ArtifactNotFoundError,
    core.RegisteredModelNotFoundError,
    core.ModelVersionNotFoundError,
    core.ModelAliasNotFoundError,
    core.TagNotFoundError,
)
_CONFLICT = (
    core.ParamConflictError,
    core.RunExistsError,
    core.RegisteredModelExistsError,
    core.WriteOnceArtifactError,
)


def status_of(error: core.TrialbookError) -> int:
    """The HTTP status for an error raised while serving a request."""
    if isinstance(error, ServerError):
        return error.status
    if isinstance(error, core.StoreUnavailableError):
        return 503
    if isinstance(error, _NOT_FOUND):
        return 404
    if isinstance(error, _CONFLICT):
        return 409
    if isinstance(error, core.QueryTooComplexError):
        return 413
    return 400


def error_body(error: core.TrialbookError) -> dict[str, Any]:
    """The JSON body describing ``error``."""
    fields = {}
    for cls in type(error).__mro__:
        names = _FIELDS.get(cls)
        if names is not None:
            fields = {name: _jsonable(getattr(error, name, None)) for name in names}
            code = cls.__name__
            break
    else:
        code = type(error).__name__ if type(error).__name__ in _PLAIN else "TrialbookError"
    return {"error": {"code": code, "message": str(error), "fields": fields}}


def message_body(code: str, message: str) -> dict[str, Any]:
    """An error body for failures that are not TrialbookErrors (auth, limits, validation)."""
    return {"error": {"code": code, "message": message, "fields": {}}}


def from_response(status: int, body: Any) -> core.TrialbookError:
    """Rebuild the error a server answered with (the same class and fields when known)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return ServerError(f"The tracking server answered {status}: {str(body)[:500]}", status)
    code = str(error.get("code", ""))
    message = str(error.get("message", "")) or f"The tracking server answered {status}."
    fields = error.get("fields") or {}
    cls = _BY_NAME.get(code)
    if cls is not None and isinstance(fields, dict):
        try:
            return cls(**{name: fields.get(name) for name in _FIELDS[cls]})
        except (TypeError, ValueError):
            pass
    if status == 401:
        return AuthenticationError(message)
    if status == 403:
        return PermissionDeniedError(message)
    if status == 413:
        return LimitExceededError(message)
    plain = _PLAIN.get(code)
    if plain is not None and plain is not core.TrialbookError:
        return plain(message)
    return ServerError(message, status)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)
