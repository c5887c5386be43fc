"""Errors raised by trialbook.

Every error derives from :class:`TrialbookError`; each subclass carries the offending
key or value and its message says what to do about it::

    try:
        trialbook.log_param("lr", 0.2)
    except trialbook.ParamConflictError as err:
        print(err.key, err.old_value, err.new_value)
"""

from __future__ import annotations

import errno
import os
import shlex


class TrialbookError(Exception):
    """Base class of every error trialbook raises on purpose."""


def first_line(error: object, limit: int = 300) -> str:
    """The first line of an error's message, at most ``limit`` characters (else its type).

    For quoting another library's error in one of ours without its multi-line detail.
    """
    text = str(error).strip().splitlines()
    return text[0][:limit] if text else type(error).__name__


class InvalidKeyError(TrialbookError, ValueError):
    """A param, metric or tag key is empty, too long or contains forbidden characters."""

    def __init__(self, key: object, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(
            f"Invalid key {key!r}: {reason}. Keys are 1-250 characters of letters, digits, "
            "'_', '-', '.', ' ', ':' and '/', without '..' or a leading '/'."
        )


class InvalidValueError(TrialbookError, ValueError):
    """A value cannot be logged (a metric that is not a number, a value that is too long)."""

    def __init__(self, key: str, value: object, reason: str) -> None:
        self.key = key
        self.value = value
        self.reason = reason
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"Invalid value {shown} for {key!r}: {reason}")


class ParamConflictError(TrialbookError, ValueError):
    """A param was logged again with a different value; params are immutable once logged."""

    def __init__(self, run_id: str, key: str, old_value: str, new_value: str) -> None:
        self.run_id = run_id
        self.key = key
        self.old_value = old_value
        self.new_value = new_value
        super().__init__(
            f"Param {key!r} of run {run_id} is already {old_value!r}; cannot change it to "
            f"{new_value!r}. Params are immutable: log the new value under another key, "
            "or start a new run."
        )


class RunNotFoundError(TrialbookError, LookupError):
    """No run has the given id."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(
            f"No run with id {run_id!r}. Check the id (trialbook runs list) and the tracking URI."
        )


class ExperimentNotFoundError(TrialbookError, LookupError):
    """No experiment has the given id or name."""

    def __init__(self, ident: str) -> None:
        self.ident = ident
        super().__init__(
            f"No experiment {ident!r}. List experiments with `trialbook experiments list`."
        )


class TagNotFoundError(TrialbookError, LookupError):
    """A run or experiment has no tag with the given key."""

    def __init__(self, owner: str, key: str) -> None:
        self.owner = owner
        self.key = key
        super().__init__(f"{owner} has no tag {key!r}; nothing to remove. Check the key.")


class DeletedRunError(TrialbookError):
    """Logging to a deleted run; restore it first."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(
            f"Run {run_id} is deleted; restore it with TrackingClient().restore_run({run_id!r}) "
            "before logging to it."
        )


class DeletedExperimentError(TrialbookError):
    """Using a deleted experiment; restore it first."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Experiment {name!r} is deleted; restore it (trialbook experiments restore) or "
            "choose another name."
        )


class InvalidArtifactPathError(TrialbookError, ValueError):
    """An artifact path would leave the run's artifact root, or is malformed."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"Invalid artifact path {path!r}: {reason}. Use a relative path with '/' "
            "separators that stays inside the run's artifacts."
        )


class ArtifactNotFoundError(TrialbookError, FileNotFoundError):
    """No artifact exists at the given path."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"No artifact at {path!r}; list them with TrackingClient().list_artifacts."
        )


class ActiveRunError(TrialbookError):
    """A run is already active (or none is) where the opposite was required."""


class InvalidUriError(TrialbookError, ValueError):
    """A tracking, artifact or model URI cannot be understood."""

    def __init__(self, uri: str, reason: str) -> None:
        self.uri = uri
        self.reason = reason
        super().__init__(f"Invalid URI {uri!r}: {reason}")


class ModelIntegrityError(TrialbookError):
    """A stored model's bytes do not match the sha256 recorded when it was logged."""

    def __init__(self, path: str, expected: str, actual: str) -> None:
        self.path = path
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"Model file {path!r} has sha256 {actual}, but {expected} was recorded when it was "
            "logged. It was modified or corrupted; refusing to load it."
        )


class PinnedModelMismatchError(ModelIntegrityError):
    """A registered version's model no longer matches the digest pinned at registration."""

    def __init__(self, model_uri: str, expected: str, actual: str) -> None:
        self.model_uri = model_uri
        self.path = model_uri
        self.expected = expected
        self.actual = actual
        TrialbookError.__init__(
            self,
            f"The model behind {model_uri} has metadata sha256 {actual}, but {expected} was "
            "pinned when the version was registered: its files were replaced. Refusing to "
            "load it (loading runs code stored with the model). Ask the store's owner what "
            "changed, and register a trusted model as a new version.",
        )


