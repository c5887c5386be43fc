"""Reading MLflow's SQL store (``sqlite:///mlflow.db``, ``postgresql://...``) with plain SQL.

::

    source = SqlSource("sqlite:///mlflow.db")
    runs = list(source.runs(source.experiments()[0].experiment_id))

Reads the ``experiments``, ``experiment_tags``, ``runs``, ``params``, ``tags``, ``metrics``
and (MLflow 3) ``logged_models`` tables; nothing is written. Two things MLflow changes on the
way in are undone: a NaN is stored as 0 with ``is_nan`` set, and +/-inf as +/-DBL_MAX (SQL
has no infinity), read back as +/-inf. Artifact URIs are absolute paths; when a SQLite store
was moved with its artifact folder, the files are looked up next to the database.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from trialbook.transfer.copy import Columns, SourceRun
from trialbook.transfer.mlflow_source import (
    READY_MODEL,
    ArtifactPlace,
    Artifacts,
    MlflowExperiment,
    columns,
    run_from_meta,
)

_INF = float("inf")


class SqlSource:
    """An MLflow SQL store (read with plain SQL; nothing is written)."""

    def __init__(self, uri: str) -> None:
        import sqlalchemy as sa

        url = sa.engine.make_url(uri)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        # A SQLite database's folder: where artifact folders moved with it are looked for.
        database = url.database if url.get_backend_name() == "sqlite" else None
        self.folder = Path(database).resolve().parent if database else None

    def _rows(self, query: str, **params: Any) -> list[Any]:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(query), params))

    def experiments(self) -> list[MlflowExperiment]:
        """Active experiments, by name."""
        tags: dict[str, dict[str, str]] = {}
        for row in self._rows("SELECT experiment_id, key, value FROM experiment_tags"):
            tags.setdefault(str(row.experiment_id), {})[row.key] = row.value
        rows = self._rows(
            "SELECT experiment_id, name FROM experiments WHERE lifecycle_stage = 'active' "
            "ORDER BY name"
        )
        return [
            MlflowExperiment(str(r.experiment_id), r.name, tags.get(str(r.experiment_id), {}))
            for r in rows
        ]

    def runs(self, experiment_id: str) -> Iterator[SourceRun]:
        """Active runs of an experiment."""
        rows = self._rows(
            "SELECT run_uuid, name, user_id, status, start_time, end_time, artifact_uri "
            "FROM runs WHERE experiment_id = :e AND lifecycle_stage = 'active' "
            "ORDER BY start_time, run_uuid",
            e=int(experiment_id),
        )
        models = self._models(experiment_id)
        for row in rows:
            run_id = row.run_uuid
            params = {
                r.key: r.value
                for r in self._rows("SELECT key, value FROM params WHERE run_uuid = :r", r=run_id)
            }
            tags = {
                r.key: r.value
                for r in self._rows("SELECT key, value FROM tags WHERE run_uuid = :r", r=run_id)
            }
            meta = {**row._mapping, "run_id": run_id, "run_name": row.name}
            place = ArtifactPlace(row.artifact_uri or "", near=self.folder, marker=run_id)
            yield SourceRun(
                run=run_from_meta(meta, params, tags, experiment_id),
                metric_keys=partial(self._keys, run_id),
                metric=partial(self._metric, run_id),
                download_artifacts=Artifacts(place, models.get(run_id, [])).fetch,
            )

    def _models(self, experiment_id: str) -> dict[str, list[tuple[str, ArtifactPlace]]]:
        """Ready, active logged models of an experiment by run id, oldest first."""
        if not self._has_table("logged_models"):  # MLflow 2 has no logged models.
            return {}
        rows = self._rows(
            "SELECT model_id, name, artifact_location, source_run_id, status, lifecycle_stage "
            "FROM logged_models WHERE experiment_id = :e AND source_run_id IS NOT NULL "
            "ORDER BY creation_timestamp_ms, model_id",
            e=int(experiment_id),
        )
        by_run: dict[str, list[tuple[str, ArtifactPlace]]] = {}
        for row in rows:
            if str(row.status).upper() not in READY_MODEL or row.lifecycle_stage == "deleted":
                continue
            place = ArtifactPlace(row.artifact_location, near=self.folder, marker=row.model_id)
            by_run.setdefault(row.source_run_id, []).append((row.name, place))
        return by_run

    def _has_table(self, name: str) -> bool:
        import sqlalchemy as sa

        return sa.inspect(self.engine).has_table(name)

    def _keys(self, run_id: str) -> list[str]:
        query = "SELECT DISTINCT key FROM metrics WHERE run_uuid = :r ORDER BY key"
        return [row.key for row in self._rows(query, r=run_id)]

    def _metric(self, run_id: str, key: str) -> Columns:
        rows = self._rows(
            "SELECT value, timestamp, step, is_nan FROM metrics WHERE run_uuid = :r AND key = :k "
            "ORDER BY step, timestamp",
            r=run_id,
            k=key,
        )
        return columns(
            [int(r.step) for r in rows],
            [_value(r.value, r.is_nan) for r in rows],
            [int(r.timestamp) for r in rows],
        )


def _value(stored: Any, is_nan: Any) -> float:
    """The logged value: MLflow stores NaN as 0 with ``is_nan``, and +/-inf as +/-DBL_MAX."""
    if is_nan:
        return float("nan")
    value = float(stored)
    if abs(value) >= sys.float_info.max:
        return _INF if value > 0 else -_INF
    return value
