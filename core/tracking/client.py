"""Explicit access to a tracking store, by run and experiment id.

::

    client = TrackingClient()                      # the current tracking URI
    run = client.create_run(client.get_experiment_by_name("Default").experiment_id)
    client.log_metric(run.info.run_id, "loss", 0.3, step=1)
    client.set_terminated(run.info.run_id)
    client.get_metric_history(run.info.run_id, "loss")
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialbook.artifacts import ArtifactRepository, RunArtifacts, clean_artifact_path
from trialbook.entities import (
    DatasetInput,
    Experiment,
    FileInfo,
    Metric,
    MetricSummary,
    Param,
    Run,
    RunStatus,
    RunTag,
    ViewType,
)
from trialbook.errors import StoreError, TrialbookError
from trialbook.store.base import ArtifactService, RunPage, TagDeletion, TrackingStore
from trialbook.tracking import background
from trialbook.tracking.current_uri import canonical, current_uri
from trialbook.tracking.registry_client import RegistryClient

if TYPE_CHECKING:
    from trialbook.tracking.tracker import Tracker


_artifact_uris: dict[tuple[str, str], str] = {}
"""(tracking URI, run id) -> the run's artifact URI: logging an artifact needs no run lookup."""
_ARTIFACT_URIS_LIMIT = 10_000


