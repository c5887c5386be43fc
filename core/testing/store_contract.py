"""The store contract: behaviour every :class:`~trialbook.store.base.TrackingStore` must have.

A backend's tests subclass :class:`StoreContract` and give it a ``store`` fixture that yields
a fresh, empty store; pytest then runs every test of the contract against it::

    import pytest
    from trialbook.testing.store_contract import StoreContract

    class TestMemoryStore(StoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            store = MemoryStore(str(tmp_path / "artifacts"))
            yield store
            store.close()

Tests of optional capabilities (:class:`~trialbook.store.base.DeadRunReaping`,
:class:`~trialbook.store.base.RunAggregates`, :class:`~trialbook.store.base.DatasetInputs`,
:class:`~trialbook.store.base.RunTables`)
are skipped for a store without them. Needs
pytest.
"""

from __future__ import annotations

import math
import threading
import time

import pytest

from trialbook.entities import (
    CONTEXT_TAG,
    Dataset,
    DatasetInput,
    InputTag,
    LifecycleStage,
    RunStatus,
    ViewType,
)
from trialbook.errors import (
    DeletedExperimentError,
    DeletedRunError,
    ExperimentNotFoundError,
    ParamConflictError,
    RunNotFoundError,
    TrialbookError,
)
from trialbook.store.base import (
    Batch,
    DatasetInputs,
    DeadRunReaping,
    MetricPoint,
    RunAggregates,
    RunTables,
    TrackingStore,
)


def now() -> int:
    """Milliseconds since the epoch."""
    return int(time.time() * 1000)


def new_run(store: TrackingStore, experiment: str = "exp", **kwargs: object) -> str:
    """Create a run in ``experiment`` (created when missing) and return its id."""
    experiment_id = store.get_or_create_experiment(experiment).experiment_id
    return store.create_run(experiment_id, "run", now(), **kwargs).info.run_id  # type: ignore[arg-type]


def dataset_input(name: str, digest: str, context: str = "training") -> DatasetInput:
    """A dataset input with a context tag and a small schema and profile."""
    dataset = Dataset(
        name, digest, "local", f"/data/{name}.csv", '{"mlflow_colspec": []}', '{"num_rows": 3}'
    )
    return DatasetInput(dataset, (InputTag(CONTEXT_TAG, context),))


def table_store(store: TrackingStore) -> RunTables:
    """The store as a :class:`RunTables`; skips the test for a store without it."""
    if not isinstance(store, RunTables):
        pytest.skip("the store reads no run tables")
    return store


def dataset_store(store: TrackingStore) -> DatasetInputs:
    """The store as a :class:`DatasetInputs`; skips the test for a store without it."""
    if not isinstance(store, DatasetInputs):
        pytest.skip("the store records no dataset inputs")
    return store


