"""What MLflow's file and SQL stores have in common, as the importer reads them.

::

    run = run_from_meta({"run_id": "abc", "status": 3, ...}, params, tags, "1")
    artifacts = Artifacts(ArtifactPlace(run.info.artifact_uri, local=run_folder / "artifacts"))
    folder = artifacts.fetch(tmp)        # run files, plus each logged model under its name

MLflow 3 keeps a model logged with ``log_model(model, name="model")`` as a *logged model*
outside the run's artifacts (``<experiment>/models/<model_id>/artifacts``); the importer puts
its files in the run's artifacts under its name (``model/MLmodel``), where MLflow 2 kept them
and where trialbook's ``runs:/<run_id>/model`` looks.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from trialbook.entities import LifecycleStage, Run, RunData, RunInfo, RunStatus
from trialbook.transfer.copy import Columns, SourceRun

STATUS = {
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
READY_MODEL = ("2", "READY")
"""A logged model's status once its files are all uploaded (LoggedModelStatus.READY)."""
PARENT_TAG = "mlflow.parentRunId"
NOTE_TAG = "mlflow.note.content"
NAME_TAG = "mlflow.runName"
_REMOTE_ONLY = ("mlflow-artifacts", "http", "https", "dbfs", "runs", "models")


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


def run_from_meta(
    meta: Mapping[str, Any], params: dict[str, str], tags: dict[str, str], experiment_id: str
) -> Run:
    """A run from MLflow's run fields (``meta.yaml`` keys or ``runs`` columns)."""
    tags = dict(tags)
    run_id = str(meta.get("run_id") or meta.get("run_uuid"))
    status = STATUS.get(str(meta.get("status", "")).upper(), RunStatus.FINISHED)
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


def columns(steps: list[int], values: list[float], timestamps: list[int]) -> Columns:
    """One metric's history as the numpy columns :func:`copy_run` writes."""
    import numpy as np

    return (
        np.asarray(steps, dtype="<i8"),
        np.asarray(values, dtype="<f8"),
        np.asarray(timestamps, dtype="<i8"),
    )


@dataclass(frozen=True)
class ArtifactPlace:
    """Where MLflow keeps a run's (or a logged model's) files.

    Attributes:
        uri: The artifact URI MLflow recorded (a path, ``file://``, ``s3://``, ...).
        local: The folder next to the store that holds them (file store), tried first.
        near: A folder to look in when ``uri`` is a local path that no longer exists (the
            store was moved): the longest tail of the path, from ``marker`` on or earlier,
            that exists under ``near`` is used.
        marker: The run or model id the relocated path must contain.
    """

    uri: str
    local: Path | None = None
    near: Path | None = None
    marker: str = ""

    def fetch(self, target: Path) -> None:
        """Copy the files into ``target`` (merged with what is there); no files, no folder."""
        folder = self._folder()
        if folder is not None:
            shutil.copytree(folder, target, dirs_exist_ok=True)
            return
        if not self.uri or _local_path(self.uri) is not None:
            return
        if urlparse(self.uri).scheme in _REMOTE_ONLY:
            return
        from trialbook.artifacts import ArtifactRepository

        repo = ArtifactRepository(self.uri)
        if repo.list(""):
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
                shutil.copytree(repo.download("", tmp), target, dirs_exist_ok=True)

    def _folder(self) -> Path | None:
        if self.local is not None and self.local.is_dir():
            return self.local
        path = _local_path(self.uri) if self.uri else None
        if path is None:
            return None
        if path.is_dir():
            return path
        if self.near is None or self.marker not in path.parts:
            return None
        parts = path.parts
        last = len(parts) - 1 - parts[::-1].index(self.marker)
        for start in range(1, last + 1):
            candidate = self.near.joinpath(*parts[start:])
            if candidate.is_dir():
                return candidate
        return None


def _local_path(uri: str) -> Path | None:
    """The folder a local artifact URI names (a path or ``file://``), else None."""
    parsed = urlparse(uri)
    if parsed.scheme == "" or len(parsed.scheme) == 1:  # A path (with a Windows drive).
        return Path(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    return None


@dataclass(frozen=True)
class Artifacts:
    """A run's files and the models logged from it (``(name, place)`` pairs, oldest first)."""

    run: ArtifactPlace
    models: Sequence[tuple[str, ArtifactPlace]] = ()

    def fetch(self, folder: Path) -> Path | None:
        """Copy everything into ``folder/artifacts``; return it, or None when there is nothing."""
        target = folder / "artifacts"
        self.run.fetch(target)
        for name, place in self.models:
            model_id = place.marker
            destination = target / name
            if destination.exists():  # The name is taken (a run file, an earlier model).
                destination = target / f"{name}-{model_id}"
            place.fetch(destination)
        if target.is_dir() and any(p.is_file() for p in target.rglob("*")):
            return target
        return None
