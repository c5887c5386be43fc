"""Write-behind buffering between logging calls and the store.

``log_metric`` appends its step, value and timestamp to three typed arrays for its run and key
(no Python object per point, so no garbage-collector pressure) and returns; a background
thread writes everything pending every :data:`FLUSH_INTERVAL_S` (0.05 s; the environment
variable ``TRIALBOOK_FLUSH_INTERVAL`` sets it, in seconds) in one transaction, and keeps the
heartbeat of this process's running runs. After a write of :data:`BUSY_POINTS` points or more
(a fast logger) the next waits :data:`BUSY_FLUSH_INTERVAL_S` (0.2 s). That thread runs only
while there is work: it is started by the first item buffered (or the first run marked
alive) and ends once nothing is pending and no run is alive for
:data:`~trialbook.tracking.threads.IDLE_EXIT_S`. ``flush()`` writes
synchronously; it is called by ``end_run``, at interpreter exit, on SIGTERM and before any
read through the client, so a process always reads its own writes.

Memory stays bounded: past ``max_pending`` buffered items the logging call itself flushes.

A write that fails with :class:`~trialbook.errors.StoreUnavailableError` (the store's "try
again") keeps its batch, which is resent as is before anything newer; a batch the store refuses
for a reason of its own is written run by run, each run's failure logged. Nothing is dropped
without a warning.

Once written, metric points are counted per run, and a store that summarises long histories
(:class:`~trialbook.store.base.OverviewBuilding`) is asked to, in the background, every
:data:`~trialbook.store.upkeep.LIVE_OVERVIEW_POINTS` points of a live run and when it ends.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
import uuid
import weakref
from array import array
from collections import deque
from collections.abc import Iterable

from trialbook.entities import RunStatus
from trialbook.errors import StoreUnavailableError, TrialbookError
from trialbook.store.base import (
    Batch,
    MetricSeries,
    OverviewBuilding,
    TrackingStore,
    WantsBatchIds,
    part_batch_id,
)
from trialbook.store.upkeep import OverviewSchedule
from trialbook.tracking import background
from trialbook.tracking.threads import IDLE_EXIT_S, ServiceThread

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = float(os.environ.get("TRIALBOOK_FLUSH_INTERVAL", "0.05"))
"""Seconds between background writes: how soon another process sees a point (issue 17)."""
BUSY_POINTS = 10_000
"""A write of this many metric points or more marks a fast logger (200,000 points/s)..."""
BUSY_FLUSH_INTERVAL_S = max(FLUSH_INTERVAL_S, 0.2)
"""...whose next background write waits this long instead: fewer, larger transactions, and
less time the logging thread waits for the interpreter lock the writer holds."""
MAX_PENDING = 100_000

_writers: weakref.WeakSet[BufferedWriter] = weakref.WeakSet()


def _heartbeat_interval() -> float:
    return float(os.environ.get("TRIALBOOK_HEARTBEAT_INTERVAL", "5"))


class SeriesBuffer:
    """Pending points of one run's metric, as three typed arrays."""

    __slots__ = ("steps", "timestamps", "values")

    def __init__(self) -> None:
        self.steps = array("q")
        self.values = array("d")
        self.timestamps = array("q")

    def extend(self, other: SeriesBuffer) -> None:
        """Append ``other``'s points after this buffer's."""
        self.steps.extend(other.steps)
        self.values.extend(other.values)
        self.timestamps.extend(other.timestamps)


