"""Logging work done off the caller's path, such as rendering an artifact after training.

::

    background.submit(run_id, lambda: write_report(run_id))   # returns at once

Reads of a run's artifacts through :class:`~trialbook.tracking.client.TrackingClient` wait for
that run's pending work first, and interpreter exit waits for all of it, so nothing submitted
is lost and a process always reads what it logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

_pending: dict[str, set[threading.Thread]] = {}
_lock = threading.Lock()


def submit(run_id: str, work: Callable[[], object], name: str = "trialbook-background") -> None:
    """Run ``work`` for ``run_id`` in a daemon thread; its failure is logged, never raised."""

    def run() -> None:
        try:
            work()
        except Exception:  # a background render must never fail the run it describes
            log.exception("trialbook: background work for run %s failed", run_id)
        finally:
            with _lock:
                threads = _pending.get(run_id)
                if threads is not None:
                    threads.discard(threading.current_thread())
                    if not threads:
                        del _pending[run_id]

    thread = threading.Thread(target=run, name=name, daemon=True)
    with _lock:
        _pending.setdefault(run_id, set()).add(thread)
    thread.start()


def wait(run_id: str | None = None, timeout: float = 30.0) -> None:
    """Wait for the pending work of one run (or of every run); background work never waits."""
    current = threading.current_thread()
    with _lock:
        if any(current in group for group in _pending.values()):
            return
        if run_id is None:
            threads = [t for group in _pending.values() for t in group]
        else:
            threads = list(_pending.get(run_id, ()))
    for thread in threads:
        thread.join(timeout)
