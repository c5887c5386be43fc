"""Reading a patched call's arguments, publishing its run to a training callback, and
per-iteration tables, for integrations.

::

    bound = bind_call(xgboost.train, args, kwargs)   # None when the call will raise anyway
    rounds = call_argument(bound, "num_boost_round")  # passed, or the signature's default
    run.hold(BINDING.bind(binding))                   # the callback sees BINDING.current()
    run.log_text(iteration_csv({"train-rmse": [...]}), "cv_results.csv")
"""

from __future__ import annotations

import contextvars
import csv
import functools
import inspect
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@functools.lru_cache(maxsize=32)
def _signature(func: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(func)


def bind_call(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> inspect.BoundArguments | None:
    """The call's arguments by name; None when they do not fit (the call itself will raise)."""
    try:
        return _signature(func).bind(*args, **kwargs)
    except TypeError:
        return None


def call_argument(bound: inspect.BoundArguments, name: str) -> Any:
    """The argument ``name`` as passed in this call, else its default (None if there is none)."""
    if name in bound.arguments:
        return bound.arguments[name]
    parameter = bound.signature.parameters.get(name)
    return None if parameter is None else parameter.default


def iteration_csv(columns: Mapping[str, Sequence[Any]]) -> str:
    """Columns of equal length as CSV with an ``iteration`` column first, one row each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["iteration", *columns])
    writer.writerows([i, *row] for i, row in enumerate(zip(*columns.values(), strict=True)))
    return out.getvalue()


class ContextBinding(Generic[T]):
    """What the training running in this context (thread, task) logs into, for its callback.

    The patched call publishes a value with :meth:`bind` and gives the returned release to
    :meth:`~trialbook.autolog.run.AutologRun.hold`; the framework's callback, which gets no
    reference to the run, reads :meth:`current`.
    """

    def __init__(self, name: str) -> None:
        self._var: contextvars.ContextVar[T | None] = contextvars.ContextVar(name, default=None)

    def current(self) -> T | None:
        """The value bound in this context, if any."""
        return self._var.get()

    def bind(self, value: T) -> Callable[[], None]:
        """Publish ``value`` in this context; call the result to withdraw it."""
        return functools.partial(self._var.reset, self._var.set(value))
