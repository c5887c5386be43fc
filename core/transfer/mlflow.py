"""``trialbook import-mlflow``: experiments and runs of an MLflow store, read without MLflow.

::

    report = import_mlflow("./mlruns", "http://tracking:5000")     # or sqlite:///mlflow.db
    print(report.summary())

Reads MLflow's file store (an ``mlruns`` folder: ``meta.yaml``, ``params/``, ``tags/``,
``metrics/`` files of ``<timestamp> <value> <step>`` lines) or its SQL store (``sqlite:///``,
``postgresql://``: the ``experiments``, ``runs``, ``params``, ``tags``, ``metrics`` tables).
Active experiments keep their names and finished active runs their ids; params, tags, every
metric point and the artifacts (from the run's ``artifacts`` folder or its artifact URI) are
copied. ``mlflow.parentRunId`` and ``mlflow.note.content`` become the parent and the
description. Importing again copies nothing twice.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from trialbook.entities import LifecycleStage, Run, RunData, RunInfo, RunStatus
from trialbook.errors import ExperimentNotFoundError, InvalidUriError
from trialbook.transfer.copy import Columns, Report, SourceRun, copy_runs

_STATUS = {
    "1": RunStatus.RUNNING,
    "2": RunStatus.RUNNING,
    "3": RunStatus.FINISHED,
    "4": RunStatus.FAILED,
    "5": RunStatus.KILLED,
    "RUNNING": RunStatus.RUNNING,
    "SCHEDULED": RunStatus.RUNNING,
    "FINISHED": RunStatus.FINISHED,
    "FAILED": RunStatus.FAILED,
    "KILLED": RunStatus.KILLED,
}
PARENT_TAG = "mlflow.parentRunId"
NOTE_TAG = "mlflow.note.content"
NAME_TAG = "mlflow.runName"


@dataclass(frozen=True)
class MlflowExperiment:
    """An active MLflow experiment."""

    experiment_id: str
    name: str
    tags: Mapping[str, str]


class MlflowSource(Protocol):
    """A readable MLflow store."""

    def experiments(self) -> list[MlflowExperiment]:
        """The active experiments."""
        ...

    def runs(self, experiment_id: str) -> Iterator[SourceRun]:
        """The active runs of an experiment."""
        ...


def import_mlflow(path_or_uri: str, target_uri: str, experiments: Sequence[str] = ()) -> Report:
    """Copy an MLflow store's experiments (all, or those named) and runs to ``target_uri``."""
    from trialbook.tracking.client import TrackingClient

    source = open_mlflow(path_or_uri)
    target = TrackingClient(target_uri)
    found = source.experiments()
    if experiments:
        missing = sorted(set(experiments) - {e.name for e in found})
        if missing:
            raise ExperimentNotFoundError(", ".join(missing))
        found = [e for e in found if e.name in experiments]
    report = Report()
    for experiment in found:
        target_experiment = target.store.get_or_create_experiment(experiment.name)
        for key, value in experiment.tags.items():
            target.store.set_experiment_tag(target_experiment.experiment_id, key, value)
        copy_runs(
            target, target_experiment.experiment_id, source.runs(experiment.experiment_id), report
        )
    return report


def open_mlflow(path_or_uri: str) -> MlflowSource:
    """The MLflow store at a folder (``mlruns``, ``file://``) or a database URI."""
    parsed = urlparse(path_or_uri)
    scheme = parsed.scheme.lower()
    if scheme in ("", "file"):
        folder = Path(unquote(parsed.path) if scheme == "file" else path_or_uri).expanduser()
        if not any(folder.glob("*/meta.yaml")):
            raise InvalidUriError(path_or_uri, "no MLflow experiments (*/meta.yaml) in it")
        return FileSource(folder)
    if scheme.startswith(("sqlite", "postgresql", "mysql", "mssql")):
        return SqlSource(path_or_uri)
    raise InvalidUriError(
        path_or_uri, "expected an mlruns folder or an MLflow database URI (sqlite:///...)"
    )


def _run(
    meta: Mapping[str, Any], params: dict[str, str], tags: dict[str, str], experiment_id: str
) -> Run:
    tags = dict(tags)
    run_id = str(meta.get("run_id") or meta.get("run_uuid"))
    status = _STATUS.get(str(meta.get("status", "")).upper(), RunStatus.FINISHED)
    end = meta.get("end_time")
    return Run(
        info=RunInfo(
            run_id=run_id,
            experiment_id=experiment_id,
            run_name=str(meta.get("run_name") or tags.get(NAME_TAG) or run_id)[:256],
            status=status,
            start_time=int(meta.get("start_time") or 0),
            end_time=None if end is None else int(end),
            lifecycle_stage=LifecycleStage.ACTIVE,
            artifact_uri=str(meta.get("artifact_uri") or ""),
            user_id=str(meta.get("user_id") or "")[:256],
            parent_run_id=tags.get(PARENT_TAG),
            description=tags.get(NOTE_TAG, ""),
        ),
        data=RunData(params=params, metrics={}, tags=tags),
    )