class TrackingClient(RegistryClient):
    """Create, read, log to and delete experiments and runs by id, and the model registry."""

    def __init__(self, tracking_uri: str | None = None) -> None:
        self.tracking_uri = canonical(tracking_uri) if tracking_uri else current_uri()
        self._tracker: Tracker | None = None

    @property
    def tracker(self) -> Tracker:
        """The shared write path for this client's tracking URI."""
        if self._tracker is None:
            from trialbook.tracking.tracker import get_tracker

            self._tracker = get_tracker(self.tracking_uri)
        return self._tracker

    @property
    def store(self) -> TrackingStore:
        """The underlying :class:`~trialbook.store.base.TrackingStore`."""
        return self.tracker.store

    def flush(self) -> None:
        """Write everything this process has buffered for this store."""
        self.tracker.writer.flush()

    # Experiments ---------------------------------------------------------------------------

    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: Mapping[str, str] | None = None
    ) -> str:
        """Create an experiment and return its id."""
        from trialbook.validation import check_key, tag_value

        checked = {check_key(k): tag_value(k, v) for k, v in (tags or {}).items()}
        return self.store.create_experiment(name, artifact_location, checked)

    def get_experiment(self, experiment_id: str) -> Experiment:
        """The experiment with this id."""
        return self.store.get_experiment(str(experiment_id))

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """The experiment with this name, or None."""
        return self.store.get_experiment_by_name(name)

    def search_experiments(
        self,
        view_type: ViewType | str | int = ViewType.ACTIVE,
        name_like: str | None = None,
        max_results: int | None = None,
    ) -> list[Experiment]:
        """Experiments ordered by name."""
        return self.store.search_experiments(ViewType.parse(view_type), name_like, max_results)

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename an experiment."""
        self.store.rename_experiment(str(experiment_id), new_name)

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete an experiment (restore it with :meth:`restore_experiment`)."""
        self.store.delete_experiment(str(experiment_id))

    def restore_experiment(self, experiment_id: str) -> None:
        """Restore a deleted experiment."""
        self.store.restore_experiment(str(experiment_id))

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        """Set a tag on an experiment."""
        from trialbook.validation import check_key, tag_value

        self.store.set_experiment_tag(str(experiment_id), check_key(key), tag_value(key, value))

    # Runs ----------------------------------------------------------------------------------

    def create_run(
        self,
        experiment_id: str,
        run_name: str | None = None,
        tags: Mapping[str, Any] | None = None,
        start_time: int | None = None,
        parent_run_id: str | None = None,
        description: str = "",
    ) -> Run:
        """Create a RUNNING run (end it with :meth:`set_terminated`)."""
        from trialbook.tracking.names import generate_run_name
        from trialbook.validation import check_key, check_text, tag_value

        checked = {check_key(k): tag_value(k, v) for k, v in (tags or {}).items()}
        check_text("description", description)
        run = self.store.create_run(
            str(experiment_id),
            check_text("run_name", run_name or generate_run_name()),
            start_time or int(time.time() * 1000),
            tags=checked,
            parent_run_id=parent_run_id,
            user_id=_user(),
            description=description,
        )
        self.tracker.adopt_new_run(run)
        _artifact_uris[(self.tracking_uri, run.info.run_id)] = run.info.artifact_uri
        return run

    def get_run(self, run_id: str) -> Run:
        """The run with this id, with everything logged so far."""
        self.flush()
        return self.store.get_run(run_id)

    def set_terminated(
        self, run_id: str, status: RunStatus | str = RunStatus.FINISHED, end_time: int | None = None
    ) -> None:
        """End a run with a status (FINISHED, FAILED or KILLED)."""
        self.tracker.terminate(run_id, RunStatus(status), end_time)

    def update_run(
        self,
        run_id: str,
        run_name: str | None = None,
        description: str | None = None,
        *,
        status: RunStatus | str | None = None,
        name: str | None = None,
    ) -> None:
        """Rename a run, change its description, or set its status (``name`` is MLflow's
        spelling of ``run_name``; a finishing status ends the run as :meth:`set_terminated`)."""
        from trialbook.validation import check_text

        run_name = run_name if run_name is not None else name
        for field, text in (("run_name", run_name), ("description", description)):
            if text is not None:
                check_text(field, text)
        if run_name is not None or description is not None:
            self.flush()
            self.store.update_run(run_id, run_name=run_name, description=description)
        if status is not None:
            parsed = RunStatus(status)
            if parsed is RunStatus.RUNNING:
                self.store.update_run(run_id, status=parsed)
            else:
                self.set_terminated(run_id, parsed)

    def get_parent_run(self, run_id: str) -> Run | None:
        """The parent of a run, or None for a top-level run."""
        parent_id = self.get_run(run_id).info.parent_run_id
        return self.get_run(parent_id) if parent_id else None

    def delete_run(self, run_id: str) -> None:
        """Soft-delete a run (restore it with :meth:`restore_run`)."""
        self.flush()
        self.store.delete_run(run_id)
        self.tracker.forget(run_id)

    def restore_run(self, run_id: str) -> None:
        """Restore a deleted run."""
        self.store.restore_run(run_id)
        self.tracker.forget(run_id)

    def search_runs(
        self,
        experiment_ids: Sequence[str] | str,
        filter_string: str = "",
        run_view_type: ViewType | str | int = ViewType.ACTIVE,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> RunPage:
        """One page of runs matching a filter (see the README for the filter language)."""
        self.flush()
        ids = [experiment_ids] if isinstance(experiment_ids, str) else list(experiment_ids)
        return self.store.search_runs(
            [str(i) for i in ids],
            filter_string,
            list(order_by or ()),
            max_results,
            ViewType.parse(run_view_type),
            page_token,
        )

    # Logging -------------------------------------------------------------------------------

    def log_metric(
        self,
        run_id: str,
        key: str,
        value: Any,
        step: int | None = None,
        timestamp: int | None = None,
    ) -> None:
        """Log a metric point."""
        self.tracker.log_metric(run_id, key, value, step, timestamp)

    def log_param(self, run_id: str, key: str, value: Any) -> None:
        """Log a param (immutable once logged)."""
        self.tracker.log_params(run_id, {key: value})

    def set_tag(self, run_id: str, key: str, value: Any) -> None:
        """Set a tag."""
        self.tracker.set_tags(run_id, {key: value})

    def delete_tag(self, run_id: str, key: str) -> None:
        """Remove a run's tag (what was buffered is written first, so a fresh tag goes too).

        Raises:
            TagNotFoundError: the run has no tag ``key``.
            StoreError: the store cannot remove tags.
        """
        store = self._tag_deletion()
        self.flush()
        store.delete_run_tag(run_id, key)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Remove an experiment's tag; raises TagNotFoundError when it has none named ``key``."""
        self._tag_deletion().delete_experiment_tag(str(experiment_id), key)

    def _tag_deletion(self) -> TagDeletion:
        store = self.store
        if not isinstance(store, TagDeletion):
            raise StoreError(
                f"The store at {self.tracking_uri} ({type(store).__name__}) cannot remove "
                "tags: set the tag to an empty value instead, or use a store that can."
            )
        return store

    def log_batch(
        self,
        run_id: str,
        metrics: Mapping[str, Any] | Sequence[Metric] | None = None,
        params: Mapping[str, Any] | Sequence[Param] | None = None,
        tags: Mapping[str, Any] | Sequence[RunTag] | None = None,
        step: int | None = None,
    ) -> None:
        """Log metrics, params and tags together.

        Each takes a mapping (metrics then all go to ``step``) or, as MLflow's ``log_batch``,
        a list of :class:`Metric` (each with its own step and timestamp), :class:`Param` or
        :class:`RunTag`.
        """
        if params:
            self.tracker.log_params(run_id, _as_mapping(params))
        if tags:
            self.tracker.set_tags(run_id, _as_mapping(tags))
        if isinstance(metrics, Mapping):
            self.tracker.log_metrics(run_id, metrics, step)
        else:
            for point in metrics or ():
                self.tracker.log_metric(run_id, point.key, point.value, point.step, point.timestamp)

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput] | None = None) -> None:
        """Record datasets the run used (``DatasetInput``s, as MLflow's client takes them)."""
        from trialbook.tracking.inputs import record

        if datasets:
            self.tracker.ensure_writable(run_id)
            record(self.store, run_id, datasets)

    def log_input(
        self,
        run_id: str,
        dataset: Any,
        context: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> None:
        """Record that the run used a dataset (from :mod:`trialbook.data`) for ``context``."""
        from trialbook.tracking.inputs import dataset_input

        self.log_inputs(run_id, [dataset_input(dataset, context, tags)])

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Every point of a metric, ordered by step."""
        self.flush()
        points, _ = self.store.get_metric_history(run_id, key)
        return points

    def get_metric_summaries(self, run_id: str) -> list[MetricSummary]:
        """Latest, minimum and maximum of each metric of a run."""
        self.flush()
        return self.store.get_metric_summaries([run_id]).get(run_id, [])

    # Artifacts -----------------------------------------------------------------------------

    def artifact_repository(self, run_id: str) -> RunArtifacts:
        """The artifact repository of a run, once the run's pending background work is done."""
        background.wait(run_id)
        return self._repository(run_id)

    def _repository(self, run_id: str) -> RunArtifacts:
        """The artifact repository of a run (its URI never changes: looked up once)."""
        if isinstance(self.store, ArtifactService):  # A tracking server: through it.
            return self.store.artifact_repository(run_id)
        key = (self.tracking_uri, run_id)
        uri = _artifact_uris.get(key)
        if uri is None:
            uri = self.store.get_run(run_id).info.artifact_uri
            if len(_artifact_uris) >= _ARTIFACT_URIS_LIMIT:
                _artifact_uris.clear()
            _artifact_uris[key] = uri
        return ArtifactRepository(uri)

    def _writable_repository(self, run_id: str) -> RunArtifacts:
        self.tracker.ensure_writable(run_id)
        repository = self._repository(run_id)
        if isinstance(repository, ArtifactRepository):  # A server checks its own writes.
            repository.write_once = tuple(self.store.registry.model_folders(run_id))
        return repository

    def log_artifact(
        self, run_id: str, local_path: str | os.PathLike[str], artifact_path: str | None = None
    ) -> str:
        """Copy a local file into the run's artifacts; return its artifact path."""
        return self._writable_repository(run_id).log_file(local_path, artifact_path)

    def log_artifacts(
        self, run_id: str, local_dir: str | os.PathLike[str], artifact_path: str | None = None
    ) -> list[str]:
        """Copy a local folder's files into the run's artifacts."""
        return self._writable_repository(run_id).log_dir(local_dir, artifact_path)

    def log_text(self, run_id: str, text: str, artifact_file: str) -> str:
        """Save ``text`` as an artifact file (UTF-8)."""
        return self._writable_repository(run_id).write_bytes(artifact_file, text.encode("utf-8"))

    def log_dict(self, run_id: str, dictionary: Any, artifact_file: str) -> str:
        """Save a dict as JSON, or as YAML when ``artifact_file`` ends in .yaml or .yml."""
        suffix = Path(artifact_file).suffix.lower()
        if suffix in (".yaml", ".yml"):
            import yaml

            text = yaml.safe_dump(dictionary, sort_keys=False, allow_unicode=True)
        else:
            text = json.dumps(dictionary, indent=2, allow_nan=True, default=str)
        return self.log_text(run_id, text, artifact_file)

    def log_bytes(self, run_id: str, data: bytes, artifact_file: str) -> str:
        """Save raw bytes as an artifact file."""
        return self._writable_repository(run_id).write_bytes(artifact_file, data)

    def log_figure(self, run_id: str, figure: Any, artifact_file: str) -> str:
        """Save a matplotlib or plotly figure; the format follows the file's extension."""
        suffix = Path(artifact_file).suffix.lower().lstrip(".")
        module = type(figure).__module__
        if module.startswith("matplotlib"):
            buffer = io.BytesIO()
            figure.savefig(buffer, format=suffix or "png")
            return self.log_bytes(run_id, buffer.getvalue(), artifact_file)
        if module.startswith("plotly"):
            if suffix == "html":
                html = figure.to_html(full_html=True, include_plotlyjs=True)
                return self.log_text(run_id, html, artifact_file)
            if suffix == "json":
                return self.log_text(run_id, figure.to_json(), artifact_file)
            return self.log_bytes(run_id, figure.to_image(format=suffix), artifact_file)
        raise TrialbookError(
            f"log_figure takes matplotlib or plotly figures, not {type(figure).__name__}."
        )

    def log_table(self, run_id: str, data: Any, artifact_file: str) -> str:
        """Save a table (dict of columns or DataFrame) as JSON; again to the same file appends rows."""
        from trialbook.tracking.media import check_table_file, table_json

        path = clean_artifact_path(artifact_file)
        check_table_file(path)
        repository = self._writable_repository(run_id)
        previous = None
        if repository.exists(path):
            with repository.open(path) as handle:
                previous = handle.read()
        return repository.write_bytes(path, table_json(data, previous).encode("utf-8"))

    def log_image(
        self,
        run_id: str,
        image: Any,
        artifact_file: str | None = None,
        key: str | None = None,
        step: int | None = None,
    ) -> str:
        """Save an image (numpy array, PIL image, matplotlib figure); return its artifact path.

        Either at ``artifact_file`` (the format follows its extension), or by ``key`` and
        ``step`` (default 0) as PNG under ``images/<key>/``, shown with a step slider.
        """
        from trialbook.tracking.media import image_bytes, image_path

        if (artifact_file is None) == (key is None):
            raise TrialbookError("log_image takes either artifact_file or key (with step).")
        if artifact_file is not None:
            if step is not None:
                raise TrialbookError("log_image: step goes with key, not with artifact_file.")
            suffix = Path(artifact_file).suffix or ".png"
            return self.log_bytes(run_id, image_bytes(image, suffix), artifact_file)
        path = image_path(str(key), 0 if step is None else step)
        return self.log_bytes(run_id, image_bytes(image, "png"), path)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        """Files and folders directly under ``path`` in the run's artifacts."""
        return self.artifact_repository(run_id).list(path)

    def download_artifacts(self, run_id: str, path: str = "", dst_path: str | None = None) -> str:
        """Copy an artifact file or folder to a local folder and return the local path."""
        dst = dst_path or tempfile.mkdtemp(prefix="trialbook-")
        return self.artifact_repository(run_id).download(clean_artifact_path(path), dst)


def _as_mapping(items: Mapping[str, Any] | Sequence[Param] | Sequence[RunTag]) -> Mapping[str, Any]:
    if isinstance(items, Mapping):
        return items
    return {item.key: item.value for item in items}


MlflowClient = TrackingClient
"""MLflow's name for the client, so that ``mlflow.MlflowClient()`` scripts run unchanged."""


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