class BufferedWriter:
    """Buffers params, tags and metric points and writes them in the background."""

    def __init__(self, store: TrackingStore, max_pending: int = MAX_PENDING) -> None:
        self.store = store
        self.max_pending = max_pending
        self.lock = threading.Lock()
        """Guards :attr:`series` and :attr:`points`; logging calls append under it."""
        self.series: dict[tuple[str, str], SeriesBuffer] = {}
        self.points = 0
        self.params: deque[tuple[str, str, str]] = deque()
        self.tags: deque[tuple[str, str, str]] = deque()
        self.alive_runs: set[str] = set()
        self._flush_lock = threading.RLock()
        self._wake = threading.Event()
        self._closed = False
        self.store_down = False
        """Set while the store cannot be reached: logging calls then never wait for it."""
        self._last_heartbeat = time.monotonic()
        self._warned: set[str] = set()
        self._ends: dict[str, tuple[RunStatus, int]] = {}
        """Final run statuses the store could not record yet: retried by every flush."""
        self._retry: Batch | None = None
        """A batch whose write failed for a transient reason: resent as is before anything new."""
        self._idempotent = isinstance(store, WantsBatchIds) and store.idempotent_batches
        self._overviews = OverviewSchedule() if isinstance(store, OverviewBuilding) else None
        self._thread: ServiceThread | None = None
        self.running = False
        """Whether the background thread runs; read and set under :attr:`lock`."""
        self._stop_requested = False
        self._last_busy = time.monotonic()
        _writers.add(self)

    # The background thread: started on demand, ended when idle ------------------------------

    def ensure_running(self) -> None:
        """Start the background thread unless it runs (after something was buffered)."""
        with self.lock:
            if self.running or self._closed:
                return
            thread = ServiceThread("trialbook-writer", self._loop, self.stop_thread)
            self._stop_requested = False
            self._last_busy = time.monotonic()
            try:
                thread.start()  # Under the lock: stop_thread never sees it unstarted.
            except RuntimeError:  # the interpreter is shutting down: the exit hook flushes
                return
            self._thread = thread
            self.running = True

    def stop_thread(self, timeout: float = 5.0) -> None:
        """Write what is pending and end the background thread now; it starts again on demand."""
        with self.lock:
            thread = self._thread if self.running else None
            self._stop_requested = True
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _loop(self) -> None:
        failures = 0
        interval = FLUSH_INTERVAL_S
        while True:
            if not self._stop_requested:
                self._wake.wait(interval * min(2**failures, 50))
            self._wake.clear()
            if self._closed:
                with self.lock:
                    self.running = False
                return
            interval = BUSY_FLUSH_INTERVAL_S if self.points >= BUSY_POINTS else FLUSH_INTERVAL_S
            try:
                self.flush()
                self._beat()
                failures = 0
                self.store_down = False
            except StoreUnavailableError as err:
                failures += 1
                self.store_down = True
                self._warn_once("store", f"trialbook could not reach the store, will retry: {err}")
            except Exception:  # this thread is the only writer: it must survive
                failures += 1
                log.exception("trialbook's background writer failed")
            if self._retire(failed=failures > 0):
                return

    def _retire(self, failed: bool) -> bool:
        """Whether the thread ends now: asked to, or idle (nothing pending, no run alive)."""
        with self.lock:
            busy = bool(
                self.points or self.params or self.tags or self._ends or self._retry is not None
            )
            if self._stop_requested:
                if busy and not failed:
                    return False  # Buffered while stopping: written by the next turn.
            elif busy or self.alive_runs:
                self._last_busy = time.monotonic()
                return False
            elif time.monotonic() - self._last_busy < IDLE_EXIT_S:
                return False
            self.running = False
            return True

    def _beat(self) -> None:
        if self.alive_runs and time.monotonic() - self._last_heartbeat >= _heartbeat_interval():
            self._last_heartbeat = time.monotonic()
            self.store.heartbeat(sorted(self.alive_runs), int(time.time() * 1000))

    def pending(self) -> int:
        """How many items wait to be written."""
        return self.points + len(self.params) + len(self.tags)

    def relieve(self) -> None:
        """Called by logging calls when the buffer is full.

        While the store answers, write now in the caller's thread (backpressure). While it is
        down, never block training: keep buffering, and past ten times the limit drop the
        pending points with one warning, so memory stays bounded.
        """
        if not self.store_down:
            try:
                self.flush()
                return
            except StoreUnavailableError as err:
                self.store_down = True
                self._warn_once("store", f"trialbook could not reach the store, will retry: {err}")
        if self.points > 10 * self.max_pending:
            with self.lock:
                dropped, self.points = self.points, 0
                self.series = {}
            self._warn_once("dropped", f"trialbook dropped {dropped} metric points: store down")

    def defer_end(self, run_id: str, status: RunStatus, end_time: int) -> None:
        """Keep a run's final status the store could not record (a full disk) for later flushes."""
        with self.lock:
            self._ends[run_id] = (status, end_time)
        self.ensure_running()

    def flush(self) -> None:
        """Write everything buffered so far, then the deferred run ends; raises if the store
        cannot be reached."""
        with self._flush_lock:
            try:
                self._flush_buffered()
            finally:
                self._write_ends()

    def _write_ends(self) -> None:
        with self.lock:
            ends = list(self._ends.items())
        for run_id, (status, end_time) in ends:
            try:
                self.store.update_run(run_id, status=status, end_time=end_time)
            except StoreUnavailableError:
                raise  # Kept for the next flush.
            except TrialbookError as err:  # Deleted meanwhile, say: nothing left to end.
                log.warning("trialbook could not end run %s as %s: %s", run_id, status.value, err)
            else:
                self.run_ended(run_id)
            with self.lock:
                self._ends.pop(run_id, None)

    def _flush_buffered(self) -> None:
        with self._flush_lock:
            if self._retry is not None:
                # Resent as is (same batch_id: a store that saw it already skips it).
                self._write(self._retry)
                self._retry = None
            with self.lock:
                series, self.series = self.series, {}
                self.points = 0
            params = _drain(self.params)
            tags = _drain(self.tags)
            if not (params or tags or series):
                return
            batch = Batch(
                params=params,
                tags=tags,
                series=[
                    MetricSeries(run_id, key, b.steps, b.values, b.timestamps)
                    for (run_id, key), b in series.items()
                ],
                batch_id=uuid.uuid4().hex if self._idempotent else None,
            )
            try:
                self._write(batch)
            except StoreUnavailableError:
                self._retry = batch  # Kept, in order, for the next attempt.
                raise
            except Exception:
                log.exception(
                    "trialbook dropped %d metric points, %d params and %d tags: the store failed "
                    "unexpectedly",
                    sum(len(s) for s in batch.series),
                    len(batch.params),
                    len(batch.tags),
                )
                raise
            if self._overviews is not None:
                for run_id in self._overviews.written(batch):
                    self._build_overviews(run_id)

    def run_ended(self, run_id: str) -> None:
        """The run ended (and was flushed): have its last overviews built, in the background."""
        if self._overviews is not None and self._overviews.ended(run_id):
            self._build_overviews(run_id)

    def _build_overviews(self, run_id: str) -> None:
        if isinstance(self.store, OverviewBuilding):
            build = functools.partial(self.store.build_overviews, run_id)
            background.submit_once(f"overviews:{run_id}", build)

    def _write(self, batch: Batch) -> None:
        try:
            self.store.write_batch(batch)
        except StoreUnavailableError:
            raise
        except TrialbookError as err:
            self._write_isolating(batch, err)

    def _write_isolating(self, batch: Batch, err: TrialbookError) -> None:
        """A batch failed for a reason of its own: write it in halves, drop only bad items.

        Each failing half is halved again until the failing items stand alone; those are
        dropped with a warning naming them, everything else is written in its order. A
        transient failure (store down) still raises, for the caller to retry.
        """
        items = batch.items()
        if len(items) == 1:
            log.warning("trialbook dropped %s: %s", describe_item(batch), err)
            return
        middle = len(items) // 2
        for start, stop in ((0, middle), (middle, len(items))):
            self._write_halves(items, batch.batch_id, start, stop)

    def _write_halves(
        self, items: list[Batch], batch_id: str | None, start: int, stop: int
    ) -> None:
        if start >= stop:
            return
        part = Batch.joined(
            items[start:stop],
            None if batch_id is None else part_batch_id(batch_id, f"items {start}-{stop}"),
        )
        try:
            self.store.write_batch(part)
            return
        except StoreUnavailableError:
            raise
        except TrialbookError as err:
            if stop - start == 1:
                # Usually in the background thread, where a warning would reach nobody.
                log.warning("trialbook dropped %s: %s", describe_item(part), err)
                return
        middle = (start + stop) // 2
        self._write_halves(items, batch_id, start, middle)
        self._write_halves(items, batch_id, middle, stop)

    def _warn_once(self, topic: str, message: str) -> None:
        if topic not in self._warned:
            self._warned.add(topic)
            log.warning(message)

    def wake(self) -> None:
        """Ask the background thread to write now."""
        self._wake.set()

    def close(self) -> None:
        """Write what is pending and stop the background thread."""
        self._closed = True
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self.flush()

    def _after_fork(self) -> None:
        # The parent's buffered items are the parent's to write.
        self.lock = threading.Lock()
        self.series = {}
        self.points = 0
        self.params.clear()
        self.tags.clear()
        self.alive_runs.clear()
        self._retry = None
        self._ends = {}
        self._flush_lock = threading.RLock()
        self._wake = threading.Event()
        self._thread = None
        self.running = False  # The child's first buffered item starts its own thread.