class StoreContract:
    """The store contract; subclass it and provide a ``store`` fixture (a fresh, empty store)."""

    def test_created_experiment_is_found_by_id_and_name(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("alpha", tags={"team": "a"})
        by_id = store.get_experiment(experiment_id)
        by_name = store.get_experiment_by_name("alpha")
        assert by_id == by_name
        assert by_id.tags == {"team": "a"}
        assert by_id.artifact_location.endswith(f"/{experiment_id}")

    def test_creating_a_taken_experiment_name_raises(self, store: TrackingStore) -> None:
        store.create_experiment("alpha")
        with pytest.raises(TrialbookError, match="alpha"):
            store.create_experiment("alpha")

    def test_get_or_create_returns_the_same_experiment_twice(self, store: TrackingStore) -> None:
        first = store.get_or_create_experiment("beta")
        assert store.get_or_create_experiment("beta").experiment_id == first.experiment_id

    def test_concurrent_get_or_create_makes_one_experiment(self, store: TrackingStore) -> None:
        ids: list[str] = []
        threads = [
            threading.Thread(
                target=lambda: ids.append(store.get_or_create_experiment("race").experiment_id)
            )
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(ids)) == 1
        assert [e.name for e in store.search_experiments()] == ["race"]

    def test_unknown_experiment_id_raises(self, store: TrackingStore) -> None:
        with pytest.raises(ExperimentNotFoundError):
            store.get_experiment("987654")

    def test_deleted_experiment_is_hidden_and_restorable(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("gone")
        store.delete_experiment(experiment_id)
        assert store.search_experiments(ViewType.ACTIVE) == []
        assert [e.name for e in store.search_experiments(ViewType.DELETED)] == ["gone"]
        with pytest.raises(DeletedExperimentError):
            store.get_or_create_experiment("gone")
        store.restore_experiment(experiment_id)
        assert store.get_experiment(experiment_id).lifecycle_stage is LifecycleStage.ACTIVE

    def test_renamed_experiment_keeps_its_id(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("old")
        store.rename_experiment(experiment_id, "new")
        renamed = store.get_experiment_by_name("new")
        assert renamed is not None
        assert renamed.experiment_id == experiment_id
        assert store.get_experiment_by_name("old") is None

    def test_experiment_tag_is_set_and_replaced(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("tagged")
        store.set_experiment_tag(experiment_id, "k", "1")
        store.set_experiment_tag(experiment_id, "k", "2")
        assert store.get_experiment(experiment_id).tags == {"k": "2"}

    def test_created_run_is_running_with_its_fields(self, store: TrackingStore) -> None:
        experiment_id = store.get_or_create_experiment("exp").experiment_id
        start = now()
        run = store.create_run(experiment_id, "first", start, tags={"a": "b"}, user_id="me")
        assert run.info.status is RunStatus.RUNNING
        assert run.info.run_name == "first"
        assert run.info.start_time == start
        assert run.info.user_id == "me"
        assert run.data.tags == {"a": "b"}
        assert run.info.artifact_uri.endswith(f"/{run.info.run_id}/artifacts")
        assert len(run.info.run_id) == 32

    def test_unknown_run_id_raises(self, store: TrackingStore) -> None:
        with pytest.raises(RunNotFoundError):
            store.get_run("0" * 32)

    def test_batch_data_is_read_back(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.write_batch(
            Batch(
                metrics=[
                    MetricPoint(run_id, "loss", 0.5, 0, 10),
                    MetricPoint(run_id, "loss", 0.25, 1, 11),
                ],
                params=[(run_id, "lr", "0.1")],
                tags=[(run_id, "team", "x")],
            )
        )
        run = store.get_run(run_id)
        assert run.data.params == {"lr": "0.1"}
        assert run.data.tags == {"team": "x"}
        assert run.data.metrics == {"loss": 0.25}

    def test_param_conflict_raises_and_writes_nothing_of_the_batch(
        self, store: TrackingStore
    ) -> None:
        run_id = new_run(store)
        store.write_batch(Batch(params=[(run_id, "lr", "0.1")]))
        batch = Batch(
            metrics=[MetricPoint(run_id, "loss", 1.0, 0, 1)],
            params=[(run_id, "lr", "0.2")],
            tags=[(run_id, "t", "v")],
        )
        with pytest.raises(ParamConflictError) as raised:
            store.write_batch(batch)
        assert (raised.value.old_value, raised.value.new_value) == ("0.1", "0.2")
        run = store.get_run(run_id)
        assert run.data.metrics == {}
        assert run.data.tags == {}

    def test_relogging_the_same_param_value_is_accepted(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.write_batch(Batch(params=[(run_id, "lr", "0.1")]))
        store.write_batch(Batch(params=[(run_id, "lr", "0.1")]))
        assert store.get_run(run_id).data.params == {"lr": "0.1"}

    @pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 0.0, -1.5e300])
    def test_special_float_values_round_trip_exactly(
        self, store: TrackingStore, value: float
    ) -> None:
        run_id = new_run(store)
        store.write_batch(Batch(metrics=[MetricPoint(run_id, "m", value, 0, 1)]))
        history, _ = store.get_metric_history(run_id, "m")
        latest = store.get_run(run_id).data.metrics["m"]
        for read in (history[0].value, latest):
            if math.isnan(value):
                assert math.isnan(read)
            else:
                assert read == value

    def test_latest_metric_is_the_largest_step_across_batches(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.write_batch(Batch(metrics=[MetricPoint(run_id, "m", 3.0, 5, 1)]))
        store.write_batch(Batch(metrics=[MetricPoint(run_id, "m", 9.0, 2, 2)]))
        store.write_batch(
            Batch(
                metrics=[
                    MetricPoint(run_id, "m", -4.0, 7, 3),
                    MetricPoint(run_id, "m", math.nan, 1, 4),
                ]
            )
        )
        (summary,) = store.get_metric_summaries([run_id])[run_id]
        assert (summary.latest, summary.step) == (-4.0, 7)
        assert (summary.min, summary.max, summary.count) == (-4.0, 9.0, 4)

    def test_latest_nan_and_ties_merge_across_batches(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.write_batch(Batch(metrics=[MetricPoint(run_id, "m", math.nan, 9, 5)]))
        store.write_batch(Batch(metrics=[MetricPoint(run_id, "m", 1.0, 3, 6)]))
        (summary,) = store.get_metric_summaries([run_id])[run_id]
        assert math.isnan(summary.latest)
        assert summary.step == 9
        assert (summary.min, summary.max, summary.count) == (1.0, 1.0, 2)
        store.write_batch(Batch(metrics=[MetricPoint(run_id, "m", -2.0, 9, 5)]))
        (summary,) = store.get_metric_summaries([run_id])[run_id]
        assert (summary.latest, summary.step, summary.timestamp) == (-2.0, 9, 5)
        assert (summary.min, summary.max, summary.count) == (-2.0, 1.0, 3)

    def test_metric_history_is_ordered_by_step_and_paginates(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        points = [
            MetricPoint(run_id, "m", float(step), step, 100 - step) for step in (4, 0, 3, 1, 2)
        ]
        store.write_batch(Batch(metrics=points))
        first, token = store.get_metric_history(run_id, "m", max_results=3)
        rest, end = store.get_metric_history(run_id, "m", max_results=3, page_token=token)
        assert [p.step for p in first + rest] == [0, 1, 2, 3, 4]
        assert end is None

    def test_history_of_unknown_run_raises(self, store: TrackingStore) -> None:
        with pytest.raises(RunNotFoundError):
            store.get_metric_history("f" * 32, "m")

    def test_batch_with_a_known_batch_id_is_applied_once(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        batch = Batch(metrics=[MetricPoint(run_id, "m", 1.0, 0, 1)], batch_id="abc")
        store.write_batch(batch)
        store.write_batch(batch)
        history, _ = store.get_metric_history(run_id, "m")
        assert len(history) == 1

    def test_batch_for_a_deleted_run_raises_and_writes_nothing(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.delete_run(run_id)
        with pytest.raises(DeletedRunError):
            store.write_batch(Batch(metrics=[MetricPoint(run_id, "m", 1.0, 0, 1)]))
        store.restore_run(run_id)
        assert store.get_run(run_id).data.metrics == {}

    def test_batch_for_an_unknown_run_raises(self, store: TrackingStore) -> None:
        with pytest.raises(RunNotFoundError):
            store.write_batch(Batch(tags=[("a" * 32, "k", "v")]))

    def test_update_run_sets_status_and_end_time(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.update_run(run_id, status=RunStatus.FAILED, end_time=1234, run_name="renamed")
        info = store.get_run(run_id).info
        assert (info.status, info.end_time, info.run_name) == (RunStatus.FAILED, 1234, "renamed")

    def test_search_sees_deleted_runs_only_when_asked(self, store: TrackingStore) -> None:
        kept, gone = new_run(store), new_run(store)
        store.delete_run(gone)
        experiment_id = store.get_run(kept).info.experiment_id

        def ids(view: ViewType) -> set[str]:
            return {r.info.run_id for r in store.search_runs([experiment_id], view_type=view).runs}

        assert ids(ViewType.ACTIVE) == {kept}
        assert ids(ViewType.DELETED) == {gone}
        assert ids(ViewType.ALL) == {kept, gone}

    def test_search_filters_orders_and_pages(self, store: TrackingStore) -> None:
        run_ids = [new_run(store) for _ in range(5)]
        store.write_batch(
            Batch(
                metrics=[MetricPoint(r, "acc", i / 10, 0, 1) for i, r in enumerate(run_ids)],
                params=[(r, "model", "rf" if i % 2 else "lr") for i, r in enumerate(run_ids)],
            )
        )
        experiment_id = store.get_run(run_ids[0]).info.experiment_id
        page = store.search_runs(
            [experiment_id], "params.model = 'lr'", ["metrics.acc DESC"], max_results=2
        )
        assert [r.info.run_id for r in page.runs] == [run_ids[4], run_ids[2]]
        assert page.next_page_token is not None
        rest = store.search_runs(
            [experiment_id],
            "params.model = 'lr'",
            ["metrics.acc DESC"],
            2,
            page_token=page.next_page_token,
        )
        assert [r.info.run_id for r in rest.runs] == [run_ids[0]]
        assert rest.next_page_token is None
        assert store.count_runs([experiment_id], "params.model = 'lr'") == 3

    def test_run_without_heartbeat_is_marked_killed(
        self, store: TrackingStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TRIALBOOK_HEARTBEAT_TIMEOUT", "30")
        experiment_id = store.get_or_create_experiment("exp").experiment_id
        stale = store.create_run(experiment_id, "stale", now() - 60_000).info.run_id
        alive = store.create_run(experiment_id, "alive", now() - 60_000).info.run_id
        store.heartbeat([alive], now())
        if not isinstance(store, DeadRunReaping):
            pytest.skip("the store does not reap dead runs")
        store.reap_dead_runs_now()
        assert store.get_run(stale).info.status is RunStatus.KILLED
        assert store.get_run(alive).info.status is RunStatus.RUNNING

    def test_purged_runs_are_gone_for_good(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.write_batch(
            Batch(metrics=[MetricPoint(run_id, "m", 1.0, 0, 1)], params=[(run_id, "p", "v")])
        )
        store.delete_run(run_id)
        assert [r.info.run_id for r in store.deleted_runs()] == [run_id]
        store.purge_runs([run_id])
        with pytest.raises(RunNotFoundError):
            store.get_run(run_id)
        assert store.deleted_runs() == []

    def test_experiment_stats_count_active_runs(self, store: TrackingStore) -> None:
        first = new_run(store, "one")
        new_run(store, "one")
        gone = new_run(store, "one")
        store.delete_run(gone)
        experiment_id = store.get_run(first).info.experiment_id
        count, last = store.experiment_stats()[experiment_id]
        assert count == 2
        assert last is not None

    def test_run_aggregates_agree_with_the_runs(self, store: TrackingStore) -> None:
        if not isinstance(store, RunAggregates):
            pytest.skip("the store answers no aggregate queries")
        run_ids = [new_run(store) for _ in range(3)]
        store.write_batch(
            Batch(
                metrics=[MetricPoint(run_ids[0], "acc", 0.5, 0, 1)],
                params=[(run_ids[0], "model", "rf"), (run_ids[1], "model", "lr")],
                tags=[(run_ids[2], "team", "x")],
            )
        )
        store.delete_run(run_ids[2])
        experiment_id = store.get_run(run_ids[0]).info.experiment_id
        keys = store.run_keys([experiment_id])
        assert (keys["params"], keys["metrics"], keys["tags"]) == (["model"], ["acc"], [])
        assert store.run_keys([experiment_id], ViewType.ALL)["tags"] == ["team"]
        assert store.param_value_counts([experiment_id], "model") == [("lr", 1), ("rf", 1)]
        filtered = store.param_value_counts([experiment_id], "model", "metrics.acc > 0.1")
        assert filtered == [("rf", 1)]
        everything = store.param_value_counts([experiment_id], "model", "", ViewType.ALL)
        assert everything == [("lr", 1), ("rf", 1), (None, 1)]

    # DatasetInputs ---------------------------------------------------------------------------

    def test_logged_dataset_inputs_come_back_with_the_run(self, store: TrackingStore) -> None:
        inputs = dataset_store(store)
        run_id = new_run(store)
        train, test = dataset_input("wine", "aaaa1111"), dataset_input("wine", "bbbb2222", "eval")
        inputs.log_inputs(run_id, [train, test])
        inputs.log_inputs(run_id, [train])
        found = store.get_run(run_id).inputs.dataset_inputs
        assert sorted(found, key=lambda i: i.context) == [test, train]
        assert store.get_run(new_run(store)).inputs.dataset_inputs == ()

    def test_a_dataset_keeps_its_first_description(self, store: TrackingStore) -> None:
        inputs = dataset_store(store)
        first, second = new_run(store), new_run(store)
        inputs.log_inputs(first, [dataset_input("wine", "aaaa1111")])
        changed = dataset_input("wine", "aaaa1111")
        moved = Dataset("wine", "aaaa1111", "s3", "s3://elsewhere/wine.csv")
        inputs.log_inputs(second, [DatasetInput(moved, changed.tags)])
        dataset = store.get_run(second).inputs.dataset_inputs[0].dataset
        assert dataset == changed.dataset

    def test_runs_are_found_by_dataset_digest_name_and_context(self, store: TrackingStore) -> None:
        inputs = dataset_store(store)
        trained, evaluated, other = new_run(store), new_run(store), new_run(store)
        inputs.log_inputs(trained, [dataset_input("wine", "aaaa1111")])
        inputs.log_inputs(evaluated, [dataset_input("wine", "aaaa1111", "eval")])
        inputs.log_inputs(other, [dataset_input("iris", "cccc3333")])
        experiment_id = store.get_run(trained).info.experiment_id

        def found(filter_string: str) -> set[str]:
            runs = store.search_runs([experiment_id], filter_string).runs
            return {r.info.run_id for r in runs}

        assert found("datasets.digest = 'aaaa1111'") == {trained, evaluated}
        assert found("datasets.name = 'iris'") == {other}
        assert found("datasets.digest = 'aaaa1111' and datasets.context = 'training'") == {trained}
        assert found("datasets.name IS NULL") == set()
        assert store.count_runs([experiment_id], "datasets.context = 'eval'") == 1

    def test_inputs_of_an_unknown_or_deleted_run_are_refused(self, store: TrackingStore) -> None:
        inputs = dataset_store(store)
        with pytest.raises(RunNotFoundError):
            inputs.log_inputs("f" * 32, [dataset_input("wine", "aaaa1111")])
        run_id = new_run(store)
        store.delete_run(run_id)
        with pytest.raises((DeletedRunError, TrialbookError)):
            inputs.log_inputs(run_id, [dataset_input("wine", "aaaa1111")])

    def test_purged_runs_lose_their_inputs(self, store: TrackingStore) -> None:
        inputs = dataset_store(store)
        run_id, kept = new_run(store), new_run(store)
        inputs.log_inputs(run_id, [dataset_input("wine", "aaaa1111")])
        inputs.log_inputs(kept, [dataset_input("wine", "aaaa1111")])
        store.delete_run(run_id)
        store.purge_runs([run_id])
        experiment_id = store.get_run(kept).info.experiment_id
        page = store.search_runs([experiment_id], "datasets.digest = 'aaaa1111'")
        assert [r.info.run_id for r in page.runs] == [kept]

    def test_a_run_table_holds_the_runs_and_summaries_of_the_search(
        self, store: TrackingStore
    ) -> None:
        tables = table_store(store)
        full = new_run(store, tags={"team": "a"}, description="notes")
        bare = new_run(store)
        odd = new_run(store)
        store.write_batch(
            Batch(
                metrics=[
                    MetricPoint(full, "acc", 0.25, 0, 1),
                    MetricPoint(full, "acc", 0.75, 1, 2),
                    MetricPoint(full, "loss", math.inf, 0, 1),
                    MetricPoint(odd, "acc", math.nan, 0, 1),
                    MetricPoint(odd, "loss", -1.5e300, 0, 1),
                ],
                params=[(full, "lr", "0.1"), (odd, "lr", 'é\t"quoted"')],
            )
        )
        store.update_run(full, status=RunStatus.FINISHED, end_time=now())
        if isinstance(store, DatasetInputs):
            store.log_inputs(odd, [dataset_input("wine", "aaaa1111")])
        experiment_id = store.get_run(full).info.experiment_id
        every = {run.info.run_id for run in store.search_runs([experiment_id]).runs}
        assert every == {full, bare, odd}
        for filter_string, order_by in [("", []), ("params.lr != '0'", ["metrics.acc DESC"])]:
            page = store.search_runs([experiment_id], filter_string, order_by)
            table = tables.search_run_table([experiment_id], filter_string, order_by)
            lean = tables.search_run_table(
                [experiment_id], filter_string, order_by, summaries=False
            )
            for read in (table.runs(), lean.runs()):
                assert [repr(run) for run in read] == [repr(run) for run in page.runs]
            expected = store.get_metric_summaries([r.info.run_id for r in page.runs])
            assert {k: repr(v) for k, v in table.summaries.items()} == {
                k: repr(v) for k, v in expected.items()
            }
            assert {k: repr(v) for k, v in page.summaries.items()} == {
                k: repr(v) for k, v in expected.items()
            }

    def test_run_tables_page_as_search_runs_does(self, store: TrackingStore) -> None:
        tables = table_store(store)
        made = [new_run(store) for _ in range(5)]
        experiment_id = store.get_run(made[0]).info.experiment_id
        seen: list[str] = []
        token = None
        while True:
            table = tables.search_run_table([experiment_id], max_results=2, page_token=token)
            page = store.search_runs([experiment_id], max_results=2, page_token=token)
            assert list(table.info["run_id"]) == [r.info.run_id for r in page.runs]
            assert table.next_page_token == page.next_page_token
            seen += table.info["run_id"]
            token = table.next_page_token
            if token is None:
                break
        assert sorted(seen) == sorted(made)

    @pytest.mark.parametrize("direction", ["DESC", "ASC"])
    def test_pages_ordered_by_a_metric_are_slices_of_the_whole_order(
        self, store: TrackingStore, direction: str
    ) -> None:
        values = [0.5, math.nan, 0.5, None, math.inf, 0.5, -1.0, None, math.nan, 2.0]
        made = []
        for i, value in enumerate(values):
            run_id = new_run(store)
            made.append(run_id)
            metrics = [] if value is None else [MetricPoint(run_id, "acc", value, 0, 1)]
            params = [(run_id, "even", str(i % 2 == 0))]
            store.write_batch(Batch(metrics=metrics, params=params))
        experiment_id = store.get_run(made[0]).info.experiment_id
        for filter_string in ("", "params.even = 'True'"):
            order = [f"metrics.acc {direction}", "params.even DESC"]
            whole = store.search_runs([experiment_id], filter_string, order).runs
            for size in (1, 2, 3):
                paged: list[str] = []
                token = None
                while True:
                    page = store.search_runs(
                        [experiment_id], filter_string, order, max_results=size, page_token=token
                    )
                    paged += [run.info.run_id for run in page.runs]
                    token = page.next_page_token
                    if token is None:
                        break
                assert paged == [run.info.run_id for run in whole]
