"""Patching framework methods safely, and undoing it exactly.

The safe-patch contract every integration gets from :func:`safe_patch`:

* the user's own exceptions propagate unchanged (same object, same traceback);
* an error in trialbook's logging becomes one warning and is recorded on the run as the tag
  ``trialbook.autolog.error``; training goes on and returns the same result;
* the original method runs exactly once per call;
* in strict mode (tests) trialbook's errors are re-raised;
* only the outermost patched call logs: a call made while another patched call is running in
  the same context (a Pipeline's steps, a search's candidates, ``XGBClassifier.fit`` calling
  ``xgboost.train``) runs the original untouched. Work an outermost call hands to other
  threads or processes is nested only when it is wrapped in :class:`NestedTask`; a call in a
  thread the user started is independent and logs on its own;
* a patched attribute looks like the original: same type (function, ``staticmethod``,
  ``classmethod``, ``property``, or the same descriptor class), same ``__name__``,
  ``__qualname__`` and signature, the same answer to ``hasattr``. A module function that is
  a decorator's wrapper (``functools.wraps`` style, as scikit-learn's public functions and
  ``xgboost.train`` are) is patched in place: the function it wraps is swapped inside its
  closure, so every reference to it, taken before or after ``autolog()``, is the same object
  and pickles exactly as before. Another module function is replaced in the module it was
  patched in, under that module's name, so it pickles by that public name. A descriptor that
  cannot be wrapped faithfully is left unpatched.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import inspect
import logging
import threading
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

_in_patched_call: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "trialbook_autolog", default=False
)

_MISSING = object()
CLOSURE = "__closure__"
"""The name under which an in-place patch of a decorated function is recorded."""


class AutologgingWarning(UserWarning):
    """A failure inside trialbook's autologging; training was not affected."""


def in_patched_call() -> bool:
    """True inside an outermost patched call, or inside a :class:`NestedTask` it handed out."""
    return _in_patched_call.get()


class _PatchedCall:
    """Marks the outermost patched call (or a task it handed out) for its duration."""

    def __enter__(self) -> _PatchedCall:
        self._token = _in_patched_call.set(True)
        return self

    def __exit__(self, *_exc: object) -> None:
        _in_patched_call.reset(self._token)


class NestedTask:
    """A task an outermost patched call hands to a worker thread or process.

    Context variables do not follow work into thread pools, so an integration wraps each
    task dispatched during an outermost patched call (a search's candidate fits) in this picklable callable:
    patched calls inside it run untouched, as they would in the dispatching thread.
    """

    __slots__ = ("func",)

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with _PatchedCall():
            return self.func(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, tuple[Callable[..., Any]]]:
        return (NestedTask, (self.func,))


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


@dataclass
class CellPatch:
    """A function swapped inside a decorator's closure cell, and how to put it back."""

    owner: Any
    """The decorator's wrapper function (the object users hold)."""
    name: str
    original: Any
    """The function the cell held."""
    cell: Any

    def revert(self) -> None:
        """Put the original function back into the cell."""
        self.cell.cell_contents = self.original


class PatchSet:
    """The patches one integration applied, reverted together."""

    def __init__(self) -> None:
        self.patches: list[Patch | CellPatch] = []
        self._keys: set[tuple[int, str]] = set()
        self._replacements: dict[int, Any] = {}
        self._lock = threading.RLock()

    def replacement_for(self, original: Any) -> Any:
        """The replacement already made for ``original`` (patched under another name), or None.

        One function reachable under two names (a class attribute shared by two classes) gets
        one wrapper, so pickle finds the same object whichever name it looks up.
        """
        return self._replacements.get(id(original))

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
            patch = Patch(owner, name, original, own is not _MISSING)
            self.patches.append(patch)
            self._replacements.setdefault(id(original), replacement)
            self._keys.add((id(owner), name))
            setattr(owner, name, replacement)

    def apply_cell(self, function: Any, cell: Any, replacement: Callable[..., Any]) -> None:
        """Swap the content of ``cell``, a closure cell of ``function``, for ``replacement``."""
        with self._lock:
            if self.is_patched(function, CLOSURE):
                return
            self.patches.append(CellPatch(function, CLOSURE, cell.cell_contents, cell))
            self._keys.add((id(function), CLOSURE))
            cell.cell_contents = replacement

    def revert_all(self) -> None:
        """Undo every patch, newest first."""
        with self._lock:
            while self.patches:
                self.patches.pop().revert()
            self._keys.clear()
            self._replacements.clear()


Hooks = Callable[[Callable[..., Any], tuple[Any, ...], dict[str, Any]], Any]


def safe_patch(
    patches: PatchSet,
    owner: Any,
    name: str,
    logger_factory: Callable[[], Any],
    enabled: Callable[[], bool],
) -> bool:
    """Replace ``owner.name`` with a wrapper that logs the call (when it is the outermost).

    ``logger_factory()`` returns an object with three methods, each optional:
    ``before(args, kwargs) -> (args, kwargs)`` (may add callbacks), ``after(result)`` and
    ``failed(error)``. Each runs inside the safety boundary; its errors are reported through the
    object's ``report(error, where)`` (see :class:`ErrorSink`).

    Functions, ``staticmethod``, ``classmethod`` and ``property`` are wrapped keeping their
    type; another descriptor is wrapped only when it wraps a function the functools way
    (``__wrapped__``, as scikit-learn's ``available_if`` does), as a copy pointing at the
    wrapped function. Returns False when ``owner.name`` was left alone (anything else).
    """
    own = vars(owner).get(name, _MISSING)
    original = getattr(owner, name) if own is _MISSING else own
    if isinstance(owner, types.ModuleType) and inspect.isfunction(original):
        cell = _wrapped_cell(original)
        if cell is not None:
            inner = _logging_wrapper(cell.cell_contents, logger_factory, enabled)
            patches.apply_cell(original, cell, inner)
            return True
    replacement = patches.replacement_for(original) or _replacement(
        original, logger_factory, enabled
    )
    if replacement is None:
        return False
    if isinstance(owner, types.ModuleType) and getattr(original, "__qualname__", None) == name:
        replacement.__module__ = owner.__name__  # pickled by the name it was patched under
    patches.apply(owner, name, replacement)
    return True


