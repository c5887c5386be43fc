"""The two Lightning namespaces, ``lightning.pytorch`` and ``pytorch_lightning``.

They ship the same code under two names, and their classes cannot be mixed: a
``pytorch_lightning.Trainer`` rejects a ``lightning.pytorch.Callback``. Nothing here imports
either until a function needs it::

    resolve(None)                  # "lightning.pytorch" if installed, else "pytorch_lightning"
    resolve("pytorch_lightning")   # "pytorch_lightning"
    load("lightning.pytorch").Trainer
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

LIGHTNING = "lightning.pytorch"
PYTORCH_LIGHTNING = "pytorch_lightning"
NAMESPACES = (LIGHTNING, PYTORCH_LIGHTNING)
"""Every supported namespace, the preferred one first."""

_ALIASES = {
    "lightning": LIGHTNING,
    LIGHTNING: LIGHTNING,
    PYTORCH_LIGHTNING: PYTORCH_LIGHTNING,
    "pytorch-lightning": PYTORCH_LIGHTNING,
}
_DISTRIBUTIONS = {LIGHTNING: "lightning", PYTORCH_LIGHTNING: "pytorch-lightning"}


def top_module(namespace: str) -> str:
    """The top-level module of a namespace (``lightning`` or ``pytorch_lightning``)."""
    return namespace.split(".", 1)[0]


def distribution(namespace: str) -> str:
    """The name of the distribution that installs a namespace."""
    return _DISTRIBUTIONS[namespace]


def is_installed(namespace: str) -> bool:
    """Whether a namespace can be imported (without importing it)."""
    top = top_module(namespace)
    if top in sys.modules:
        return True
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def resolve(namespace: str | None = None) -> str:
    """The namespace to use: the one named, else ``lightning.pytorch`` when installed.

    Raises:
        ValueError: ``namespace`` is not a Lightning namespace.
        ModuleNotFoundError: No Lightning namespace is installed.
    """
    if namespace is not None:
        try:
            return _ALIASES[namespace]
        except KeyError:
            known = ", ".join(repr(n) for n in NAMESPACES)
            raise ValueError(f"{namespace!r} is not a Lightning namespace; use {known}.") from None
    for candidate in NAMESPACES:
        if is_installed(candidate):
            return candidate
    raise ModuleNotFoundError(
        "trialbook's Lightning integration needs Lightning: pip install lightning "
        "(or pytorch-lightning)."
    )


def load(namespace: str) -> ModuleType:
    """Import and return a namespace's package (``lightning.pytorch``)."""
    return importlib.import_module(namespace)


def loaded() -> list[str]:
    """The namespaces already imported in this process (none is imported here)."""
    return [n for n in NAMESPACES if n in sys.modules]


def namespace_of(obj: Any) -> str | None:
    """The namespace whose classes ``obj`` derives from, if it is already imported."""
    for namespace in loaded():
        module = sys.modules[namespace]
        for name in ("LightningModule", "Trainer", "Callback", "LightningDataModule"):
            cls = getattr(module, name, None)
            if cls is not None and isinstance(obj, cls):
                return namespace
    return None


def is_lightning_module(obj: Any) -> bool:
    """Whether ``obj`` is a LightningModule of an imported namespace."""
    return any(isinstance(obj, sys.modules[n].LightningModule) for n in loaded())


def is_global_zero(namespace: str) -> bool:
    """Whether this process is rank zero, as Lightning's ``rank_zero_only`` knows it."""
    rank_zero_only = importlib.import_module(f"{namespace}.utilities").rank_zero_only
    return getattr(rank_zero_only, "rank", 0) == 0


class PerNamespace:
    """One class per Lightning namespace, built by ``build`` on first use (thread-safe)."""

    def __init__(self, build: Callable[[str], type[Any]]) -> None:
        self._build = build
        self._classes: dict[str, type[Any]] = {}
        self._lock = threading.Lock()

    def get(self, namespace: str | None = None) -> type[Any]:
        """The class for ``namespace`` (default: ``lightning.pytorch`` when installed)."""
        resolved = resolve(namespace)
        found = self._classes.get(resolved)
        if found is not None:
            return found
        with self._lock:
            found = self._classes.get(resolved)
            if found is None:
                found = self._classes[resolved] = self._build(resolved)
        return found
