"""Metric histories for charts: loaded as arrays, cut to a step range, downsampled, cached.

::

    service = HistoryService(store)
    chart = service.history(run_id, "loss", buckets=1000)        # <= 2002 points
    zoomed = service.history(run_id, "loss", 1000, min_step=5_000, max_step=6_000)

Arrays are cached per (run, key) while the metric's summary (count, latest step and
timestamp) is unchanged, so zooming into a long history does not reload it; the cache holds
at most :data:`CACHE_POINTS` points in all. Downsampled results are cached the same way.
"""

from __future__ import annotations

import importlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from trialbook.entities import MetricSummary
from trialbook.store.base import ManyMetricArrays, MetricArrays, MetricOverviews, TrackingStore
from trialbook.store.downsample import minmax_indices

CACHE_POINTS = 4_000_000
"""How many metric points (24 bytes each) the history cache keeps at most."""

DRAWN_CACHE = 256
"""How many downsampled histories (a few thousand points each) the service keeps."""

OVERVIEW_CACHE = 8192
"""How many small histories (a few hundred points each) of many-run charts the service keeps."""

SYSTEM_PREFIX = "system/"
"""Metrics under this prefix (CPU, memory, GPU...) are shown in a group of their own."""


@dataclass(frozen=True)
class History:
    """The points of one metric to draw, and how many the range holds in all."""

    key: str
    total: int
    downsampled: bool
    steps: list[int]
    values: list[float]
    timestamps: list[int]


_Version = tuple[int, int, int]


