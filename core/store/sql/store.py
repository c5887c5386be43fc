"""SQL implementation of :class:`~trialbook.store.base.TrackingStore` (SQLite, PostgreSQL)."""

from __future__ import annotations

import atexit
import dataclasses
import functools
import os
import time
import uuid
import weakref
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from trialbook.entities import (
    DatasetInput,
    Experiment,
    LifecycleStage,
    Metric,
    MetricSummary,
    Run,
    RunStatus,
    ViewType,
)
from trialbook.errors import (
    DeletedExperimentError,
    ExperimentNotFoundError,
    RunExistsError,
    RunNotFoundError,
    StoreError,
    TagNotFoundError,
    TrialbookError,
)
from trialbook.search import parse_filter, parse_order_by
from trialbook.store.base import (
    Batch,
    DeferredSummaries,
    MetricArrays,
    RunPage,
    TokenRecord,
    decode_page_token,
    encode_page_token,
)
from trialbook.store.sql import aggregates, inputs, loading, rows, schema, tokens
from trialbook.store.sql import batch as batch_writer
from trialbook.store.sql.engine import (
    checkpoint,
    create_engine,
    retry_locked,
    time_budget,
    write_connection,
)
from trialbook.store.sql.search import (
    filter_clause,
    order_clauses,
    ranked_by_index,
    tie_breakers,
)
from trialbook.store.tables import RunTable
from trialbook.validation import check_text

if TYPE_CHECKING:
    from trialbook.store.sql.registry import SqlRegistry

_REAP_EVERY_S = 10.0


def _now() -> int:
    return int(time.time() * 1000)


def heartbeat_timeout_ms() -> int:
    """How long a RUNNING run may go without a heartbeat before it counts as dead."""
    return int(float(os.environ.get("TRIALBOOK_HEARTBEAT_TIMEOUT", "60")) * 1000)


def _join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *parts])


