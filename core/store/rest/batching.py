"""Splitting a batch into requests the server accepts, each with an id stable across retries.

A batch within :data:`~trialbook.store.rest.limits.CLIENT_BATCH_POINTS` points and
:data:`~trialbook.store.rest.limits.CLIENT_BATCH_ITEMS` params and tags goes whole, under its own
id. A bigger one goes run by run, each part under ``part_batch_id(batch_id, run_id)``: the
id the buffered writer gives a run's part when it retries run by run, so a part the server
applied already is skipped either way. A run too big for one request goes in chunks of
points (params and tags first), chunk ``i`` under ``part_batch_id(id, str(i))``.
"""

from __future__ import annotations

from collections.abc import Iterator

from trialbook.store.base import Batch, MetricSeries, part_batch_id
from trialbook.store.rest.limits import CLIENT_BATCH_ITEMS, CLIENT_BATCH_POINTS
from trialbook.store.rest.wire import grouped


def _size(batch: Batch) -> tuple[int, int]:
    points = len(batch.metrics) + sum(len(s) for s in batch.series)
    return points, len(batch.params) + len(batch.tags)


def request_parts(batch: Batch, batch_id: str) -> Iterator[Batch]:
    """The batch as requests within the client limits, each with a stable id.

    A batch too big for one request goes run by run (:meth:`Batch.per_run`, the ids the
    writer gives a run's part when it retries run by run), and a run too big goes
    in chunks of points (params and tags with the first).
    """
    points, items = _size(batch)
    series = [*grouped(batch.metrics), *batch.series]
    whole = Batch(params=batch.params, tags=batch.tags, series=series, batch_id=batch_id)
    if points <= CLIENT_BATCH_POINTS and items <= CLIENT_BATCH_ITEMS:
        yield whole
        return
    if len(whole.run_ids()) > 1:
        for run_id, part in whole.per_run():
            yield from request_parts(part, part_batch_id(batch_id, run_id))
        return
    yield from _chunks(series, list(batch.params), list(batch.tags), batch_id)


def _chunks(
    series: list[MetricSeries],
    params: list[tuple[str, str, str]],
    tags: list[tuple[str, str, str]],
    batch_id: str,
) -> Iterator[Batch]:
    """One run's data in requests within the client limits; params and tags come first."""
    point_chunks: list[list[MetricSeries]] = [[]]
    room = CLIENT_BATCH_POINTS
    for item in series:
        start = 0
        while start < len(item):
            if room == 0:
                point_chunks.append([])
                room = CLIENT_BATCH_POINTS
            take = min(room, len(item) - start)
            stop = start + take
            point_chunks[-1].append(
                MetricSeries(
                    item.run_id,
                    item.key,
                    item.steps[start:stop],
                    item.values[start:stop],
                    item.timestamps[start:stop],
                )
            )
            start, room = stop, room - take
    items = [(True, p) for p in params] + [(False, t) for t in tags]
    size = CLIENT_BATCH_ITEMS
    count = max(len(point_chunks), -(-len(items) // size))
    for index in range(count):
        head = items[index * size : (index + 1) * size]
        yield Batch(
            series=point_chunks[index] if index < len(point_chunks) else [],
            params=[x for is_param, x in head if is_param],
            tags=[x for is_param, x in head if not is_param],
            batch_id=part_batch_id(batch_id, str(index)),
        )
