"""The stores' capabilities for the web UI's workspace: many histories in one read, child
counts, removing tags (SQLite, PostgreSQL and the REST client against a live server), and
the SQL store's overviews of long histories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.polling import eventually
from trialbook.entities import RunStatus
from trialbook.errors import TagNotFoundError
from trialbook.store.base import (
    Batch,
    ManyMetricArrays,
    MetricArrays,
    MetricOverviews,
    MetricSeries,
    OverviewBuilding,
    RunFamilies,
    TagDeletion,
)
from trialbook.store.downsample import minmax_indices
from trialbook.store.sql import SqlStore
from trialbook.store.sql import chunks as chunks_module


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A fresh SQL store of each database."""
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path / 'w.db'}"
    else:
        from tests.store.conftest import empty_tables

        uri = request.getfixturevalue("session_postgres_uri")
    store = SqlStore(uri, str(tmp_path / "artifacts"))
    if request.param == "postgres":
        empty_tables(store)
    yield store
    store.close()


def test_every_store_offers_the_workspace_capabilities(store: Any) -> None:
    assert isinstance(store, ManyMetricArrays)
    assert isinstance(store, RunFamilies)
    assert isinstance(store, TagDeletion)


def test_the_sql_store_offers_overviews(sql_store: SqlStore) -> None:
    assert isinstance(sql_store, MetricOverviews)
    assert isinstance(sql_store, OverviewBuilding)


def test_every_store_reads_an_ended_runs_long_history_as_its_overview(store: Any) -> None:
    """The REST client included: the server builds the overview after the run's end."""
    assert isinstance(store, MetricOverviews)
    run_id = store.create_run(store.create_experiment("e"), "r", 0).info.run_id
    steps = np.arange(5_000)
    values = np.sin(steps / 50.0)
    values[1_234] = 9.0
    store.write_batch(Batch(series=[MetricSeries(run_id, "loss", steps, values, steps)]))
    store.update_run(run_id, status=RunStatus.FINISHED, end_time=1)
    if isinstance(store, OverviewBuilding):
        assert store.build_overviews(run_id) == 1
    limit = 2 * store.overview_buckets + 2

    def overview() -> MetricArrays:
        return store.get_metric_overviews([run_id], ["loss"])[(run_id, "loss")]

    eventually(lambda: len(overview()) <= limit, "an overview, not every point")
    read = overview()
    assert 0 < store.overview_buckets < 2_500
    assert (read.values.max(), read.steps[0], read.steps[-1]) == (9.0, 0, 4_999)
    assert store.get_metric_overviews([run_id], ["missing"]) == {}


def test_many_histories_read_at_once_equal_each_read_alone(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks_module, "CHUNK_POINTS", 7)  # several chunks (in this process)
    experiment = store.create_experiment("e")
    runs = [store.create_run(experiment, f"r{i}", 0).info.run_id for i in range(3)]
    rng = np.random.default_rng(0)
    series = []
    for i, run_id in enumerate(runs):
        for key in ("loss", "acc"):
            if (i, key) == (2, "acc"):
                continue
            steps = rng.permutation(20 + i)  # logged out of order: reads sort by step
            series.append(MetricSeries(run_id, key, steps, rng.random(20 + i), steps * 10))
    store.write_batch(Batch(series=series))
    found = store.get_many_metric_arrays(runs, ["loss", "acc", "missing"])
    assert set(found) == {(r, k) for r in runs for k in ("loss", "acc")} - {(runs[2], "acc")}
    for (run_id, key), arrays in found.items():
        alone = store.get_metric_arrays(run_id, key)
        assert np.array_equal(arrays.steps, alone.steps)
        assert np.array_equal(arrays.values, alone.values)
        assert np.array_equal(arrays.timestamps, alone.timestamps)
        assert list(arrays.steps) == sorted(arrays.steps)