def describe_item(item: Batch) -> str:
    """What a one-item batch holds, for a warning: ``param 'lr' = '0.1' of run <id>``."""
    for kind, triples in (("param", item.params), ("tag", item.tags)):
        for run_id, key, value in triples:
            shown = value if len(value) <= 60 else value[:57] + "..."
            return f"{kind} {key!r} = {shown!r} of run {run_id}"
    for point in item.metrics:
        return f"metric {point[1]!r} at step {point[3]} of run {point[0]}"
    series = item.series[0]
    return f"{len(series)} points of metric {series.key!r} of run {series.run_id}"


def _drain(queue: deque[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    count = len(queue)
    return [queue.popleft() for _ in range(count)]


def flush_all(writers: Iterable[BufferedWriter] | None = None) -> None:
    """Flush every live writer (at exit and on SIGTERM)."""
    for writer in list(writers if writers is not None else _writers):
        try:
            writer.flush()
        except StoreUnavailableError as err:
            log.warning("trialbook could not write pending data: %s", err)
            for run_id, (status, _end) in list(writer._ends.items()):
                log.warning(
                    "trialbook could not record run %s as %s (%s); it shows as KILLED once its "
                    "heartbeat times out (TRIALBOOK_HEARTBEAT_TIMEOUT).",
                    run_id,
                    status.value,
                    err,
                )


def _reset_after_fork() -> None:
    for writer in list(_writers):
        writer._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
