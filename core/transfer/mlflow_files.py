"""Reading MLflow's file store (an ``mlruns`` folder) without MLflow.

::

    source = FileSource(Path("mlruns"))
    for experiment in source.experiments():
        runs = list(source.runs(experiment.experiment_id))

Layout: ``<experiment_id>/meta.yaml`` and ``tags/``; ``<experiment_id>/<run_id>/meta.yaml``,
``params/``, ``tags/``, ``metrics/`` (keys may hold ``/``: nested files) and ``artifacts/``;
MLflow 3 logged models under ``<experiment_id>/models/<model_id>/`` (``meta.yaml`` names
the run in ``source_run_id``). A metric file has one point a line: ``<timestamp> <value>
<step>``, with ``<dataset name> <dataset digest>`` after them when logged with a dataset
(MLflow 3), and no step in files older than MLflow 1.
"""

from __future__ import annotations

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


class FileSource:
    """An MLflow file store (an ``mlruns`` folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def experiments(self) -> list[MlflowExperiment]:
        """Active experiments, by name."""
        found = []
        for meta_file in sorted(self.root.glob("*/meta.yaml")):
            meta = _yaml(meta_file)
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
        models = self._models(experiment_id)
        for meta_file in sorted((self.root / experiment_id).glob("*/meta.yaml")):
            meta = _yaml(meta_file)
            if meta.get("lifecycle_stage", "active") != "active" or not (
                meta.get("run_id") or meta.get("run_uuid")
            ):
                continue
            folder = meta_file.parent
            run = run_from_meta(
                meta, _key_files(folder / "params"), _key_files(folder / "tags"), experiment_id
            )
            metrics = folder / "metrics"
            place = ArtifactPlace(run.info.artifact_uri, local=folder / "artifacts")
            artifacts = Artifacts(place, models.get(run.info.run_id, []))
            yield SourceRun(
                run=run,
                metric_keys=partial(_metric_keys, metrics),
                metric=partial(_metric_file, metrics),
                download_artifacts=artifacts.fetch,
            )

    def _models(self, experiment_id: str) -> dict[str, list[tuple[str, ArtifactPlace]]]:
        """Ready, active logged models of an experiment by run id, oldest first."""
        found: list[tuple[int, str, str, ArtifactPlace]] = []
        for meta_file in sorted((self.root / experiment_id / "models").glob("*/meta.yaml")):
            meta = _yaml(meta_file)
            run_id = meta.get("source_run_id")
            if (
                not run_id
                or str(meta.get("status", "")).upper() not in READY_MODEL
                or meta.get("lifecycle_stage", "active") != "active"
            ):
                continue
            model_id = str(meta.get("model_id") or meta_file.parent.name)
            place = ArtifactPlace(
                str(meta.get("artifact_location") or ""),
                local=meta_file.parent / "artifacts",
                marker=model_id,
            )
            created = int(meta.get("creation_timestamp") or 0)
            found.append((created, str(run_id), str(meta.get("name") or model_id), place))
        by_run: dict[str, list[tuple[str, ArtifactPlace]]] = {}
        for _created, run_id, name, place in sorted(found, key=lambda m: (m[0], m[3].marker)):
            by_run.setdefault(run_id, []).append((name, place))
        return by_run


def _yaml(path: Path) -> dict[str, Any]:
    import yaml

    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


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
    steps: list[int] = []
    values: list[float] = []
    timestamps: list[int] = []
    for line in (folder / key).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        timestamps.append(int(parts[0]))
        values.append(float(parts[1]))
        steps.append(int(parts[2]) if len(parts) > 2 else 0)
    return columns(steps, values, timestamps)
