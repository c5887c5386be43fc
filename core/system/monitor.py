"""The sampling threads: one daemon thread per sampled run, stopped when the run ends.

::

    monitor.start("3f2a...", tracking_uri, interval=10.0)   # first sample after min(10, 1) s
    monitor.stop("3f2a...")                                  # wakes the thread and joins it

Samples go through the run's tracker (the same buffered writer as ``log_metric``), at steps
0, 1, 2, ... (a resumed run continues after its last ``system/`` step). Nothing here raises
into the caller: a failure becomes one :class:`SystemMetricsWarning` per run and, when the
sampler itself breaks, the end of that run's sampling.
"""

from __future__ import annotations

import atexit
import logging
import threading
import warnings
from pathlib import Path

from trialbook.system.sampler import PREFIX, SystemSampler
from trialbook.system.settings import SystemMetricsWarning

log = logging.getLogger(__name__)

FIRST_SAMPLE_S = 1.0
"""The first sample comes after this long (or the interval, if shorter), so short runs get one."""

JOIN_TIMEOUT_S = 2.0
"""How long ending a run waits for its sampling thread to finish a sample in progress."""

_monitors: dict[str, Monitor] = {}
_lock = threading.Lock()
_exit_hook_installed = False


class Monitor:
    """Samples one run every ``interval`` seconds until :meth:`stop`."""

    def __init__(
        self,
        run_id: str,
        tracking_uri: str,
        interval: float,
        disk_path: Path,
        resumed: bool = False,
    ) -> None:
        self.run_id = run_id
        self.tracking_uri = tracking_uri
        self.interval = interval
        self.disk_path = disk_path
        self.resumed = resumed
        self.samples = 0
        """Samples logged so far."""
        self._stop = threading.Event()
        self._warned = False
        self.thread = threading.Thread(
            target=self._run, name=f"trialbook-system-metrics-{run_id[:8]}", daemon=True
        )

    def start(self) -> None:
        """Start the sampling thread."""
        self.thread.start()

    def stop(self, timeout: float = JOIN_TIMEOUT_S) -> None:
        """Wake the thread and wait (at most ``timeout`` seconds) for it to end."""
        self._stop.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def _run(self) -> None:
        sampler: SystemSampler | None = None
        try:
            from trialbook.tracking.tracker import get_tracker

            tracker = get_tracker(self.tracking_uri)
            sampler = SystemSampler.create(self.disk_path, self._source_failed)
            step = self._first_step() if self.resumed else 0
            delay = min(self.interval, FIRST_SAMPLE_S)
            while not self._stop.wait(delay):
                delay = self.interval
                values = sampler.sample()
                if values:
                    tracker.log_metrics(self.run_id, values, step=step)
                    step += 1
                    self.samples += 1
        except Exception as err:  # noqa: BLE001 - the safety boundary: our failure must not reach the user
            self._warn(f"stopped: {type(err).__name__}: {err}")
        finally:
            if sampler is not None:
                sampler.close()

    def _first_step(self) -> int:
        """One past the last ``system/`` step of a resumed run."""
        from trialbook.tracking.client import TrackingClient

        summaries = TrackingClient(self.tracking_uri).get_metric_summaries(self.run_id)
        steps = [s.step for s in summaries if s.key.startswith(PREFIX)]
        return max(steps) + 1 if steps else 0

    def _source_failed(self, source: str, error: BaseException) -> None:
        self._warn(f"{source} metrics are left out: {type(error).__name__}: {error}")

    def _warn(self, what: str) -> None:
        if self._warned:
            log.debug("trialbook: system metrics of run %s: %s", self.run_id, what)
            return
        self._warned = True
        try:
            warnings.warn(
                f"trialbook: system metrics of run {self.run_id}: {what}",
                SystemMetricsWarning,
                stacklevel=2,
            )
        except SystemMetricsWarning:  # turned into an error by a filter: nobody to raise it to
            log.warning("trialbook: system metrics of run %s: %s", self.run_id, what)


def start(
    run_id: str, tracking_uri: str, interval: float, disk_path: Path, resumed: bool = False
) -> Monitor:
    """Start sampling a run (the running monitor, if the run already has one)."""
    global _exit_hook_installed
    with _lock:
        current = _monitors.get(run_id)
        if current is not None and current.thread.is_alive():
            return current
        monitor = Monitor(run_id, tracking_uri, interval, disk_path, resumed)
        _monitors[run_id] = monitor
        if not _exit_hook_installed:
            atexit.register(stop_all)
            _exit_hook_installed = True
    monitor.start()
    return monitor


def stop(run_id: str) -> None:
    """Stop sampling a run (nothing happens if it is not sampled)."""
    with _lock:
        monitor = _monitors.pop(run_id, None)
    if monitor is not None:
        monitor.stop()


def stop_all() -> None:
    """Stop every sampling thread (at interpreter exit)."""
    with _lock:
        monitors = list(_monitors.values())
        _monitors.clear()
    for monitor in monitors:
        monitor.stop()


def get(run_id: str) -> Monitor | None:
    """The monitor sampling a run, if any."""
    return _monitors.get(run_id)
