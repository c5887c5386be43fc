"""Splitting and joining a :class:`~trialbook.store.base.Batch` (the writer's and the REST
store's ways of cutting one up)."""

from __future__ import annotations

from trialbook.store.base import Batch, MetricSeries, part_batch_id

SERIES = MetricSeries("r2", "loss", [0, 1], [0.5, 0.25], [10, 11])
BATCH = Batch(
    metrics=[("r1", "acc", 0.9, 0, 10), ("r2", "acc", 0.8, 0, 10)],
    params=[("r1", "lr", "0.1"), ("r2", "lr", "0.2")],
    tags=[("r1", "team", "a")],
    batch_id="b1",
    series=[SERIES],
)


def test_items_hold_one_thing_each_in_the_batchs_order() -> None:
    items = BATCH.items()

    assert [len(i.params) + len(i.tags) + len(i.metrics) + len(i.series) for i in items] == [1] * 6
    assert [i.params[0] for i in items[:2]] == list(BATCH.params)
    assert items[-1].series == [SERIES]


def test_joining_the_items_gives_the_batch_back() -> None:
    assert Batch.joined(BATCH.items(), "b1") == Batch(
        metrics=list(BATCH.metrics),
        params=list(BATCH.params),
        tags=list(BATCH.tags),
        batch_id="b1",
        series=list(BATCH.series),
    )


def test_per_run_parts_have_stable_ids_of_their_own() -> None:
    parts = dict(BATCH.per_run())

    assert sorted(parts) == ["r1", "r2"]
    assert parts["r2"].series == [SERIES]
    assert parts["r1"].tags == [("r1", "team", "a")]
    assert parts["r1"].batch_id == part_batch_id("b1", "r1") != parts["r2"].batch_id