class SqlStore:
    """A tracking store in an SQL database reached through SQLAlchemy Core."""

    def __init__(self, db_uri: str, artifact_root: str) -> None:
        self.db_uri = db_uri
        self.artifact_root = artifact_root
        self.engine = create_engine(db_uri)
        self._last_reap = 0.0
        _close_at_exit(self)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    @functools.cached_property
    def registry(self) -> SqlRegistry:
        """The model registry in this store's database."""
        from trialbook.store.sql.registry import SqlRegistry

        return SqlRegistry(self)

    def _write(self, func: Any) -> Any:
        def attempt() -> Any:
            with write_connection(self.engine) as conn:
                return func(conn)

        return retry_locked(attempt, self.engine.url.database or "")

    def _read(self, func: Any) -> Any:
        def attempt() -> Any:
            with self.engine.connect() as conn:
                return func(conn)

        return retry_locked(attempt, self.engine.url.database or "")

    # Experiments ---------------------------------------------------------------------------

    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: Mapping[str, str] | None = None
    ) -> str:
        """Create an experiment; raise TrialbookError when the name is taken."""
        _check_name(name)

        def create(conn: sa.engine.Connection) -> str:
            taken = conn.execute(
                sa.select(schema.experiments.c.experiment_id).where(
                    schema.experiments.c.name == name
                )
            ).first()
            if taken is not None:
                raise TrialbookError(
                    f"An experiment named {name!r} exists already (id {taken[0]}); choose "
                    "another name or use set_experiment to log into it."
                )
            return self._insert_experiment(conn, name, artifact_location, tags or {})

        return str(self._write(create))

    def _insert_experiment(
        self,
        conn: sa.engine.Connection,
        name: str,
        artifact_location: str | None,
        tags: Mapping[str, str],
    ) -> str:
        now = _now()
        result = conn.execute(
            sa.insert(schema.experiments).values(
                name=name,
                artifact_location=artifact_location or "",
                lifecycle_stage=LifecycleStage.ACTIVE.value,
                creation_time=now,
                last_update_time=now,
            )
        )
        key = result.inserted_primary_key
        if key is None:  # pragma: no cover - every supported dialect reports it
            raise StoreError(f"The database did not return the id of experiment {name!r}.")
        experiment_id = str(key[0])
        if not artifact_location:
            conn.execute(
                sa.update(schema.experiments)
                .where(schema.experiments.c.experiment_id == int(experiment_id))
                .values(artifact_location=_join(self.artifact_root, experiment_id))
            )
        if tags:
            conn.execute(
                sa.insert(schema.experiment_tags),
                [
                    {"experiment_id": int(experiment_id), "key": k, "value": v}
                    for k, v in tags.items()
                ],
            )
        return experiment_id

    def get_or_create_experiment(self, name: str) -> Experiment:
        """The active experiment named ``name``, created if missing; one under races."""
        _check_name(name)
        found = self.get_experiment_by_name(name)
        if found is None:

            def create(conn: sa.engine.Connection) -> None:
                exists = conn.execute(
                    sa.select(schema.experiments.c.experiment_id).where(
                        schema.experiments.c.name == name
                    )
                ).first()
                if exists is None:
                    self._insert_experiment(conn, name, None, {})

            try:
                self._write(create)
            except sa.exc.IntegrityError:
                pass  # Another process created it between our check and our insert.
            found = self.get_experiment_by_name(name)
        if found is None:  # pragma: no cover - only if it was deleted for good meanwhile
            raise ExperimentNotFoundError(name)
        if found.lifecycle_stage is LifecycleStage.DELETED:
            raise DeletedExperimentError(name)
        return found

    def _experiments(
        self, conn: sa.engine.Connection, where: Any, limit: int | None = None
    ) -> list[Experiment]:
        table = schema.experiments
        query = sa.select(table).where(where).order_by(table.c.name)
        if limit is not None:
            query = query.limit(limit)
        found = list(conn.execute(query))
        ids = [r.experiment_id for r in found]
        tags: dict[int, dict[str, str]] = {i: {} for i in ids}
        if ids:
            tag_rows = conn.execute(
                sa.select(schema.experiment_tags).where(
                    schema.experiment_tags.c.experiment_id.in_(ids)
                )
            )
            for t in tag_rows:
                tags[t.experiment_id][t.key] = t.value
        return [rows.experiment(r, tags[r.experiment_id]) for r in found]

    def get_experiment(self, experiment_id: str) -> Experiment:
        """The experiment with this id."""
        try:
            ident = int(experiment_id)
        except ValueError:
            raise ExperimentNotFoundError(experiment_id) from None
        found = self._read(
            lambda conn: self._experiments(conn, schema.experiments.c.experiment_id == ident)
        )
        if not found:
            raise ExperimentNotFoundError(experiment_id)
        return found[0]  # type: ignore[no-any-return]

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """The experiment with this name, active or deleted, or None."""
        found = self._read(lambda conn: self._experiments(conn, schema.experiments.c.name == name))
        return found[0] if found else None

    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE,
        name_like: str | None = None,
        max_results: int | None = None,
    ) -> list[Experiment]:
        """Experiments by name."""
        table = schema.experiments
        where = _lifecycle_clause(table.c.lifecycle_stage, ViewType.parse(view_type))
        if name_like:
            where = sa.and_(where, table.c.name.like(name_like))
        return self._read(lambda conn: self._experiments(conn, where, max_results))  # type: ignore[no-any-return]

    def _update_experiment(self, experiment_id: str, **values: Any) -> None:
        experiment = self.get_experiment(experiment_id)

        def update(conn: sa.engine.Connection) -> None:
            conn.execute(
                sa.update(schema.experiments)
                .where(schema.experiments.c.experiment_id == int(experiment.experiment_id))
                .values(last_update_time=_now(), **values)
            )

        self._write(update)

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename an experiment."""
        _check_name(new_name)
        existing = self.get_experiment_by_name(new_name)
        if existing is not None and existing.experiment_id != str(experiment_id):
            raise TrialbookError(f"An experiment named {new_name!r} exists already.")
        self._update_experiment(experiment_id, name=new_name)

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete an experiment; its runs are hidden with it."""
        self._update_experiment(experiment_id, lifecycle_stage=LifecycleStage.DELETED.value)

    def restore_experiment(self, experiment_id: str) -> None:
        """Restore a deleted experiment."""
        self._update_experiment(experiment_id, lifecycle_stage=LifecycleStage.ACTIVE.value)

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        """Set an experiment tag."""
        experiment = self.get_experiment(experiment_id)

        def write(conn: sa.engine.Connection) -> None:
            stmt = batch_writer.upsert(conn, schema.experiment_tags)
            conn.execute(
                stmt.values(
                    experiment_id=int(experiment.experiment_id), key=key, value=value
                ).on_conflict_do_update(
                    index_elements=["experiment_id", "key"], set_={"value": stmt.excluded.value}
                )
            )

        self._write(write)

    def experiment_stats(self) -> dict[str, tuple[int, int | None]]:
        """Experiment id to (active runs, last activity in ms)."""
        runs = schema.runs
        last = sa.func.max(
            sa.func.coalesce(runs.c.end_time, runs.c.heartbeat_time, runs.c.start_time)
        )
        query = (
            sa.select(runs.c.experiment_id, sa.func.count(), last)
            .where(runs.c.lifecycle_stage == LifecycleStage.ACTIVE.value)
            .group_by(runs.c.experiment_id)
        )
        result = self._read(lambda conn: list(conn.execute(query)))
        return {str(e): (int(n), None if t is None else int(t)) for e, n, t in result}

    # Runs ----------------------------------------------------------------------------------

    def create_run(
        self,
        experiment_id: str,
        run_name: str,
        start_time: int,
        tags: Mapping[str, str] | None = None,
        parent_run_id: str | None = None,
        user_id: str = "",
        run_id: str | None = None,
        description: str = "",
    ) -> Run:
        """Create a RUNNING run in the experiment."""
        check_text("run_name", run_name)
        check_text("description", description)
        experiment = self.get_experiment(experiment_id)
        if experiment.lifecycle_stage is LifecycleStage.DELETED:
            raise DeletedExperimentError(experiment.name)
        run_id = run_id or uuid.uuid4().hex
        values = {
            "run_id": run_id,
            "experiment_id": int(experiment.experiment_id),
            "name": run_name,
            "status": RunStatus.RUNNING.value,
            "start_time": start_time,
            "heartbeat_time": start_time,
            "lifecycle_stage": LifecycleStage.ACTIVE.value,
            "artifact_uri": _join(experiment.artifact_location, run_id, "artifacts"),
            "user_id": user_id,
            "parent_run_id": parent_run_id,
            "description": description,
        }

        def create(conn: sa.engine.Connection) -> None:
            conn.execute(sa.insert(schema.runs).values(**values))
            if tags:
                conn.execute(
                    sa.insert(schema.tags),
                    [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()],
                )

        try:
            self._write(create)
        except sa.exc.IntegrityError:
            raise RunExistsError(run_id) from None
        # The new run is exactly what was written: no need to read it back.
        return rows.run(SimpleNamespace(**values, end_time=None), {}, tags or {}, [])

    def get_run(self, run_id: str) -> Run:
        """The run with this id."""
        self._reap_dead_runs()
        found, _ = self._read(lambda conn: loading.load_runs(conn, [run_id]))
        if not found:
            raise RunNotFoundError(run_id)
        return found[0]  # type: ignore[no-any-return]

    def update_run(
        self,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
        description: str | None = None,
    ) -> None:
        """Change a run's status, end time, name or description."""
        values: dict[str, Any] = {}
        if status is not None:
            values["status"] = RunStatus(status).value
        if end_time is not None:
            values["end_time"] = end_time
        if run_name is not None:
            values["name"] = check_text("run_name", run_name)
        if description is not None:
            values["description"] = check_text("description", description)
        if not values:
            return
        self._update_run(run_id, values)

    def checkpoint(self) -> None:
        """Copy SQLite's write-ahead log into ``trialbook.db`` (PASSIVE: waits for no one)."""
        checkpoint(self.engine)

    def _update_run(self, run_id: str, values: Mapping[str, Any]) -> None:
        def update(conn: sa.engine.Connection) -> int:
            result = conn.execute(
                sa.update(schema.runs).where(schema.runs.c.run_id == run_id).values(**values)
            )
            return result.rowcount

        if self._write(update) == 0:
            raise RunNotFoundError(run_id)

    def heartbeat(self, run_ids: Sequence[str], now: int) -> None:
        """Mark the given RUNNING runs alive at ``now``."""
        if not run_ids:
            return
        runs = schema.runs

        def beat(conn: sa.engine.Connection) -> None:
            conn.execute(
                sa.update(runs)
                .where(runs.c.run_id.in_(list(run_ids)), runs.c.status == RunStatus.RUNNING.value)
                .values(heartbeat_time=now)
            )

        self._write(beat)

    def _reap_dead_runs(self) -> None:
        """Mark RUNNING runs whose owner stopped beating as KILLED (at most every 10 s)."""
        if time.monotonic() - self._last_reap < _REAP_EVERY_S:
            return
        self._last_reap = time.monotonic()
        runs = schema.runs
        cutoff = _now() - heartbeat_timeout_ms()
        stale = sa.and_(runs.c.status == RunStatus.RUNNING.value, runs.c.heartbeat_time < cutoff)
        if not self._read(
            lambda conn: conn.execute(sa.select(runs.c.run_id).where(stale).limit(1)).first()
        ):
            return

        def reap(conn: sa.engine.Connection) -> None:
            conn.execute(
                sa.update(runs)
                .where(stale)
                .values(status=RunStatus.KILLED.value, end_time=runs.c.heartbeat_time)
            )

        self._write(reap)

    def reap_dead_runs_now(self) -> None:
        """Run the dead-run check immediately (tests and ``trialbook gc``)."""
        self._last_reap = 0.0
        self._reap_dead_runs()

    def delete_run(self, run_id: str) -> None:
        """Soft-delete a run."""
        self._update_run(
            run_id, {"lifecycle_stage": LifecycleStage.DELETED.value, "deleted_time": _now()}
        )

    def restore_run(self, run_id: str) -> None:
        """Restore a soft-deleted run."""
        self._update_run(
            run_id, {"lifecycle_stage": LifecycleStage.ACTIVE.value, "deleted_time": None}
        )

    def deleted_runs(self, older_than: int | None = None) -> list[Run]:
        """Soft-deleted runs, and the runs of deleted experiments."""
        runs, experiments = schema.runs, schema.experiments
        deleted_experiments = sa.select(experiments.c.experiment_id).where(
            experiments.c.lifecycle_stage == LifecycleStage.DELETED.value
        )
        where = sa.or_(
            runs.c.lifecycle_stage == LifecycleStage.DELETED.value,
            runs.c.experiment_id.in_(deleted_experiments),
        )
        if older_than is not None:
            where = sa.and_(where, sa.func.coalesce(runs.c.deleted_time, 0) < older_than)

        def load(conn: sa.engine.Connection) -> list[Run]:
            ids = [r[0] for r in conn.execute(sa.select(runs.c.run_id).where(where))]
            return loading.load_runs(conn, ids)[0]

        return self._read(load)  # type: ignore[no-any-return]

    def purge_runs(self, run_ids: Sequence[str]) -> None:
        """Delete runs and all their data for good."""
        ids = list(run_ids)
        if not ids:
            return

        def purge(conn: sa.engine.Connection) -> None:
            for table in (
                schema.metric_overviews,
                schema.metric_chunks,
                schema.latest_metrics,
                schema.params,
                schema.tags,
                schema.run_inputs,
            ):
                conn.execute(sa.delete(table).where(table.c.run_id.in_(ids)))
            conn.execute(sa.delete(schema.runs).where(schema.runs.c.run_id.in_(ids)))

        self._write(purge)

    # Data ----------------------------------------------------------------------------------

    def write_batch(self, batch: Batch) -> None:
        """Write a batch in one transaction, all or nothing; unstorable text raises first."""
        if not batch and batch.batch_id is None:
            return
        for _run_id, key, value in (*batch.params, *batch.tags):
            check_text(key, value)
        self._write(lambda conn: batch_writer.write(conn, batch, _now()))

    def log_inputs(self, run_id: str, dataset_inputs: Sequence[DatasetInput]) -> None:
        """Link datasets to a run (DatasetInputs); the same (dataset, context) again is a no-op."""
        if not dataset_inputs:
            return
        inputs.check(dataset_inputs)
        self._write(lambda conn: inputs.write(conn, run_id, dataset_inputs))

    def get_metric_history(
        self, run_id: str, key: str, max_results: int | None = None, page_token: str | None = None
    ) -> tuple[list[Metric], str | None]:
        """Points of one metric by step, then timestamp, then logging order, one page at a time."""
        arrays = self.get_metric_arrays(run_id, key)
        offset = decode_page_token(page_token)
        stop = len(arrays) if max_results is None else min(len(arrays), offset + max_results)
        points = [
            Metric(key, float(v), int(s), int(t))
            for s, v, t in zip(
                arrays.steps[offset:stop].tolist(),
                arrays.values[offset:stop].tolist(),
                arrays.timestamps[offset:stop].tolist(),
                strict=True,
            )
        ]
        return points, (encode_page_token(stop) if stop < len(arrays) else None)

    def get_metric_arrays(self, run_id: str, key: str) -> MetricArrays:
        """A metric's whole history as numpy arrays, ordered by step, then timestamp."""
        from trialbook.store.sql import chunks

        def load(conn: sa.engine.Connection) -> MetricArrays:
            arrays = chunks.load(conn, run_id, key)
            if not len(arrays):
                exists = conn.execute(
                    sa.select(schema.runs.c.run_id).where(schema.runs.c.run_id == run_id)
                ).first()
                if exists is None:
                    raise RunNotFoundError(run_id)
            return arrays

        return self._read(load)  # type: ignore[no-any-return]

    def get_metric_summaries(self, run_ids: Sequence[str]) -> dict[str, list[MetricSummary]]:
        """Latest, min and max of every metric of the given runs."""
        return self._read(lambda conn: loading.summaries(conn, run_ids))  # type: ignore[no-any-return]

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        order_by: Sequence[str] = (),
        max_results: int = 1000,
        view_type: ViewType = ViewType.ACTIVE,
        page_token: str | None = None,
    ) -> RunPage:
        """Runs matching a filter, ordered, one page at a time."""
        table = self.search_run_table(
            experiment_ids, filter_string, order_by, max_results, view_type, page_token, False
        )
        ids = list(table.info["run_id"])
        return RunPage(
            runs=table.runs(),
            next_page_token=table.next_page_token,
            summaries=DeferredSummaries(lambda: self.get_metric_summaries(ids) if ids else {}),
        )

    def search_run_table(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        order_by: Sequence[str] = (),
        max_results: int = 1000,
        view_type: ViewType = ViewType.ACTIVE,
        page_token: str | None = None,
        summaries: bool = True,
    ) -> RunTable:
        """The page :meth:`search_runs` returns, as a table (``summaries``: with them)."""
        if max_results < 1:
            raise TrialbookError(f"max_results must be at least 1, got {max_results}.")
        self._reap_dead_runs()
        offset = decode_page_token(page_token)
        shape = (tuple(experiment_ids), ViewType.parse(view_type), filter_string, tuple(order_by))
        query = _run_ids_query(*shape).offset(offset).limit(max_results + 1)
        ranked = _ranked_ids_query(*shape)

        def load(conn: sa.engine.Connection) -> tuple[RunTable, bool]:
            with time_budget(conn, filter_string):
                ids: list[str] = []
                if ranked is not None:  # A full page among the runs the index ranks is it.
                    page = ranked.offset(offset).limit(max_results + 1)
                    ids = list(conn.execute(page).scalars().all())
                if len(ids) <= max_results:
                    ids = list(conn.execute(query).scalars().all())
            # One row past the page tells whether another page follows.
            return loading.load_table(conn, ids[:max_results], summaries), len(ids) > max_results

        table: RunTable
        table, more = self._read(load)
        token = encode_page_token(offset + max_results) if more else None
        return dataclasses.replace(table, next_page_token=token)

    def count_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        view_type: ViewType = ViewType.ACTIVE,
    ) -> int:
        """How many runs match a filter."""
        where = _runs_where(experiment_ids, view_type, filter_string)
        query = sa.select(sa.func.count()).select_from(schema.runs).where(where)

        def count(conn: sa.engine.Connection) -> int:
            with time_budget(conn, filter_string):
                return int(conn.execute(query).scalar_one())

        return self._read(count)  # type: ignore[no-any-return]

    # Charts of many runs, tag removal (ManyMetricArrays, MetricOverviews, OverviewBuilding,
    # TagDeletion) ---------------------------------------------------------------------------

    def get_many_metric_arrays(
        self, run_ids: Sequence[str], keys: Sequence[str]
    ) -> dict[tuple[str, str], MetricArrays]:
        """Every existing ``(run_id, key)`` pair's history, read in one query per 500 runs."""
        from trialbook.store.sql import chunks

        if not run_ids or not keys:
            return {}
        return self._read(lambda conn: chunks.load_many(conn, run_ids, keys))  # type: ignore[no-any-return]

    @property
    def overview_buckets(self) -> int:
        """Step-buckets each stored piece of a long history keeps in its overview."""
        from trialbook.store.sql import chunks

        return chunks.OVERVIEW_BUCKETS

    def get_metric_overviews(
        self, run_ids: Sequence[str], keys: Sequence[str]
    ) -> dict[tuple[str, str], MetricArrays]:
        """Every existing pair's history, long stretches by their stored overviews."""
        from trialbook.store.sql import chunks

        if not run_ids or not keys:
            return {}
        return self._read(lambda conn: chunks.load_overviews(conn, run_ids, keys))  # type: ignore[no-any-return]

    def build_overviews(self, run_id: str) -> int:
        """Summarise the run's histories logged since the last call (see ``chunks``).

        What is due is read first, so a call with nothing to do never holds the write lock.
        """
        from trialbook.store.sql import chunks

        if not self._read(lambda conn: chunks.due_overviews(conn, run_id)):
            return 0
        return self._write(lambda conn: chunks.build_overviews(conn, run_id))  # type: ignore[no-any-return]

    def delete_run_tag(self, run_id: str, key: str) -> None:
        """Remove a run's tag; raise TagNotFoundError when the run has no such tag."""
        self.get_run(run_id)
        table = schema.tags
        where = sa.and_(table.c.run_id == run_id, table.c.key == key)
        if self._write(lambda conn: conn.execute(sa.delete(table).where(where)).rowcount) == 0:
            raise TagNotFoundError(f"Run {run_id}", key)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Remove an experiment's tag; raise TagNotFoundError when it has no such tag."""
        experiment = self.get_experiment(experiment_id)
        table = schema.experiment_tags
        where = sa.and_(table.c.experiment_id == int(experiment.experiment_id), table.c.key == key)
        if self._write(lambda conn: conn.execute(sa.delete(table).where(where)).rowcount) == 0:
            raise TagNotFoundError(f"Experiment {experiment_id}", key)

    # Aggregates (RunAggregates) -------------------------------------------------------------

    def run_keys(
        self, experiment_ids: Sequence[str], view_type: ViewType = ViewType.ACTIVE
    ) -> dict[str, list[str]]:
        """The sorted ``params``, ``metrics`` and ``tags`` keys the experiments' runs have."""
        where = _runs_where(experiment_ids, view_type, "")
        return self._read(lambda conn: aggregates.run_keys(conn, where))  # type: ignore[no-any-return]

    def param_value_counts(
        self,
        experiment_ids: Sequence[str],
        param: str,
        filter_string: str = "",
        view_type: ViewType = ViewType.ACTIVE,
        limit: int = 500,
    ) -> list[tuple[str | None, int]]:
        """(value, matching runs) per value of a param (None: runs without it), in order."""
        where = _runs_where(experiment_ids, view_type, filter_string)
        return self._read(  # type: ignore[no-any-return]
            lambda conn: aggregates.param_value_counts(conn, where, param, limit)
        )

    def child_counts(
        self,
        experiment_ids: Sequence[str],
        parent_ids: Sequence[str],
        filter_string: str = "",
        view_type: ViewType = ViewType.ACTIVE,
    ) -> dict[str, int]:
        """How many matching runs each parent has (parents without any are left out)."""
        if not parent_ids:
            return {}
        where = _runs_where(experiment_ids, view_type, filter_string)
        return self._read(  # type: ignore[no-any-return]
            lambda conn: aggregates.child_counts(conn, where, parent_ids)
        )

    # Maintenance (BatchLedger, TokenTable, ForkAware) ---------------------------------------

    def forget_applied_batches(self, applied_before: int) -> None:
        """Forget batch ids applied before ``applied_before`` (ms since the epoch)."""
        table = schema.applied_batches
        self._write(
            lambda conn: conn.execute(sa.delete(table).where(table.c.applied_time < applied_before))
        )

    def add_token(self, record: TokenRecord) -> None:
        """Store a new API token."""
        self._write(lambda conn: tokens.add_token(conn, record))

    def list_tokens(self, include_revoked: bool = True) -> list[TokenRecord]:
        """API tokens, oldest first."""
        return self._read(lambda conn: tokens.list_tokens(conn, include_revoked))  # type: ignore[no-any-return]

    def revoke_tokens(self, token_id_or_name: str, now: int) -> int:
        """Revoke the token with this id (or every token with this name); return how many."""
        return int(self._write(lambda conn: tokens.revoke_tokens(conn, token_id_or_name, now)))

    def after_fork(self) -> None:
        """Drop the parent's pooled connections in a forked child (never closing them)."""
        self.engine.dispose(close=False)


