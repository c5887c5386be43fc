"""Logging work done off the caller's path, such as a run's reproducibility capture.

::

    background.submit(run_id, lambda: write_report(run_id))   # returns at once

One daemon thread does the work, in submission order. Reads of a run's artifacts through
:class:`~trialbook.tracking.client.TrackingClient` wait for that run's pending work first,
and interpreter exit waits for all of it, so nothing submitted is lost and a process always
reads what it logged. The thread is started once per process (again after a fork): starting
a thread per piece of work made every ``start_run`` wait for the new thread to get the GIL.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

_work: queue.SimpleQueue[tuple[str, Callable[[], object]]] = queue.SimpleQueue()
_pending: dict[str, int] = {}
"""How many submitted pieces of work each run still has queued or running."""
_changed = threading.Condition()
_worker: threading.Thread | None = None


def submit(run_id: str, work: Callable[[], object]) -> None:
    """Queue ``work`` for ``run_id``; its failure is logged, never raised."""
    global _worker
    with _changed:
        _pending[run_id] = _pending.get(run_id, 0) + 1
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_serve, name="trialbook-background", daemon=True)
            _worker.start()
    _work.put((run_id, work))


def _serve() -> None:
    while True:
        run_id, work = _work.get()
        try:
            work()
        except Exception:  # background work must never fail the run it describes
            log.exception("trialbook: background work for run %s failed", run_id)
        finally:
            with _changed:
                left = _pending.get(run_id, 1) - 1
                if left > 0:
                    _pending[run_id] = left
                else:
                    _pending.pop(run_id, None)
                _changed.notify_all()


def wait(run_id: str | None = None, timeout: float = 30.0) -> None:
    """Wait for the pending work of one run (or of every run); background work never waits."""
    if threading.current_thread() is _worker:
        return
    deadline = time.monotonic() + timeout

    def done() -> bool:
        return not _pending if run_id is None else run_id not in _pending

    with _changed:
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            _changed.wait(left)