def _copy_artifacts(uri: str, local: Path | None, folder: Path) -> Path | None:
    """Copy a run's artifacts into ``folder``: from ``local`` if it exists, else from ``uri``."""
    target = folder / "artifacts"
    if local is not None and local.is_dir():
        shutil.copytree(local, target)
        return target
    parsed = urlparse(uri)
    if not uri or parsed.scheme in ("mlflow-artifacts", "http", "https", "dbfs", "runs"):
        return None
    path = Path(unquote(parsed.path)) if parsed.scheme in ("", "file") else None
    if path is not None:
        if not path.is_dir():
            return None
        shutil.copytree(path, target)
        return target
    from trialbook.artifacts import ArtifactRepository

    repo = ArtifactRepository(uri)
    return Path(repo.download("", folder)) if repo.list("") else None


def _columns(steps: list[int], values: list[float], timestamps: list[int]) -> Columns:
    import numpy as np

    return (
        np.asarray(steps, dtype="<i8"),
        np.asarray(values, dtype="<f8"),
        np.asarray(timestamps, dtype="<i8"),
    )


class FileSource:
    """An MLflow file store (an ``mlruns`` folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def experiments(self) -> list[MlflowExperiment]:
        """Active experiments, by name."""
        import yaml

        found = []
        for meta_file in sorted(self.root.glob("*/meta.yaml")):
            meta = yaml.safe_load(meta_file.read_text()) or {}
            if meta.get("lifecycle_stage", "active") != "active" or "name" not in meta:
                continue
            folder = meta_file.parent
            found.append(
                MlflowExperiment(
                    str(meta.get("experiment_id", folder.name)),
                    str(meta["name"]),
                    _key_files(folder / "tags"),
                )
            )
        return sorted(found, key=lambda e: e.name)

    def runs(self, experiment_id: str) -> Iterator[SourceRun]:
        """Active runs of an experiment."""
        import yaml

        for meta_file in sorted((self.root / experiment_id).glob("*/meta.yaml")):
            meta = yaml.safe_load(meta_file.read_text()) or {}
            if meta.get("lifecycle_stage", "active") != "active":
                continue
            folder = meta_file.parent
            run = _run(
                meta, _key_files(folder / "params"), _key_files(folder / "tags"), experiment_id
            )
            metrics = folder / "metrics"
            yield SourceRun(
                run=run,
                metric_keys=partial(_metric_keys, metrics),
                metric=partial(_metric_file, metrics),
                download_artifacts=partial(
                    _copy_artifacts, run.info.artifact_uri, folder / "artifacts"
                ),
            )


def _metric_keys(folder: Path) -> list[str]:
    return sorted(_key_files(folder))


def _key_files(folder: Path) -> dict[str, str]:
    """Files under ``folder`` as {relative posix path: text} (MLflow keys may hold '/')."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _metric_file(folder: Path, key: str) -> Columns:
    path = folder / key
    steps: list[int] = []
    values: list[float] = []
    timestamps: list[int] = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) not in (2, 3):
            continue
        timestamps.append(int(parts[0]))
        values.append(float(parts[1]))
        steps.append(int(parts[2]) if len(parts) == 3 else 0)
    return _columns(steps, values, timestamps)


class SqlSource:
    """An MLflow SQL store (read with plain SQL; nothing is written)."""

    def __init__(self, uri: str) -> None:
        import sqlalchemy as sa

        url = sa.engine.make_url(uri)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

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
            "ORDER BY start_time",
            e=int(experiment_id),
        )
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
            yield SourceRun(
                run=_run(meta, params, tags, experiment_id),
                metric_keys=partial(self._keys, run_id),
                metric=partial(self._metric, run_id),
                download_artifacts=partial(_copy_artifacts, row.artifact_uri, None),
            )

    def _keys(self, run_id: str) -> list[str]:
        query = "SELECT DISTINCT key FROM metrics WHERE run_uuid = :r ORDER BY key"
        return [row.key for row in self._rows(query, r=run_id)]

    def _metric(self, run_id: str, key: str) -> Columns:
        rows = self._rows(
            "SELECT value, timestamp, step, is_nan FROM metrics WHERE run_uuid = :r AND key = :k",
            r=run_id,
            k=key,
        )
        return _columns(
            [int(r.step) for r in rows],
            [float("nan") if r.is_nan else float(r.value) for r in rows],
            [int(r.timestamp) for r in rows],
        )
