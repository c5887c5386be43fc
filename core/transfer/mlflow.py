"""``trialbook import-mlflow``: experiments and runs of an MLflow store, read without MLflow.

::

    report = import_mlflow("./mlruns", "http://tracking:5000")     # or sqlite:///mlflow.db
    print(report.summary())

Reads MLflow's file store (an ``mlruns`` folder, see :mod:`trialbook.transfer.mlflow_files`)
or its SQL store (``sqlite:///``, ``postgresql://``, see :mod:`trialbook.transfer.mlflow_sql`).
Active experiments keep their names and tags; finished (FINISHED, FAILED, KILLED) active runs
keep their ids, names, times and status; running runs are counted and left for a later import;
deleted runs and experiments are left out. Params, tags, every metric point (NaN and +/-inf
included) and the artifacts are copied; MLflow 3 logged models go into their run's artifacts
under their name (``model/MLmodel``). ``mlflow.parentRunId`` and ``mlflow.note.content``
become the parent and the description. Importing again copies nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

from trialbook.errors import ExperimentNotFoundError, InvalidUriError
from trialbook.transfer.copy import Report, copy_runs
from trialbook.transfer.mlflow_source import MlflowSource


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
    if scheme in ("", "file") or len(scheme) == 1:  # One letter: a Windows drive.
        from trialbook.transfer.mlflow_files import FileSource

        folder = Path(unquote(parsed.path) if scheme == "file" else path_or_uri).expanduser()
        if not any(folder.glob("*/meta.yaml")):
            raise InvalidUriError(path_or_uri, "no MLflow experiments (*/meta.yaml) in it")
        return FileSource(folder)
    if scheme.startswith(("sqlite", "postgresql", "mysql", "mssql")):
        from trialbook.transfer.mlflow_sql import SqlSource

        return SqlSource(path_or_uri)
    raise InvalidUriError(
        path_or_uri, "expected an mlruns folder or an MLflow database URI (sqlite:///...)"
    )
