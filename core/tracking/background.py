"""Logging work done off the caller's path, such as a run's reproducibility capture.

::

    background.submit(run_id, lambda: write_report(run_id))   # returns at once

One daemon thread does the work, in submission order. Reads of a run's artifacts through
:class:`~trialbook.tracking.client.TrackingClient` wait for that run's pending work first,
and interpreter exit waits for all of it, so nothing submitted is lost and a process always
reads what it logged. The thread is started by the first submission and ends once the queue
has been empty for :data:`~trialbook.tracking.threads.IDLE_EXIT_S` (a loop of short runs
reuses it: starting a thread per piece of work made every ``start_run`` wait for the new
thread to get the GIL); :func:`stop` ends it at once after the pending work.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable

from trialbook.tracking.threads import IDLE_EXIT_S, ServiceThread

log = logging.getLogger(__name__)

_work: deque[tuple[str, Callable[[], object]]] = deque()
"""Submitted work not yet started; guarded by :data:`_changed`."""
_pending: dict[str, int] = {}
"""How many submitted pieces of work each run still has queued or running."""
_changed = threading.Condition()
_worker: ServiceThread | None = None
"""The running worker thread, or None; set under :data:`_changed`."""
_stopping = False
_local = threading.local()
"""``_local.working`` is True in a thread while it does a piece of background work."""


def submit(run_id: str, work: Callable[[], object]) -> None:
    """Queue ``work`` for ``run_id``; its failure is logged, never raised."""
    global _worker, _stopping
    with _changed:
        _pending[run_id] = _pending.get(run_id, 0) + 1
        _work.append((run_id, work))
        _changed.notify_all()
        if _worker is not None:
            return
        worker = ServiceThread("trialbook-background", _serve, stop)
        _stopping = False
        try:
            worker.start()  # Under the lock: stop() never sees it unstarted.
        except RuntimeError:  # the interpreter is shutting down: no new threads, work here
            pass
        else:
            _worker = worker
            return
    _drain_here()


def submit_once(key: str, work: Callable[[], object]) -> None:
    """Queue ``work`` under ``key`` unless work under that key is queued and not yet started."""
    with _changed:
        if any(queued == key for queued, _ in _work):
            return
    submit(key, work)  # Outside the lock: at exit, submit does the work itself.


def _serve() -> None:
    while True:
        item = _next()
        if item is None:
            return
        _do(*item)


def _next() -> tuple[str, Callable[[], object]] | None:
    """The next piece of work; None once the thread should end (and it is marked ended)."""
    global _worker
    idle_until = time.monotonic() + IDLE_EXIT_S
    with _changed:
        while not _work:
            left = idle_until - time.monotonic()
            if _stopping or left <= 0:
                _worker = None
                _changed.notify_all()
                return None
            _changed.wait(left)
        return _work.popleft()


def _do(run_id: str, work: Callable[[], object]) -> None:
    _local.working = True
    try:
        work()
    except Exception:  # background work must never fail the run it describes
        log.exception("trialbook: background work for run %s failed", run_id)
    finally:
        _local.working = False
        with _changed:
            left = _pending.get(run_id, 1) - 1
            if left > 0:
                _pending[run_id] = left
            else:
                _pending.pop(run_id, None)
            _changed.notify_all()


def _drain_here() -> None:
    """Do every queued piece of work in the calling thread."""
    while True:
        with _changed:
            if not _work:
                return
            item = _work.popleft()
        _do(*item)


def wait(run_id: str | None = None, timeout: float = 30.0) -> None:
    """Wait for the pending work of one run (or of every run); background work never waits."""
    if getattr(_local, "working", False):
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


def stop(timeout: float = 30.0) -> None:
    """Finish the pending work, then end the worker thread now (the next submit starts one)."""
    global _stopping
    wait(timeout=timeout)
    with _changed:
        worker = _worker
        _stopping = True
        _changed.notify_all()
    if worker is not None and worker is not threading.current_thread():
        worker.join(timeout)


def _reset_after_fork() -> None:
    # The parent's queued work is the parent's to do; the child starts its own thread.
    global _changed, _worker, _stopping
    _changed = threading.Condition()
    _worker = None
    _stopping = False
    _work.clear()
    _pending.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