class HistoryService:
    """Reads metric arrays from a store and downsamples them, keeping extremes."""

    def __init__(self, store: TrackingStore, cache_points: int = CACHE_POINTS) -> None:
        self.store = store
        self.cache_points = cache_points
        self._cache: OrderedDict[tuple[str, str], tuple[_Version, MetricArrays]] = OrderedDict()
        self._cached_points = 0
        self._lock = threading.Lock()
        self._drawn: OrderedDict[tuple[Any, ...], History] = OrderedDict()
        self._overviews: OrderedDict[tuple[Any, ...], History] = OrderedDict()

    def summaries(self, run_id: str) -> dict[str, MetricSummary]:
        """The run's metric summaries by key."""
        found = self.store.get_metric_summaries([run_id]).get(run_id, [])
        return {s.key: s for s in found}

    def arrays(self, run_id: str, key: str, summary: MetricSummary | None = None) -> MetricArrays:
        """The metric's whole history, from the cache when it has not changed."""
        if summary is None:
            summary = self.summaries(run_id).get(key)
        version = _version(summary)
        with self._lock:
            cached = self._cache.get((run_id, key))
            if cached is not None and cached[0] == version:
                self._cache.move_to_end((run_id, key))
                return cached[1]
        arrays = self.store.get_metric_arrays(run_id, key)
        self._remember((run_id, key), version, arrays)
        return arrays

    def _remember(
        self, cache_key: tuple[str, str], version: _Version, arrays: MetricArrays
    ) -> None:
        size = len(arrays)
        if size > self.cache_points:
            return
        with self._lock:
            previous = self._cache.pop(cache_key, None)
            if previous is not None:
                self._cached_points -= len(previous[1])
            self._cache[cache_key] = (version, arrays)
            self._cached_points += size
            while self._cached_points > self.cache_points and self._cache:
                _, (_, dropped) = self._cache.popitem(last=False)
                self._cached_points -= len(dropped)

    def history(
        self,
        run_id: str,
        key: str,
        buckets: int,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> History:
        """The metric's points between two steps (inclusive), at most ``2 * buckets + 2``."""
        summary = self.summaries(run_id).get(key)
        drawn_key = (run_id, key, _version(summary), buckets, min_step, max_step)
        with self._lock:
            drawn = self._drawn.get(drawn_key)
        if drawn is None:
            drawn = self._downsample(run_id, key, summary, buckets, min_step, max_step)
            with self._lock:
                self._drawn[drawn_key] = drawn
                while len(self._drawn) > DRAWN_CACHE:
                    self._drawn.popitem(last=False)
        return drawn

    def _downsample(
        self,
        run_id: str,
        key: str,
        summary: MetricSummary | None,
        buckets: int,
        min_step: int | None,
        max_step: int | None,
    ) -> History:
        arrays = _cut(self.arrays(run_id, key, summary), min_step, max_step)
        return _downsampled(key, arrays, buckets)

    def overviews(
        self,
        run_ids: Sequence[str],
        keys: Sequence[str],
        buckets: int,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> dict[str, dict[str, History]]:
        """Small histories of many runs' metrics for charts that overlay the runs.

        By key, then run id; runs without the metric are left out. Between two steps
        (inclusive) when given: a zoomed chart gets the detail of its range. Over the whole
        range a store with :class:`MetricOverviews` answers from its overviews (long
        histories are not read point by point). The raw points
        are not kept (a chart of 200 runs would push every other history out of the cache);
        the results are, while their metric does not change.
        """
        summaries = self.store.get_metric_summaries(run_ids)
        wanted = set(keys)
        found: dict[str, dict[str, History]] = {key: {} for key in keys}
        missing: dict[tuple[str, str], tuple[tuple[Any, ...], int]] = {}
        for run_id in run_ids:
            for summary in summaries.get(run_id, []):
                if summary.key not in wanted:
                    continue
                cache_key = (run_id, summary.key, _version(summary), buckets, min_step, max_step)
                with self._lock:
                    drawn = self._overviews.get(cache_key)
                if drawn is None:
                    missing[(run_id, summary.key)] = (cache_key, summary.count)
                else:
                    found[summary.key][run_id] = drawn
        whole = min_step is None and max_step is None
        store = self.store
        if whole and isinstance(store, MetricOverviews) and store.overview_buckets >= buckets:
            loaded = _only(missing, store.get_metric_overviews)
        else:
            loaded = self._many_arrays(list(missing))
        for (run_id, key), arrays in loaded.items():
            cache_key, count = missing[(run_id, key)]
            # An overview stands for the summary's count of points; a cut range for its own.
            drawn = _downsampled(
                key, _cut(arrays, min_step, max_step), buckets, count if whole else None
            )
            found[key][run_id] = drawn
            with self._lock:
                self._overviews[cache_key] = drawn
                while len(self._overviews) > OVERVIEW_CACHE:
                    self._overviews.popitem(last=False)
        return found

    def _many_arrays(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], MetricArrays]:
        if not pairs:
            return {}
        if isinstance(self.store, ManyMetricArrays):
            return _only(pairs, self.store.get_many_metric_arrays)
        return {pair: self.store.get_metric_arrays(*pair) for pair in pairs}

    def sparklines(self, run_id: str, keys: Iterable[str], points: int) -> dict[str, list[float]]:
        """A few dozen values per metric that keep the shape (and extremes) of its history."""
        summaries = self.summaries(run_id)
        lines: dict[str, list[float]] = {}
        for key in keys:
            summary = summaries.get(key)
            if summary is None:
                continue
            arrays = self.arrays(run_id, key, summary)
            keep = minmax_indices(arrays.steps, arrays.values, max(1, points // 2))
            lines[key] = arrays.values[keep].tolist()
        return lines


def _only(
    pairs: Iterable[tuple[str, str]],
    read: Callable[[Sequence[str], Sequence[str]], dict[tuple[str, str], MetricArrays]],
) -> dict[tuple[str, str], MetricArrays]:
    """The histories of exactly these (run, key) pairs, read for all their runs and keys."""
    wanted = set(pairs)
    if not wanted:
        return {}
    run_ids = list(dict.fromkeys(run_id for run_id, _ in wanted))
    keys = list(dict.fromkeys(key for _, key in wanted))
    return {pair: arrays for pair, arrays in read(run_ids, keys).items() if pair in wanted}


def _cut(arrays: MetricArrays, min_step: int | None, max_step: int | None) -> MetricArrays:
    """The points between two steps (inclusive; None: no bound)."""
    if min_step is None and max_step is None:
        return arrays
    import numpy as np

    steps = arrays.steps
    start = 0 if min_step is None else int(np.searchsorted(steps, min_step, "left"))
    stop = len(steps) if max_step is None else int(np.searchsorted(steps, max_step, "right"))
    return MetricArrays(steps[start:stop], arrays.values[start:stop], arrays.timestamps[start:stop])


def _downsampled(key: str, arrays: MetricArrays, buckets: int, total: int | None = None) -> History:
    """At most ``2 * buckets + 2`` of the points; ``total``: how many they stand for (when
    ``arrays`` is an overview of a longer history)."""
    steps, values, times = arrays.steps, arrays.values, arrays.timestamps
    total = len(steps) if total is None else total
    if len(steps) <= 2 * buckets:
        sampled = total > len(steps)
        return History(key, total, sampled, steps.tolist(), values.tolist(), times.tolist())
    keep = minmax_indices(steps, values, buckets)
    return History(
        key, total, True, steps[keep].tolist(), values[keep].tolist(), times[keep].tolist()
    )


def _version(summary: MetricSummary | None) -> _Version:
    """What changes whenever points are added to a metric."""
    return (summary.count, summary.step, summary.timestamp) if summary else (0, 0, 0)


def warm_up() -> None:
    """Import numpy in a background thread, so the first chart request does not wait for it
    (a few hundred milliseconds on a fresh server)."""
    threading.Thread(target=importlib.import_module, args=("numpy",), daemon=True).start()


def metric_groups(keys: Iterable[str]) -> dict[str, list[str]]:
    """Metric keys split into ``"metrics"`` and ``"system"`` (keys under ``system/``)."""
    groups: dict[str, list[str]] = {"metrics": [], "system": []}
    for key in sorted(keys):
        groups["system" if key.startswith(SYSTEM_PREFIX) else "metrics"].append(key)
    return groups


def jsonable_number(value: Any) -> float | str | None:
    """A float JSON can carry: NaN and ±inf become the strings "NaN", "Infinity", "-Infinity"."""
    if value is None:
        return None
    number = float(value)
    if number != number:
        return "NaN"
    if number in (float("inf"), float("-inf")):
        return "Infinity" if number > 0 else "-Infinity"
    return number
