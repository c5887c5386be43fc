"""An example trialbook store backend: ``memory://<name>`` keeps runs in process memory."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

from trialbook.plugins import hookimpl
from trialbook.store import StoreBackend, TrackingStore
from trialbook_memory.store import MemoryStore

__all__ = ["MemoryBackend", "MemoryStore", "trialbook_register_stores"]


class MemoryBackend(StoreBackend):
    """Opens :class:`MemoryStore` stores for ``memory://`` URIs."""

    schemes = ("memory",)

    def open(self, uri: str, artifact_root: str | None = None) -> TrackingStore:
        """A new, empty store; artifacts under ``artifact_root``, else a temporary folder."""
        root = (
            artifact_root
            or os.environ.get("TRIALBOOK_ARTIFACT_ROOT")
            or tempfile.mkdtemp(prefix="trialbook-memory-")
        )
        return MemoryStore(root)


@hookimpl
def trialbook_register_stores(register: Callable[[StoreBackend], None]) -> None:
    """Register the memory backend."""
    register(MemoryBackend())