def is_patched(function: Any) -> bool:
    """Whether ``function`` is one of our wrappers, or a decorated function patched in place."""
    if getattr(function, "__trialbook_patched__", False):
        return True
    for cell in getattr(function, "__closure__", None) or ():
        try:
            if getattr(cell.cell_contents, "__trialbook_patched__", False):
                return True
        except ValueError:  # an empty cell
            continue
    return False


def _wrapped_cell(function: Any) -> Any:
    """The closure cell of a decorator's wrapper that holds ``function.__wrapped__``, or None."""
    wrapped = getattr(function, "__wrapped__", None)
    if not inspect.isfunction(wrapped):
        return None
    found = []
    for cell in function.__closure__ or ():
        try:
            if cell.cell_contents is wrapped:
                found.append(cell)
        except ValueError:  # an empty cell
            continue
    return found[0] if len(found) == 1 else None


def _replacement(
    original: Any, logger_factory: Callable[[], Any], enabled: Callable[[], bool]
) -> Any:
    """The patched version of a class or module attribute, of the same type; None if none."""
    if inspect.isfunction(original):
        return _logging_wrapper(original, logger_factory, enabled)
    if isinstance(original, staticmethod):
        return staticmethod(_logging_wrapper(original.__func__, logger_factory, enabled))
    if isinstance(original, classmethod):
        return classmethod(_logging_wrapper(original.__func__, logger_factory, enabled))
    if type(original) is property:
        getter = original.fget
        if getter is None:
            return None
        return property(
            _patched_getter(getter, logger_factory, enabled),
            original.fset,
            original.fdel,
            original.__doc__,
        )
    wrapped = getattr(original, "__wrapped__", None)
    if hasattr(type(original), "__get__") and inspect.isfunction(wrapped):
        return _rewrapped_descriptor(original, wrapped, logger_factory, enabled)
    return None


def _logging_wrapper(
    func: Callable[..., Any], logger_factory: Callable[[], Any], enabled: Callable[[], bool]
) -> Callable[..., Any]:
    """A function named and signed like ``func`` that runs it, logged, as the outermost call."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not enabled() or in_patched_call():
            return func(*args, **kwargs)
        with _PatchedCall():
            return _run_logged(func, args, kwargs, logger_factory)

    wrapper.__trialbook_patched__ = True  # type: ignore[attr-defined]
    if inspect.isfunction(func):
        wrapper.__signature__ = inspect.signature(func)  # type: ignore[attr-defined]
    return wrapper


def _rewrapped_descriptor(
    descriptor: Any,
    func: Callable[..., Any],
    logger_factory: Callable[[], Any],
    enabled: Callable[[], bool],
) -> Any:
    """A shallow copy of ``descriptor`` whose references to ``func`` point at its wrapper.

    Its class, checks (``available_if``'s ``hasattr`` answer) and bound-method type are the
    original's; only the function it calls is logged.
    """
    wrapper = _logging_wrapper(func, logger_factory, enabled)
    duplicate = copy.copy(descriptor)
    state = vars(duplicate)
    for key, value in list(state.items()):
        if value is func:
            state[key] = wrapper
    return duplicate


def _patched_getter(
    getter: Callable[[Any], Any], logger_factory: Callable[[], Any], enabled: Callable[[], bool]
) -> Callable[[Any], Any]:
    """A ``property`` getter returning the original's callable, wrapped keeping its type.

    A bound method stays a bound method of the same object and a ``functools.partial`` stays
    a partial with the same arguments, each calling a function named like the original's;
    any other value is returned as it is (and not logged).
    """

    @functools.wraps(getter)
    def patched(instance: Any) -> Any:
        value = getter(instance)
        if isinstance(value, types.MethodType):
            method = _instance_wrapper(value.__func__, 1, instance, logger_factory, enabled)
            return types.MethodType(method, value.__self__)
        if isinstance(value, functools.partial):
            preset = len(value.args)
            call = _instance_wrapper(value.func, preset, instance, logger_factory, enabled)
            return functools.partial(call, *value.args, **value.keywords)
        return value

    patched.__trialbook_patched__ = True  # type: ignore[attr-defined]
    return patched


def _instance_wrapper(
    func: Callable[..., Any],
    preset: int,
    instance: Any,
    logger_factory: Callable[[], Any],
    enabled: Callable[[], bool],
) -> Callable[..., Any]:
    """Calls ``func``; the call's logger sees ``instance`` and the caller's own arguments.

    ``preset`` leading positional arguments (the bound ``self``, a partial's arguments) are
    passed to ``func`` but not shown to the logger.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not enabled() or in_patched_call():
            return func(*args, **kwargs)
        fixed = args[:preset]

        def call(_instance: Any, *given: Any, **named: Any) -> Any:
            return func(*fixed, *given, **named)

        with _PatchedCall():
            return _run_logged(call, (instance, *args[preset:]), kwargs, logger_factory)

    return wrapper


def _run_logged(
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