_open_stores: weakref.WeakSet[SqlStore] = weakref.WeakSet()


def _close_at_exit(store: SqlStore) -> None:
    _install_exit_hook()
    _open_stores.add(store)


@functools.cache
def _install_exit_hook() -> None:
    # Registered with the first store, before any run starts, so it runs after the hook that
    # ends runs at exit (atexit runs the last registered first).
    atexit.register(_close_open_stores)


def _close_open_stores() -> None:
    """At exit: empty SQLite logs into the database files and close every connection."""
    for store in list(_open_stores):
        try:
            checkpoint(store.engine, "TRUNCATE")
        except sa.exc.OperationalError:
            pass  # Another process is writing: it checkpoints when it ends.
        store.close()


@functools.lru_cache(maxsize=256)
def _run_ids_query(
    experiment_ids: tuple[str, ...],
    view_type: ViewType,
    filter_string: str,
    order_by: tuple[str, ...],
) -> sa.Select[Any]:
    """The ids of the matching runs in order (a search repeated, as a UI does, reuses it)."""
    runs = schema.runs
    ordering = [*order_clauses(parse_order_by(list(order_by))), *tie_breakers()]
    where = _runs_where(experiment_ids, view_type, filter_string)
    return sa.select(runs.c.run_id).where(where).order_by(*ordering)