def _long_history(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch, points: int = 300
) -> tuple[str, MetricArrays]:
    """A run with a ``loss`` of ``points`` points in chunks of 60, overviews of 4 buckets
    each standing for 120 points."""
    monkeypatch.setattr(chunks_module, "CHUNK_POINTS", 60)
    monkeypatch.setattr(chunks_module, "OVERVIEW_BUCKETS", 4)
    monkeypatch.setattr(chunks_module, "STRETCH_POINTS", 120)
    experiment = store.create_experiment("e")
    run_id = store.create_run(experiment, "r", 0).info.run_id
    rng = np.random.default_rng(1)
    steps = rng.permutation(points)  # logged out of order
    values = rng.normal(size=points)
    values[rng.integers(points, size=3)] = [40.0, -40.0, np.nan]
    store.write_batch(Batch(series=[MetricSeries(run_id, "loss", steps, values, steps * 10)]))
    store.update_run(run_id, status=RunStatus.FINISHED, end_time=1)
    assert store.build_overviews(run_id) == -(-points // 120)  # the rest too: the run ended
    return run_id, store.get_metric_arrays(run_id, "loss")


def test_a_long_history_is_read_as_its_overview_keeping_each_chunks_extremes(
    sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id, every = _long_history(sql_store, monkeypatch)
    found = sql_store.get_metric_overviews([run_id], ["loss", "missing"])
    assert set(found) == {(run_id, "loss")}
    overview = found[(run_id, "loss")]
    assert len(overview) < len(every) / 3
    assert list(overview.steps) == sorted(overview.steps)
    by_step = dict(zip(every.steps.tolist(), every.values.tolist(), strict=True))
    assert all(by_step[s] == v for s, v in zip(overview.steps, overview.values, strict=True))
    assert np.array_equal(overview.timestamps, overview.steps * 10)
    assert np.nanmax(overview.values) == 40.0
    assert np.nanmin(overview.values) == -40.0
    assert not np.isnan(overview.values).any()


def test_a_chart_drawn_from_overviews_has_the_envelope_of_every_point(
    sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id, every = _long_history(sql_store, monkeypatch, points=600)
    overview = sql_store.get_metric_overviews([run_id], ["loss"])[(run_id, "loss")]
    coarse = overview.values[minmax_indices(overview.steps, overview.values, 2)]
    full = every.values[minmax_indices(every.steps, every.values, 2)]
    assert (np.nanmin(coarse), np.nanmax(coarse)) == (np.nanmin(full), np.nanmax(full))


def test_a_history_logged_a_few_points_at_a_time_is_read_by_overviews_too(
    sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks_module, "OVERVIEW_BUCKETS", 4)  # at most 10 points each
    monkeypatch.setattr(chunks_module, "STRETCH_POINTS", 36)
    experiment = sql_store.create_experiment("e")
    run_id = sql_store.create_run(experiment, "r", 0).info.run_id
    rng = np.random.default_rng(2)
    values = rng.normal(size=105)
    values[[13, 41]] = [30.0, -30.0]
    for start in range(0, 105, 3):  # as the buffered writer sends a training loop's points
        steps = np.arange(start, start + 3)
        series = MetricSeries(run_id, "loss", steps, values[start : start + 3], steps)
        sql_store.write_batch(Batch(series=[series]))
    assert sql_store.build_overviews(run_id) == 2  # 2 x 36 points; the run goes on
    overview = sql_store.get_metric_overviews([run_id], ["loss"])[(run_id, "loss")]
    assert 33 < len(overview) <= 2 * 10 + 33  # two overviews, and the 33 points since
    assert list(overview.steps) == sorted(set(overview.steps))
    assert (overview.values.max(), overview.values.min()) == (30.0, -30.0)
    assert overview.steps[0] == 0
    assert overview.steps[-1] == 104  # the newest points are read too
    assert sql_store.build_overviews(run_id) == 0  # 33 points wait for more (or the end)

    sql_store.update_run(run_id, status=RunStatus.FINISHED, end_time=1)
    assert sql_store.build_overviews(run_id) == 1  # the rest: 33 >= 8 * 4 points
    ended = sql_store.get_metric_overviews([run_id], ["loss"])[(run_id, "loss")]
    assert len(ended) <= 3 * 10
    assert (ended.steps[0], ended.steps[-1]) == (0, 104)
    assert sql_store.build_overviews(run_id) == 0


def test_an_ended_runs_short_rest_is_read_whole(sql_store: SqlStore) -> None:
    """Fewer than 8 x OVERVIEW_BUCKETS points: an overview would save too little."""
    run_id = sql_store.create_run(sql_store.create_experiment("e"), "r", 0).info.run_id
    steps = np.arange(8 * sql_store.overview_buckets - 1)
    sql_store.write_batch(Batch(series=[MetricSeries(run_id, "acc", steps, steps / 9, steps)]))
    sql_store.update_run(run_id, status=RunStatus.FINISHED, end_time=1)
    assert sql_store.build_overviews(run_id) == 0


def test_logging_builds_no_overview_and_charts_read_every_point_until_one_is_built(
    sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa

    from trialbook.store.sql import schema

    monkeypatch.setattr(chunks_module, "CHUNK_POINTS", 60)
    monkeypatch.setattr(chunks_module, "OVERVIEW_BUCKETS", 4)
    monkeypatch.setattr(chunks_module, "STRETCH_POINTS", 60)
    run_id = sql_store.create_run(sql_store.create_experiment("e"), "r", 0).info.run_id
    steps = np.arange(300)
    sql_store.write_batch(Batch(series=[MetricSeries(run_id, "loss", steps, steps / 7, steps)]))
    with sql_store.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.metric_overviews)).scalar()
            == 0
        )
    before = sql_store.get_metric_overviews([run_id], ["loss"])[(run_id, "loss")]
    assert np.array_equal(before.steps, steps)

    assert sql_store.build_overviews(run_id) == 5
    assert len(sql_store.get_metric_overviews([run_id], ["loss"])[(run_id, "loss")]) < 100
    assert sql_store.build_overviews("0" * 32) == 0  # no such run: nothing to do


def test_short_histories_are_their_own_overviews(sql_store: SqlStore) -> None:
    experiment = sql_store.create_experiment("e")
    run_id = sql_store.create_run(experiment, "r", 0).info.run_id
    steps = np.arange(50)
    sql_store.write_batch(Batch(series=[MetricSeries(run_id, "acc", steps, steps / 50, steps)]))
    overview = sql_store.get_metric_overviews([run_id], ["acc"])[(run_id, "acc")]
    every = sql_store.get_metric_arrays(run_id, "acc")
    assert np.array_equal(overview.steps, every.steps)
    assert np.array_equal(overview.values, every.values)


def test_chunks_written_without_an_overview_are_read_whole(
    sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa

    from trialbook.store.sql import schema

    run_id, every = _long_history(sql_store, monkeypatch)
    with sql_store.engine.begin() as conn:  # as a database from before revision 0007
        conn.execute(sa.delete(schema.metric_overviews))
    overview = sql_store.get_metric_overviews([run_id], ["loss"])[(run_id, "loss")]
    assert np.array_equal(overview.steps, every.steps)
    assert np.array_equal(overview.values, every.values, equal_nan=True)


def test_purging_a_run_removes_its_overviews(
    sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id, _ = _long_history(sql_store, monkeypatch)
    sql_store.delete_run(run_id)
    sql_store.purge_runs([run_id])
    assert sql_store.get_metric_overviews([run_id], ["loss"]) == {}


def test_a_run_tag_can_be_removed(store: Any) -> None:
    experiment = store.create_experiment("e")
    run_id = store.create_run(experiment, "r", 0, tags={"a": "1", "b": "2"}).info.run_id
    store.delete_run_tag(run_id, "a")
    assert store.get_run(run_id).data.tags.get("a") is None
    assert store.get_run(run_id).data.tags["b"] == "2"
    with pytest.raises(TagNotFoundError, match="'a'"):
        store.delete_run_tag(run_id, "a")


def test_an_experiment_tag_can_be_removed(store: Any) -> None:
    experiment = store.create_experiment("e", tags={"x": "1"})
    store.delete_experiment_tag(experiment, "x")
    assert "x" not in store.get_experiment(experiment).tags
    with pytest.raises(TagNotFoundError):
        store.delete_experiment_tag(experiment, "x")


def test_child_counts_follow_the_filter_in_one_query(store: Any) -> None:
    experiment = store.create_experiment("e")
    parent = store.create_run(experiment, "parent", 0).info.run_id
    lone = store.create_run(experiment, "lone", 0).info.run_id
    children = [
        store.create_run(experiment, f"c{i}", i, parent_run_id=parent).info.run_id for i in range(3)
    ]
    store.write_batch(Batch(params=[(children[0], "fold", "0")]))
    assert store.child_counts([experiment], [parent, lone]) == {parent: 3}
    assert store.child_counts([experiment], [parent], "params.fold = '0'") == {parent: 1}
    assert store.child_counts([experiment], []) == {}


def test_a_fast_loggers_many_flushes_share_one_overview(sql_store: SqlStore) -> None:
    """Flushes of a thousand points each are summarised together, not one overview apiece
    (which would hardly be smaller than the points)."""
    run_id = sql_store.create_run(sql_store.create_experiment("e"), "r", 0).info.run_id
    for first in range(0, 11_000, 1_100):
        steps = np.arange(first, first + 1_100)
        series = MetricSeries(run_id, "loss", steps, np.cos(steps / 300.0), steps)
        sql_store.write_batch(Batch(series=[series]))
    sql_store.update_run(run_id, status=RunStatus.FINISHED, end_time=1)

    assert sql_store.build_overviews(run_id) == 1
    overview = sql_store.get_metric_overviews([run_id], ["loss"])[(run_id, "loss")]
    assert len(overview) <= 2 * sql_store.overview_buckets + 2
    assert (overview.steps[0], overview.steps[-1]) == (0, 10_999)
