"""What every UI route needs: the store, the history service and the page templates.

Routes get it with ``state: UIState = Depends(ui_state)``; :func:`trialbook.ui.app.create_app`
puts one on ``app.state.trialbook_ui``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import Request

from trialbook.artifacts import ArtifactRepository, RunArtifacts
from trialbook.store.base import ArtifactService, TrackingStore
from trialbook.ui.history import HistoryService

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates


class TTLCache:
    """Answers kept for a few seconds: for questions that are slow to ask and change rarely."""

    def __init__(self, seconds: float = 10.0, size: int = 256) -> None:
        self.seconds = seconds
        self.size = size
        self._found: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every answer (after an edit, so the next page load sees it)."""
        with self._lock:
            self._found.clear()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached answer for ``key``, or ``compute()``'s, kept from now on."""
        now = time.monotonic()
        with self._lock:
            found = self._found.get(key)
        if found is not None and now - found[0] < self.seconds:
            return found[1]
        value = compute()
        with self._lock:
            if len(self._found) >= self.size:
                self._found.clear()
            self._found[key] = (now, value)
        return value


@dataclass
class UIState:
    """The UI's view of one tracking store."""

    tracking_uri: str
    store: TrackingStore
    templates: Jinja2Templates
    history: HistoryService
    cache: TTLCache = field(default_factory=TTLCache)
    may_write: Callable[[Request], bool] = field(default=lambda _request: True)
    """Whether a request may change data (the tracking server refuses read-only tokens)."""

    def artifacts(self, run_id: str) -> RunArtifacts:
        """A run's artifacts: through the server when the store is a tracking server's."""
        if isinstance(self.store, ArtifactService):
            return self.store.artifact_repository(run_id)
        return ArtifactRepository(self.store.get_run(run_id).info.artifact_uri)

    @property
    def display_uri(self) -> str:
        """The tracking URI without passwords, for the page header."""
        from trialbook.tracking.reproducibility import strip_url_credentials

        return strip_url_credentials(self.tracking_uri)


def ui_state(request: Request) -> UIState:
    """The :class:`UIState` of the app serving ``request``."""
    state: UIState = request.app.state.trialbook_ui
    return state
