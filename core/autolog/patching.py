"""Patching framework methods safely, and undoing it exactly.

The safe-patch contract every integration gets from :func:`safe_patch`:

* the user's own exceptions propagate unchanged (same object, same traceback);
* an error in trialbook's logging becomes one warning and is recorded on the run as the tag
  ``trialbook.autolog.error``; training goes on and returns the same result;
* the original method runs exactly once per call;
* in strict mode (tests) trialbook's errors are re-raised;
* only the outermost patched call logs: a call made while another patched call is running in
  the same context (a Pipeline's steps, a search's candidates, ``XGBClassifier.fit`` calling
  ``xgboost.train``) runs the original untouched.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

_in_session: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "trialbook_autolog", default=False
)
_sessions_lock = threading.Lock()
_session_threads: set[int] = set()

_MISSING = object()


class AutologgingWarning(UserWarning):
    """A failure inside trialbook's autologging; training was not affected."""


def in_session() -> bool:
    """True inside an outermost patched call, in this context or a worker thread it spawned.

    Context variables do not follow work handed to thread pools (joblib's threading backend),
    so a call in a thread other than the main one also counts as nested while another thread
    runs an outermost call.
    """
    if _in_session.get():
        return True
    if not _session_threads:
        return False
    current = threading.get_ident()
    return (
        current not in _session_threads
        and threading.current_thread() is not threading.main_thread()
    )


class _Session:
    """Marks the outermost patched call for its duration."""

    def __enter__(self) -> _Session:
        self._token = _in_session.set(True)
        with _sessions_lock:
            self._thread = threading.get_ident()
            self._owned = self._thread not in _session_threads
            _session_threads.add(self._thread)
        return self

    def __exit__(self, *_exc: object) -> None:
        _in_session.reset(self._token)
        if self._owned:
            with _sessions_lock:
                _session_threads.discard(self._thread)


class ErrorSink(Protocol):
    """Where a patch reports trialbook's own errors."""

    def report(self, error: BaseException, where: str) -> None:
        """Warn (once per call) and record the error on the run; re-raise in strict mode."""
        ...


@dataclass
class Patch:
    """One replaced attribute and how to put it back exactly."""

    owner: Any
    name: str
    original: Any
    had_own: bool
    """Whether the attribute lived in the owner's own ``__dict__`` before patching."""

    def revert(self) -> None:
        """Restore the attribute, or delete it if it was inherited."""
        if self.had_own:
            setattr(self.owner, self.name, self.original)
        else:
            try:
                delattr(self.owner, self.name)
            except AttributeError:
                pass


class PatchSet:
    """The patches one integration applied, reverted together."""

    def __init__(self) -> None:
        self.patches: list[Patch] = []
        self._keys: set[tuple[int, str]] = set()
        self._lock = threading.RLock()

    def is_patched(self, owner: Any, name: str) -> bool:
        """Whether ``owner.name`` is one of ours."""
        return (id(owner), name) in self._keys

    def apply(self, owner: Any, name: str, replacement: Callable[..., Any]) -> None:
        """Set ``owner.name = replacement``, remembering what was there."""
        with self._lock:
            if self.is_patched(owner, name):
                return
            own = vars(owner).get(name, _MISSING)
            original = getattr(owner, name) if own is _MISSING else own
            self.patches.append(Patch(owner, name, original, own is not _MISSING))
            self._keys.add((id(owner), name))
            setattr(owner, name, replacement)

    def revert_all(self) -> None:
        """Undo every patch, newest first."""
        with self._lock:
            while self.patches:
                self.patches.pop().revert()
            self._keys.clear()


Hooks = Callable[[Callable[..., Any], tuple[Any, ...], dict[str, Any]], Any]


def safe_patch(
    patches: PatchSet,
    owner: Any,
    name: str,
    logger_factory: Callable[[], Any],
    enabled: Callable[[], bool],
) -> None:
    """Replace ``owner.name`` with a wrapper that runs an autologging session around it.

    ``logger_factory()`` returns an object with three methods, each optional:
    ``before(args, kwargs) -> (args, kwargs)`` (may add callbacks), ``after(result)`` and
    ``failed(error)``. Each runs inside the safety boundary; its errors are reported through the
    object's ``report(error, where)`` (see :class:`ErrorSink`).
    """
    own = vars(owner).get(name, _MISSING)
    if own is not _MISSING and _is_other_descriptor(own):
        descriptor: Any = patched_descriptor(own, logger_factory, enabled)
        patches.apply(owner, name, descriptor)
        return
    original = getattr(owner, name) if own is _MISSING else own
    kind = (
        "static"
        if isinstance(own, staticmethod)
        else "class"
        if isinstance(own, classmethod)
        else "plain"
    )
    func = original.__func__ if kind != "plain" else original

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not enabled() or in_session():
            return func(*args, **kwargs)
        with _Session():
            return _run_session(func, args, kwargs, logger_factory)

    replacement: Any = wrapper
    if kind == "static":
        replacement = staticmethod(wrapper)
    elif kind == "class":
        replacement = classmethod(wrapper)
    wrapper.__trialbook_patched__ = True  # type: ignore[attr-defined]
    if inspect.isfunction(func):
        wrapper.__signature__ = inspect.signature(func)  # type: ignore[attr-defined]
    patches.apply(owner, name, replacement)


