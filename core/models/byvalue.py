"""Pickling models whose classes live in the user's script, so they reload anywhere.

A class defined in ``__main__`` (the script that trained the model) is not importable in
another process. :mod:`cloudpickle` stores such classes by value, their code inside the
pickle, and everything importable by reference as :mod:`pickle` does; the file loads with
plain ``pickle.load`` wherever cloudpickle is installed. :func:`dump` also returns the source
of every class it stored by value, which the model's metadata records::

    with open(path, "wb") as handle:
        classes = dump(model, handle)        # [{"class": "__main__.MyNet", "source": "..."}]

For ``torch.save``, :data:`pickle_module` is a module-like object whose ``Pickler`` records
the same way (``torch.save(module, path, pickle_module=...)``), collected by
:func:`recording`.
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import pickle
from collections.abc import Iterator
from types import SimpleNamespace
from typing import IO, Any

import cloudpickle

_found: contextvars.ContextVar[dict[str, type] | None] = contextvars.ContextVar(
    "trialbook_by_value", default=None
)


def _by_value(cls: type) -> bool:
    """Whether cloudpickle stores ``cls`` by value: the script's classes and local ones."""
    return cls.__module__ == "__main__" or "<locals>" in cls.__qualname__


class RecordingPickler(cloudpickle.Pickler):  # type: ignore[misc]
    """A cloudpickle Pickler that notes the classes it stores by value."""

    def reducer_override(self, obj: Any) -> Any:
        """Note ``obj`` when it is a class stored by value, then reduce it as cloudpickle does."""
        found = _found.get()
        if found is not None and isinstance(obj, type) and _by_value(obj):
            found.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
        return super().reducer_override(obj)


pickle_module = SimpleNamespace(
    __name__="trialbook.models.byvalue",
    Pickler=RecordingPickler,
    Unpickler=pickle.Unpickler,
    dump=lambda obj, handle, protocol=None: RecordingPickler(handle, protocol).dump(obj),
    load=pickle.load,
)
"""What ``torch.save`` needs of a pickle module, with classes recorded as in :func:`dump`."""


@contextlib.contextmanager
def recording() -> Iterator[list[dict[str, str]]]:
    """Collect the classes stored by value inside the block (as :func:`dump` returns them).

    Inside another ``recording()`` block the outer one collects them all.
    """
    sources: list[dict[str, str]] = []
    if _found.get() is not None:  # an enclosing block collects them
        yield sources
        return
    found: dict[str, type] = {}
    token = _found.set(found)
    try:
        yield sources
    finally:
        _found.reset(token)
        sources.extend(class_sources(found))


def dump(obj: Any, handle: IO[bytes]) -> list[dict[str, str]]:
    """Pickle ``obj`` into ``handle``; return the classes stored by value with their source.

    Inside a :func:`recording` block they are left to that block.
    """
    with recording() as sources:
        RecordingPickler(handle, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return sources


def class_sources(classes: dict[str, type]) -> list[dict[str, str]]:
    """``[{"class": name, "source": code}]``; the source is empty when Python has none."""
    found = []
    for name, cls in sorted(classes.items()):
        try:
            source = inspect.getsource(cls)
        except (OSError, TypeError):  # defined in an interactive session or with exec()
            source = ""
        found.append({"class": name, "source": source})
    return found


__all__ = ["RecordingPickler", "class_sources", "dump", "pickle_module", "recording"]