class WriteOnceArtifactError(TrialbookError, PermissionError):
    """A write into the folder of a registered model version, which is write-once."""

    def __init__(self, path: str, folder: str) -> None:
        self.path = path
        self.folder = folder
        super().__init__(
            f"Cannot write artifact {path!r}: {folder!r} holds a registered model version, "
            "and registered models are write-once. Log the new model under another name "
            "and register it as a new version."
        )


class ArtifactWriteError(TrialbookError, OSError):
    """An artifact file could not be written: its disk is full or its folder is not writable.

    Nothing of the file is kept. ``errno`` is the operating system's (``ENOSPC``, ``EACCES``...).
    """

    def __init__(self, path: str, location: str, error: OSError) -> None:
        self.path = path
        self.location = location
        reason = os.strerror(error.errno) if error.errno else str(error)
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            advice = (
                "trialbook needs to write the store's artifacts folder: fix its permissions, or "
                "point TRIALBOOK_TRACKING_URI at a writable folder."
            )
        else:
            advice = (
                "Nothing of it was kept: free space on that disk (or point the store at another "
                "one) and log it again."
            )
        super().__init__(f"Cannot write artifact {path!r} in {location} ({reason}). {advice}")
        self.errno = error.errno


class SearchSyntaxError(TrialbookError, ValueError):
    """A search filter or order-by string could not be parsed."""

    def __init__(self, text: str, column: int, message: str) -> None:
        self.text = text
        self.column = column
        self.message = message
        pointer = " " * (column - 1) + "^"
        super().__init__(f"{message} at column {column}:\n  {text}\n  {pointer}")


class StoreError(TrialbookError):
    """The tracking store failed (database unreachable, migration failed, ...)."""


class StoreUnavailableError(StoreError):
    """The store cannot serve the call right now (down, locked, unreachable); try it again.

    Backends raise it, and only it, for failures a retry may cure: the background writer keeps
    a batch that failed with it and resends it, and the server answers it with a 503.
    """


class UnsupportedStoreError(StoreError):
    """The store lacks an optional capability a call needs (see :mod:`trialbook.store.base`)."""

    def __init__(self, store: str, capability: str, call: str) -> None:
        self.store = store
        self.capability = capability
        super().__init__(
            f"{call} needs a store with the {capability} capability, and {store} has none; "
            "log to a SQLite or PostgreSQL database or to a trialbook server instead."
        )


class RunExistsError(TrialbookError):
    """A run with the requested id exists already."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(f"A run with id {run_id!r} exists already; pass another run_id.")


class StoreLockedError(StoreUnavailableError, TimeoutError):
    """Another process held the store's write lock for longer than the configured wait.

    A :class:`StoreUnavailableError`: the buffered writer keeps the data and retries it.
    """


class SearchTimeoutError(TrialbookError):
    """A search ran past its time budget and was stopped; the database is unharmed."""

    def __init__(self, what: str, budget_s: float) -> None:
        self.what = what
        self.budget_s = budget_s
        shown = what if len(what) <= 200 else what[:197] + "..."
        super().__init__(
            f"The search {shown!r} was stopped after {budget_s:g} s. Narrow the filter (fewer "
            "'%' in LIKE patterns, fewer experiments) or raise TRIALBOOK_SEARCH_TIMEOUT "
            "(seconds) where the store runs."
        )


class QueryTooComplexError(StoreError):
    """The database can never run this query (too many terms, nested too deeply).

    Unlike an unreachable database, trying again does not help: the query must change.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"The query is too complex for the database ({reason}); use a shorter filter, "
            "fewer order-by keys or fewer values."
        )


class PluginError(TrialbookError):
    """A plugin is malformed or failed to load."""


class RegisteredModelNotFoundError(TrialbookError, LookupError):
    """No registered model has the given name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"No registered model named {name!r}. List them with `trialbook models list`; "
            "trialbook.register_model creates one."
        )


class RegisteredModelExistsError(TrialbookError):
    """A registered model with the given name exists already."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"A registered model named {name!r} exists already; choose another name, or "
            "register a new version of it with trialbook.register_model."
        )


class ModelVersionNotFoundError(TrialbookError, LookupError):
    """A registered model has no version with the given number."""

    def __init__(self, name: str, version: object) -> None:
        self.name = name
        self.version = version
        super().__init__(
            f"Registered model {name!r} has no version {version}. List its versions with "
            f"`trialbook models show {shlex.quote(name)}`."
        )


class ModelAliasNotFoundError(TrialbookError, LookupError):
    """A registered model has no alias with the given name."""

    def __init__(self, name: str, alias: str) -> None:
        self.name = name
        self.alias = alias
        super().__init__(
            f"Registered model {name!r} has no alias {alias!r}. Set it with "
            f"`trialbook models alias {shlex.quote(name)} {shlex.quote(alias)} <version>`."
        )
