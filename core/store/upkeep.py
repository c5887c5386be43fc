"""When a store's metric overviews are due (see :class:`~trialbook.store.base.OverviewBuilding`).

::

    schedule = OverviewSchedule()
    for run_id in schedule.written(batch):     # live runs that logged enough since last time
        run_in_background(store.build_overviews, run_id)
    if schedule.ended(run_id):                 # the run ended: build now if worth it
        run_in_background(store.build_overviews, run_id)

The tracker's writer and the tracking server keep one each; the work itself is theirs to
place off the logging path.
"""

from __future__ import annotations

import threading

from trialbook.store.base import Batch

LIVE_OVERVIEW_POINTS = 100_000
"""Points a live run logs between two builds of its overviews."""

MIN_OVERVIEW_POINTS = 1_000
"""An ended run that logged fewer points since its last build gets none (an overview would
hardly be smaller than the points it stands for)."""

COUNTED_RUNS = 10_000
"""Runs counted at most: past it the longest-counted is forgotten (its build waits for more
points or its end), so a server whose clients die without ending runs keeps flat memory."""


class OverviewSchedule:
    """Counts the metric points written to each run; says which live runs are due a build."""

    def __init__(self, every: int | None = None) -> None:
        self.every = LIVE_OVERVIEW_POINTS if every is None else every
        self._unsummarised: dict[str, int] = {}
        self._lock = threading.Lock()

    def written(self, batch: Batch) -> list[str]:
        """Count ``batch``'s points; return the runs that reached :attr:`every` points since
        their last build (their count starts again)."""
        added: dict[str, int] = {}
        for series in batch.series:
            added[series.run_id] = added.get(series.run_id, 0) + len(series)
        for point in batch.metrics:
            added[point[0]] = added.get(point[0], 0) + 1
        due = []
        with self._lock:
            for run_id, points in added.items():
                total = self._unsummarised.get(run_id, 0) + points
                if total >= self.every:
                    due.append(run_id)
                    total = 0
                self._unsummarised[run_id] = total
            while len(self._unsummarised) > COUNTED_RUNS:
                del self._unsummarised[next(iter(self._unsummarised))]
        return due

    def ended(self, run_id: str) -> bool:
        """Forget an ended run's count; return whether it logged enough since its last build
        for a last one (:data:`MIN_OVERVIEW_POINTS`)."""
        with self._lock:
            return self._unsummarised.pop(run_id, 0) >= MIN_OVERVIEW_POINTS
