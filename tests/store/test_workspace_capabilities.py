"""The SQL store's capabilities for the web UI's workspace: many histories in one read, and
removing tags (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from trialbook.errors import TagNotFoundError
from trialbook.store.base import Batch, ManyMetricArrays, MetricSeries, TagDeletion
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


def test_the_sql_store_offers_both_capabilities(sql_store: SqlStore) -> None:
    assert isinstance(sql_store, ManyMetricArrays)
    assert isinstance(sql_store, TagDeletion)


def test_many_histories_read_at_once_equal_each_read_alone(
    sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks_module, "CHUNK_POINTS", 7)  # several chunks per history
    experiment = sql_store.create_experiment("e")
    runs = [sql_store.create_run(experiment, f"r{i}", 0).info.run_id for i in range(3)]
    rng = np.random.default_rng(0)
    series = []
    for i, run_id in enumerate(runs):
        for key in ("loss", "acc"):
            if (i, key) == (2, "acc"):
                continue
            steps = rng.permutation(20 + i)  # logged out of order: reads sort by step
            series.append(MetricSeries(run_id, key, steps, rng.random(20 + i), steps * 10))
    sql_store.write_batch(Batch(series=series))
    found = sql_store.get_many_metric_arrays(runs, ["loss", "acc", "missing"])
    assert set(found) == {(r, k) for r in runs for k in ("loss", "acc")} - {(runs[2], "acc")}
    for (run_id, key), arrays in found.items():
        alone = sql_store.get_metric_arrays(run_id, key)
        assert np.array_equal(arrays.steps, alone.steps)
        assert np.array_equal(arrays.values, alone.values)
        assert np.array_equal(arrays.timestamps, alone.timestamps)
        assert list(arrays.steps) == sorted(arrays.steps)


def test_a_run_tag_can_be_removed(sql_store: SqlStore) -> None:
    experiment = sql_store.create_experiment("e")
    run_id = sql_store.create_run(experiment, "r", 0, tags={"a": "1", "b": "2"}).info.run_id
    sql_store.delete_run_tag(run_id, "a")
    assert sql_store.get_run(run_id).data.tags.get("a") is None
    assert sql_store.get_run(run_id).data.tags["b"] == "2"
    with pytest.raises(TagNotFoundError, match="'a'"):
        sql_store.delete_run_tag(run_id, "a")


def test_an_experiment_tag_can_be_removed(sql_store: SqlStore) -> None:
    experiment = sql_store.create_experiment("e", tags={"x": "1"})
    sql_store.delete_experiment_tag(experiment, "x")
    assert "x" not in sql_store.get_experiment(experiment).tags
    with pytest.raises(TagNotFoundError):
        sql_store.delete_experiment_tag(experiment, "x")


def test_child_counts_follow_the_filter_in_one_query(sql_store: SqlStore) -> None:
    experiment = sql_store.create_experiment("e")
    parent = sql_store.create_run(experiment, "parent", 0).info.run_id
    lone = sql_store.create_run(experiment, "lone", 0).info.run_id
    children = [
        sql_store.create_run(experiment, f"c{i}", i, parent_run_id=parent).info.run_id
        for i in range(3)
    ]
    sql_store.write_batch(Batch(params=[(children[0], "fold", "0")]))
    assert sql_store.child_counts([experiment], [parent, lone]) == {parent: 3}
    assert sql_store.child_counts([experiment], [parent], "params.fold = '0'") == {parent: 1}
    assert sql_store.child_counts([experiment], []) == {}
