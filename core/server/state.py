"""What every server route needs: the store, the limits, the artifact destination, the tokens.

Routes get it with ``state: ServerState = Depends(server_state)``;
:func:`trialbook.server.app.create_server_app` puts one on ``app.state.trialbook_server``.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import unquote, urlparse

from fastapi import Depends, Request

from trialbook.artifacts import ArtifactRepository
from trialbook.errors import ExperimentNotFoundError, TrialbookError
from trialbook.server import ARTIFACTS_SCHEME
from trialbook.store.base import Batch, BatchLedger, OverviewBuilding, TrackingStore
from trialbook.store.rest.errors import PermissionDeniedError, ServerBusyError
from trialbook.store.rest.limits import Limits
from trialbook.store.upkeep import OverviewSchedule

if TYPE_CHECKING:
    from trialbook.server.auth import TokenStore

log = logging.getLogger(__name__)

_EXPERIMENT_ID = re.compile(r"[0-9]{1,18}")
BATCH_ID_RETENTION_MS = 7 * 24 * 3600 * 1000
"""How long the ids of applied batches are kept (a client resends within minutes)."""
_PRUNE_EVERY_S = 600.0


def normalise_destination(destination: str) -> str:
    """An artifact destination as the store joins it: local paths absolute, URLs unchanged."""
    parsed = urlparse(destination)
    if parsed.scheme == "file":
        return str(Path(unquote(parsed.path)).resolve())
    if "://" not in destination:
        return str(Path(destination).expanduser().resolve())
    return destination.rstrip("/")


@dataclass
class ServerState:
    """The server's view of its store and storage."""

    store: TrackingStore
    destination: str
    """Where artifacts go: an absolute local path or an fsspec URL (no trailing '/')."""
    limits: Limits
    tokens: TokenStore | None = None
    """Set when ``--auth`` is on."""
    search_slots: threading.Semaphore = field(init=False)
    """One per search that may run at once (``limits.max_concurrent_searches``)."""
    overviews: OverviewSchedule = field(default_factory=OverviewSchedule)
    """Counts the points each run logged through this process since its overviews were built."""
    _pruned: float = field(default_factory=time.monotonic)
    _prune_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.search_slots = threading.Semaphore(self.limits.max_concurrent_searches)

    def prune_batch_ids(self) -> None:
        """Forget the ids of batches applied long ago (at most every ten minutes)."""
        if time.monotonic() - self._pruned < _PRUNE_EVERY_S or not self._prune_lock.acquire(
            blocking=False
        ):
            return
        try:
            self._pruned = time.monotonic()
            if isinstance(self.store, BatchLedger):
                self.store.forget_applied_batches(int(time.time() * 1000) - BATCH_ID_RETENTION_MS)
        finally:
            self._prune_lock.release()

    def overviews_due(self, batch: Batch) -> list[str]:
        """The live runs whose overviews are due after ``batch`` was written (for a store
        that builds them; see :class:`~trialbook.store.upkeep.OverviewSchedule`)."""
        if not isinstance(self.store, OverviewBuilding):
            return []
        return self.overviews.written(batch)

    def overviews_at_end(self, run_id: str) -> list[str]:
        """``[run_id]``, the run having just ended, for a store that builds overviews.

        Always, not only when this process counted enough points: a server's other
        processes may have written the run's points (a build with nothing to do is cheap).
        """
        if not isinstance(self.store, OverviewBuilding):
            return []
        self.overviews.ended(run_id)
        return [run_id]

    def build_overviews(self, run_ids: list[str]) -> None:
        """Have the store summarise these runs' new points (called after the response).

        A failure is logged and the build left for later (the run's end, ``trialbook db
        overviews``): charts read the points meanwhile, and the request has been answered.
        """
        if isinstance(self.store, OverviewBuilding):
            for run_id in run_ids:
                try:
                    self.store.build_overviews(run_id)
                except TrialbookError as err:
                    log.warning("trialbook server: no overviews built for run %s: %s", run_id, err)

    def public_uri(self, uri: str) -> str:
        """A stored artifact location as clients see it: ``trialbook-artifacts:/<rel>``."""
        prefix = self.destination + "/"
        if uri == self.destination:
            return ARTIFACTS_SCHEME + "/"
        if uri.startswith(prefix):
            return f"{ARTIFACTS_SCHEME}/{uri[len(prefix) :]}"
        return uri

    def repository(self, run_id: str) -> ArtifactRepository:
        """The artifact repository of a run, refused when it lies outside the destination."""
        uri = self.store.get_run(run_id).info.artifact_uri
        if not uri.startswith(self.destination + "/"):
            raise PermissionDeniedError(
                f"The artifacts of run {run_id} are stored outside this server's artifact "
                "destination; the server only serves its own storage."
            )
        return ArtifactRepository(uri)


def server_state(request: Request) -> ServerState:
    """The :class:`ServerState` of the app serving ``request``."""
    state: ServerState = request.app.state.trialbook_server
    return state


State = Annotated[ServerState, Depends(server_state)]


def search_slot(request: Request) -> Iterator[None]:
    """Hold one of the server's search slots while the route runs, or answer 503 at once.

    Searches can be slow (their time budget is long); bounding how many run at once keeps
    worker threads for everything else.
    """
    state = server_state(request)
    if not state.search_slots.acquire(blocking=False):
        raise ServerBusyError(
            f"This server is running {state.limits.max_concurrent_searches} searches already; "
            "try again shortly."
        )
    try:
        yield
    finally:
        state.search_slots.release()


SEARCH = Depends(search_slot)
"""``dependencies=[READ, SEARCH]``: the route searches (see :func:`search_slot`)."""


def experiment_id(value: str) -> str:
    """An experiment id from a request; anything but a small decimal number is not found."""
    if not _EXPERIMENT_ID.fullmatch(value):
        raise ExperimentNotFoundError(value)
    return value
