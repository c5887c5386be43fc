"""The write side shared by the client and the fluent API: one per tracking URI per process.

It validates every call before anything is buffered (a rejected call writes nothing), keeps
per-run caches (logged params, next step per metric key) so the hot path never touches the
database, and hands data to the :class:`~trialbook.tracking.writer.BufferedWriter`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from trialbook.entities import LifecycleStage, Run, RunStatus
from trialbook.errors import DeletedRunError, ParamConflictError, StoreUnavailableError
from trialbook.store.base import Checkpointing, TrackingStore
from trialbook.tracking import background
from trialbook.tracking.current_uri import canonical
from trialbook.tracking.writer import BufferedWriter, SeriesBuffer
from trialbook.validation import (
    check_key,
    known_keys,
    metric_value,
    param_value,
    step_value,
    tag_value,
)

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1

_trackers: dict[str, Tracker] = {}
_lock = threading.Lock()


def get_tracker(tracking_uri: str) -> Tracker:
    """The process-wide tracker for a tracking URI."""
    tracker = _trackers.get(tracking_uri)
    if tracker is None:
        uri = canonical(tracking_uri)  # A folder and its sqlite:/// URI share one tracker.
        with _lock:
            tracker = _trackers.get(uri)
            if tracker is None:
                from trialbook.store.factory import get_store

                tracker = Tracker(uri, get_store(uri))
                _trackers[uri] = tracker
            _trackers[tracking_uri] = tracker
    return tracker


def close_trackers() -> None:
    """Flush and close every tracker (tests, and switching tracking URI)."""
    with _lock:
        for tracker in {id(t): t for t in _trackers.values()}.values():  # Once per store.
            tracker.writer.close()
        _trackers.clear()


class Tracker:
    """Validating, caching front of a store's write path."""

    def __init__(self, tracking_uri: str, store: TrackingStore) -> None:
        self.tracking_uri = tracking_uri
        self.store = store
        self.writer = BufferedWriter(store)
        self._max_pending = self.writer.max_pending
        self._params: dict[str, dict[str, str]] = {}
        self._steps: dict[str, dict[str, int]] = {}
        self._lock = threading.RLock()

    # Run bookkeeping ------------------------------------------------------------------------

    def adopt_new_run(self, run: Run) -> None:
        """Register a run this process just created: nothing of it needs loading."""
        with self._lock:
            self._params[run.info.run_id] = dict(run.data.params)
            self._steps[run.info.run_id] = {}

    def _load(self, run_id: str) -> dict[str, int]:
        """Check a run exists and is not deleted, then cache its params and next steps."""
        with self._lock:
            steps = self._steps.get(run_id)
            if steps is not None:
                return steps
            self.writer.flush()
            run = self.store.get_run(run_id)
            if run.info.lifecycle_stage is LifecycleStage.DELETED:
                raise DeletedRunError(run_id)
            summaries = self.store.get_metric_summaries([run_id]).get(run_id, [])
            self._params[run_id] = dict(run.data.params)
            steps = {s.key: s.step + 1 for s in summaries}
            self._steps[run_id] = steps
            return steps

    def ensure_writable(self, run_id: str) -> None:
        """Raise RunNotFoundError or DeletedRunError unless the run accepts data."""
        if self._steps.get(run_id) is None:
            self._load(run_id)

    def forget(self, run_id: str) -> None:
        """Drop a run's caches (after deleting it, for instance)."""
        with self._lock:
            self._params.pop(run_id, None)
            self._steps.pop(run_id, None)

    # Logging --------------------------------------------------------------------------------

    def log_metric(
        self,
        run_id: str,
        key: str,
        value: Any,
        step: Any = None,
        timestamp: Any = None,
    ) -> None:
        """Buffer one metric point. ``step=None`` means one past this key's last step."""
        if key not in known_keys:
            check_key(key)
        if type(value) is not float:
            value = metric_value(key, value)
        steps = self._steps.get(run_id)
        if steps is None:
            steps = self._load(run_id)
        last = steps.get(key, 0)
        if step is None:
            step = last
        elif type(step) is not int or not _INT64_MIN <= step <= _INT64_MAX:
            step = step_value(key, step)
        if step >= last:
            steps[key] = step + 1
        if timestamp is None:
            timestamp = int(time.time() * 1000)
        elif type(timestamp) is not int or not _INT64_MIN <= timestamp <= _INT64_MAX:
            timestamp = step_value(key, timestamp)
        writer = self.writer
        with writer.lock:
            buffer = writer.series.get((run_id, key))
            if buffer is None:
                buffer = writer.series[(run_id, key)] = SeriesBuffer()
            buffer.steps.append(step)
            buffer.values.append(value)
            buffer.timestamps.append(timestamp)
            writer.points += 1
            full = writer.points > self._max_pending
            idle = not writer.running
        if idle:
            writer.ensure_running()
        if full:
            writer.relieve()

    def log_metrics(
        self, run_id: str, metrics: Mapping[str, Any], step: Any = None, timestamp: Any = None
    ) -> None:
        """Buffer several metrics at one step; all are checked before any is buffered."""
        checked = {check_key(k): metric_value(k, v) for k, v in metrics.items()}
        if timestamp is None:
            timestamp = int(time.time() * 1000)
        for key, value in checked.items():
            self.log_metric(run_id, key, value, step, timestamp)

    def log_params(self, run_id: str, params: Mapping[str, Any]) -> None:
        """Buffer params; a different value for a logged key raises ParamConflictError."""
        checked = {check_key(k): param_value(k, v) for k, v in params.items()}
        if self._steps.get(run_id) is None:
            self._load(run_id)
        with self._lock:
            logged = self._params.setdefault(run_id, {})
            for key, value in checked.items():
                old = logged.get(key)
                if old is not None and old != value:
                    raise ParamConflictError(run_id, key, old, value)
            for key, value in checked.items():
                if key not in logged:
                    logged[key] = value
                    self.writer.params.append((run_id, key, value))
        self.writer.ensure_running()

    def set_tags(self, run_id: str, tags: Mapping[str, Any]) -> None:
        """Buffer tags (a tag's later value replaces the earlier one)."""
        checked = {check_key(k): tag_value(k, v) for k, v in tags.items()}
        if self._steps.get(run_id) is None:
            self._load(run_id)
        for key, value in checked.items():
            self.writer.tags.append((run_id, key, value))
        self.writer.ensure_running()

    def mark_alive(self, run_id: str, alive: bool) -> None:
        """Keep (or stop keeping) the heartbeat of a running run."""
        if alive:
            self.writer.alive_runs.add(run_id)
            self.writer.ensure_running()  # It keeps the heartbeat.
        else:
            self.writer.alive_runs.discard(run_id)

    def terminate(self, run_id: str, status: RunStatus, end_time: int | None = None) -> None:
        """Flush, then record the run's final status and end time.

        The status is recorded even when the flush fails (a full disk): the run never stays
        RUNNING because of data it could not write, which stays buffered for a later flush
        while the flush's error propagates. A status the store cannot record now either is
        kept by the writer and recorded by its next flush (in the background, or at exit).
        """
        try:
            self.writer.flush()
        finally:
            self.mark_alive(run_id, False)
            ended = end_time or int(time.time() * 1000)
            try:
                self.store.update_run(run_id, status=status, end_time=ended)
            except StoreUnavailableError:
                self.writer.defer_end(run_id, status, ended)
                raise
            self.writer.run_ended(run_id)
            self._checkpoint_soon()

    def _checkpoint_soon(self) -> None:
        """Have the store fold its recent writes into its main file, off the caller's path.

        Runs ending close together share one checkpoint (one not yet started covers them);
        :func:`trialbook.flush` and exit wait for it, as for any background work.
        """
        if isinstance(self.store, Checkpointing):
            background.submit_once(f"checkpoint:{self.tracking_uri}", self.store.checkpoint)