def _is_other_descriptor(value: Any) -> bool:
    """A descriptor other than a function, staticmethod or classmethod (``property``, ...)."""
    if inspect.isfunction(value) or isinstance(value, (staticmethod, classmethod)):
        return False
    return hasattr(type(value), "__get__")


class PatchedDescriptor:
    """Wraps a descriptor (``property``, scikit-learn's ``available_if``) instead of replacing it.

    Attribute access still goes through the original descriptor, so ``hasattr`` answers as
    before; the callable it returns for an instance runs inside an autologging session, with
    the instance as the first argument the logger sees.
    """

    __trialbook_patched__ = True

    def __init__(
        self, descriptor: Any, logger_factory: Callable[[], Any], enabled: Callable[[], bool]
    ) -> None:
        self.descriptor = descriptor
        self.logger_factory = logger_factory
        self.enabled = enabled
        self.__doc__ = getattr(descriptor, "__doc__", None)

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        bound = self.descriptor.__get__(obj, owner)
        if obj is None or not callable(bound):
            return bound
        logger_factory, enabled = self.logger_factory, self.enabled

        def unbound(_obj: Any, *args: Any, **kwargs: Any) -> Any:
            return bound(*args, **kwargs)

        @functools.wraps(bound)
        def call(*args: Any, **kwargs: Any) -> Any:
            if not enabled() or in_session():
                return bound(*args, **kwargs)
            with _Session():
                return _run_session(unbound, (obj, *args), kwargs, logger_factory)

        return call


class _PatchedDataDescriptor(PatchedDescriptor):
    """A patched data descriptor (a ``property``): setting and deleting still go through it."""

    def __set__(self, obj: Any, value: Any) -> None:
        self.descriptor.__set__(obj, value)

    def __delete__(self, obj: Any) -> None:
        self.descriptor.__delete__(obj)


def patched_descriptor(
    descriptor: Any, logger_factory: Callable[[], Any], enabled: Callable[[], bool]
) -> PatchedDescriptor:
    """The wrapper for ``descriptor``, a data descriptor when the original is one."""
    data = hasattr(type(descriptor), "__set__") or hasattr(type(descriptor), "__delete__")
    kind = _PatchedDataDescriptor if data else PatchedDescriptor
    return kind(descriptor, logger_factory, enabled)


def _run_session(
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    logger_factory: Callable[[], Any],
) -> Any:
    logger: Any = None
    call_args, call_kwargs = args, kwargs
    try:
        logger = logger_factory()
        before = getattr(logger, "before", None)
        if before is not None:
            call_args, call_kwargs = before(args, kwargs)
    except Exception as err:  # noqa: BLE001 - the safety boundary: our failure must not reach the user
        _report(logger, err, "before training")
        call_args, call_kwargs = args, kwargs
    try:
        result = func(*call_args, **call_kwargs)
    except BaseException as user_error:
        failed = getattr(logger, "failed", None)
        if failed is not None:
            try:
                failed(user_error)
            except Exception as err:  # noqa: BLE001 - the safety boundary: our failure must not reach the user
                _report(logger, err, "after a failed training")
        raise
    after = getattr(logger, "after", None)
    if after is not None:
        try:
            after(result)
        except Exception as err:  # noqa: BLE001 - the safety boundary: our failure must not reach the user
            _report(logger, err, "after training")
    return result


def _report(logger: Any, error: BaseException, where: str) -> None:
    report = getattr(logger, "report", None)
    if report is not None:
        report(error, where)
        return
    from trialbook.autolog.config import strict_from_env

    report_own_error(error, f"trialbook autologging failed {where}", strict=strict_from_env())


def report_own_error(
    error: BaseException,
    what: str,
    *,
    strict: bool,
    warn: bool = True,
    record: Callable[[str], None] | None = None,
) -> str:
    """Report trialbook's own failure during training, the one way every integration does.

    Re-raises ``error`` when ``strict``; else warns with an :class:`AutologgingWarning` (when
    ``warn``: callers warn once per call or object) and hands the message to ``record``
    (which tags the run with ``ERROR_TAG``), whose own failure is only logged. Returns the
    message: ``"<what>: <ErrorType>: <error>"``.
    """
    if strict:
        raise error
    message = f"{what}: {type(error).__name__}: {error}"
    if warn:
        warnings.warn(message, AutologgingWarning, stacklevel=3)
    if record is not None:
        try:
            record(message[:10_000])
        except Exception as err:  # noqa: BLE001 - the safety boundary: our failure must not reach the user
            logging.getLogger(__name__).debug("could not record an autologging error: %s", err)
    return message