@functools.lru_cache(maxsize=256)
def _ranked_ids_query(
    experiment_ids: tuple[str, ...],
    view_type: ViewType,
    filter_string: str,
    order_by: tuple[str, ...],
) -> sa.Select[Any] | None:
    """:func:`_run_ids_query` among the runs an index ranks, or None (see
    :func:`~trialbook.store.sql.search.ranked_by_index`)."""
    ranked = ranked_by_index(parse_order_by(list(order_by)))
    if ranked is None:
        return None
    joined, ordering = ranked
    where = _runs_where(experiment_ids, view_type, filter_string)
    return sa.select(schema.runs.c.run_id).select_from(joined).where(where).order_by(*ordering)


def _runs_where(experiment_ids: Sequence[str], view_type: ViewType, filter_string: str) -> Any:
    """The runs of these experiments in this lifecycle view that match the filter."""
    runs = schema.runs
    return sa.and_(
        runs.c.experiment_id.in_([int(e) for e in experiment_ids]),
        _lifecycle_clause(runs.c.lifecycle_stage, ViewType.parse(view_type)),
        filter_clause(parse_filter(filter_string)),
    )


def _lifecycle_clause(column: Any, view_type: ViewType) -> Any:
    if view_type is ViewType.ALL:
        return sa.true()
    stage = LifecycleStage.ACTIVE if view_type is ViewType.ACTIVE else LifecycleStage.DELETED
    return column == stage.value


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise TrialbookError(f"Experiment names must be non-empty strings, got {name!r}.")
    if len(name) > 256:
        raise TrialbookError(f"Experiment name {name[:40]!r}... is longer than 256 characters.")
    check_text("experiment name", name)
