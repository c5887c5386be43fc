"""The module-level tracking API (``trialbook.start_run``, ``trialbook.log_metric``, ...).

::

    import trialbook

    trialbook.set_experiment("mnist")
    with trialbook.start_run(run_name="baseline") as run:
        trialbook.log_params({"lr": 0.01, "layers": 3})
        for epoch in range(10):
            trialbook.log_metric("loss", 1 / (epoch + 1), step=epoch)

Logging without an active run starts one; it is ended when the interpreter exits.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from trialbook.entities import Experiment, LifecycleStage, Run, RunStatus, ViewType
from trialbook.errors import ActiveRunError, DeletedRunError, ExperimentNotFoundError
from trialbook.tracking.current_uri import current_uri, set_current_uri

if TYPE_CHECKING:
    from trialbook.store.base import RunTables
    from trialbook.store.tables import RunTable
    from trialbook.tracking.client import TrackingClient

DEFAULT_EXPERIMENT = "Default"

_experiment_name: str | None = None
_experiment_id: str | None = None
_run_stack: list[ActiveRun] = []
_last_run_id: str | None = None
_stack_lock = threading.RLock()
_top: tuple[str, Any] | None = None
"""(run id, tracker) of the active run: the hot path of log_metric reads only this."""


@dataclass(frozen=True)
class ActiveRun(Run):
    """The run returned by :func:`start_run`; a context manager that ends it."""

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            status = RunStatus.FINISHED
        elif issubclass(kind, KeyboardInterrupt):
            status = RunStatus.KILLED
        else:
            status = RunStatus.FAILED
        end_runs_until(self.info.run_id, status)


# Tracking URI and experiment -------------------------------------------------------------


def set_tracking_uri(uri: str | os.PathLike[str]) -> None:
    """Log to ``uri``: a folder, ``sqlite:///file.db``, ``postgresql://...`` or a server's URL.

    Raises ActiveRunError while a run is active: end it first.
    """
    global _experiment_id
    if _run_stack:
        raise ActiveRunError(
            f"Run {_run_stack[-1].info.run_id} is active; end it before changing the tracking URI."
        )
    text = os.fspath(uri)
    if "://" not in text:
        text = str(Path(text).expanduser().resolve())
    set_current_uri(text)
    _experiment_id = None


def get_tracking_uri() -> str:
    """The tracking URI in use, with its scheme (``TRIALBOOK_TRACKING_URI``, else the folder
    ``./.trialbook``); a folder reads as ``sqlite:///<folder>/trialbook.db``."""
    return current_uri()


def _client() -> TrackingClient:
    from trialbook.tracking.client import TrackingClient

    return TrackingClient(get_tracking_uri())


def set_experiment(
    experiment_name: str | None = None, experiment_id: str | None = None
) -> Experiment:
    """Make an experiment current, creating it (by name) if it does not exist."""
    global _experiment_name, _experiment_id
    client = _client()
    if experiment_id is not None:
        experiment = client.get_experiment(str(experiment_id))
    elif experiment_name is not None:
        experiment = client.store.get_or_create_experiment(experiment_name)
    else:
        raise ValueError("set_experiment needs experiment_name or experiment_id.")
    _experiment_name, _experiment_id = experiment.name, experiment.experiment_id
    return experiment


def create_experiment(
    name: str, artifact_location: str | None = None, tags: Mapping[str, Any] | None = None
) -> str:
    """Create an experiment and return its id (an existing name raises)."""
    return _client().create_experiment(name, artifact_location, tags)


def get_experiment(experiment_id: str) -> Experiment:
    """The experiment with this id (ExperimentNotFoundError if there is none)."""
    return _client().get_experiment(str(experiment_id))


def get_experiment_by_name(name: str) -> Experiment | None:
    """The experiment with this name, or None."""
    return _client().get_experiment_by_name(name)


def delete_experiment(experiment_id: str) -> None:
    """Soft-delete an experiment and hide its runs (``TrackingClient.restore_experiment``
    brings it back); a current experiment that is deleted stops being current."""
    global _experiment_name, _experiment_id
    _client().delete_experiment(str(experiment_id))
    if _experiment_id == str(experiment_id):
        _experiment_name = _experiment_id = None


def set_experiment_tag(key: str, value: Any) -> None:
    """Set a tag on the current experiment."""
    client = _client()
    client.set_experiment_tag(current_experiment_id(client), key, value)


def set_experiment_tags(tags: Mapping[str, Any]) -> None:
    """Set several tags on the current experiment."""
    client = _client()
    experiment_id = current_experiment_id(client)
    for key, value in tags.items():
        client.set_experiment_tag(experiment_id, key, value)


def current_experiment_id(client: Any) -> str:
    """The id of the experiment new runs go to: set_experiment's, the environment's, or Default."""
    global _experiment_id
    if _experiment_id is None:
        env_id = os.environ.get("TRIALBOOK_EXPERIMENT_ID")
        if env_id:
            _experiment_id = client.get_experiment(env_id).experiment_id
        else:
            name = (
                _experiment_name
                or os.environ.get("TRIALBOOK_EXPERIMENT_NAME")
                or DEFAULT_EXPERIMENT
            )
            _experiment_id = client.store.get_or_create_experiment(name).experiment_id
    return _experiment_id


def get_experiment_id() -> str:
    """The id of the current experiment, where ``start_run`` puts new runs (created if needed)."""
    return current_experiment_id(_client())


# Runs ------------------------------------------------------------------------------------


def start_run(
    run_id: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
    parent_run_id: str | None = None,
    log_system_metrics: bool | None = None,
) -> ActiveRun:
    """Start a run (or resume ``run_id``) and make it active.

    Use it as a context manager: the run ends FINISHED, FAILED on an exception or KILLED on
    KeyboardInterrupt. ``nested=True`` starts a child of the active run.
    ``log_system_metrics`` samples CPU, memory, disk, network and GPU while the run is active
    (None: as ``autolog(log_system_metrics=...)`` or ``TRIALBOOK_LOG_SYSTEM_METRICS`` say).
    """
    from trialbook.tracking import lifecycle, reproducibility

    client = _client()
    with _stack_lock:
        if _run_stack and not nested:
            current = _run_stack[-1].info.run_id
            raise ActiveRunError(
                f"Run {current} is already active. End it with trialbook.end_run(), or start a "
                "child with start_run(nested=True)."
            )
        parent = parent_run_id or (_run_stack[-1].info.run_id if _run_stack else None)
        if run_id is not None:
            run = _resume(client, run_id, tags, description)
        else:
            exp_id = (
                str(experiment_id) if experiment_id is not None else current_experiment_id(client)
            )
            all_tags = {} if reproducibility.disabled() else reproducibility.capture_fast()
            reproduces = os.environ.get("TRIALBOOK_REPRODUCES")  # set by `runs reproduce`
            if reproduces and parent is None:
                all_tags["trialbook.reproduces"] = reproduces
            all_tags.update(tags or {})
            run = client.create_run(
                exp_id,
                run_name=run_name,
                tags=all_tags,
                parent_run_id=parent,
                description=description or "",
            )
            if not reproducibility.disabled():
                _capture_in_background(client, run.info.run_id)
        active = ActiveRun(info=run.info, data=run.data)
        _run_stack.append(active)
        client.tracker.mark_alive(run.info.run_id, True)
        _set_top()
    lifecycle.install(_end_all)
    _notify_started(active, log_system_metrics)
    return active


def _resume(
    client: Any, run_id: str, tags: Mapping[str, Any] | None, description: str | None
) -> Run:
    run = client.get_run(run_id)
    if run.info.lifecycle_stage is LifecycleStage.DELETED:
        raise DeletedRunError(run_id)
    client.store.update_run(run_id, status=RunStatus.RUNNING, description=description)
    if tags:
        client.tracker.set_tags(run_id, tags)
    return client.get_run(run_id)  # type: ignore[no-any-return]


def _capture_in_background(client: Any, run_id: str) -> None:
    # The capture's artifact writes import fsspec, which imports concurrent.futures.thread; that
    # module refuses to load once the interpreter shuts down, where a short script's exit waits
    # for the capture. Loading it here (once per process) keeps the diff of short scripts.
    import concurrent.futures.thread  # noqa: F401

    from trialbook.tracking import background, reproducibility

    def capture() -> None:
        captured = reproducibility.capture_slow(Path.cwd())
        if captured.tags:
            client.tracker.set_tags(run_id, captured.tags)
        repo = client.artifact_repository(run_id)
        for path, text in captured.artifacts.items():
            repo.write_bytes(path, text.encode("utf-8"))

    background.submit(run_id, capture)


def active_run() -> ActiveRun | None:
    """The active run, or None."""
    return _run_stack[-1] if _run_stack else None


def last_active_run() -> Run | None:
    """The active run, or else the last run this process ended."""
    if _run_stack:
        return _run_stack[-1]
    return _client().get_run(_last_run_id) if _last_run_id else None


def delete_run(run_id: str) -> None:
    """Soft-delete a run (``TrackingClient.restore_run`` brings it back)."""
    _client().delete_run(run_id)


def get_parent_run(run_id: str) -> Run | None:
    """The parent of a run, or None for a top-level run."""
    client = _client()
    parent_id = client.get_run(run_id).info.parent_run_id
    return client.get_run(parent_id) if parent_id else None


def end_run(status: RunStatus | str = RunStatus.FINISHED) -> None:
    """End the active run (if any) with ``status``; everything logged is written first."""
    with _stack_lock:
        if not _run_stack:
            return
        _end_top(RunStatus(status))


def _set_top() -> None:
    global _top
    if not _run_stack:
        _top = None
        return
    from trialbook.tracking.tracker import get_tracker

    _top = (_run_stack[-1].info.run_id, get_tracker(get_tracking_uri()))


def _end_top(status: RunStatus) -> None:
    global _last_run_id
    run = _run_stack.pop()
    _set_top()
    run_id = run.info.run_id
    # The reproducibility capture may still be running: it writes into the ended run (that is
    # allowed), and exit waits for it, so ending a run never waits for git or package scans.
    client = _client()
    client.tracker.terminate(run_id, status)
    _last_run_id = run_id
    _notify_ended(run_id, status)


def end_runs_until(run_id: str, status: RunStatus) -> None:
    """End the active runs, innermost first, down to ``run_id`` (nothing if it is not active)."""
    with _stack_lock:
        if not any(r.info.run_id == run_id for r in _run_stack):
            return
        while _run_stack:
            top = _run_stack[-1].info.run_id
            _end_top(status)
            if top == run_id:
                return


def _end_all(status: RunStatus) -> None:
    with _stack_lock:
        while _run_stack:
            _end_top(status)
    flush()


def flush() -> None:
    """Write everything this process logged so far, background work (reproducibility) included.

    Ending a run already writes its data; this also waits for the work that outlives runs.
    Background threads end by themselves once idle, so nothing else needs shutting down.
    """
    from trialbook.tracking import background

    background.wait()  # reproducibility captures and other work still writing into runs
    from trialbook.tracking.writer import flush_all

    flush_all()


def _notify_started(run: Run, log_system_metrics: bool | None) -> None:
    from trialbook.plugins import manager

    manager.call_run_started(run, log_system_metrics)


def _notify_ended(run_id: str, status: RunStatus) -> None:
    from trialbook.plugins import manager

    manager.call_run_ended(run_id, status)


def current_run_id() -> str:
    """The id of the run logging calls log into: the active run, started when there is none."""
    run = _run_stack[-1] if _run_stack else None
    if run is None:
        run = start_run()
    return run.info.run_id


# Logging ---------------------------------------------------------------------------------


def log_metric(
    key: str,
    value: float,
    step: int | None = None,
    timestamp: int | None = None,
    run_id: str | None = None,
) -> None:
    """Log a metric point; ``step`` defaults to one past the key's last step (0 first)."""
    top = _top
    if top is not None and run_id is None:
        top[1].log_metric(top[0], key, value, step, timestamp)
        return
    _tracker_for_logging().log_metric(run_id or current_run_id(), key, value, step, timestamp)


def log_metrics(
    metrics: Mapping[str, float],
    step: int | None = None,
    timestamp: int | None = None,
    run_id: str | None = None,
) -> None:
    """Log several metrics at one step."""
    _tracker_for_logging().log_metrics(run_id or current_run_id(), metrics, step, timestamp)


def log_param(key: str, value: Any) -> Any:
    """Log a param; logging the same value again is fine, another value raises."""
    _tracker_for_logging().log_params(current_run_id(), {key: value})
    return value


def log_params(params: Mapping[str, Any]) -> None:
    """Log several params; all are checked before any is logged."""
    _tracker_for_logging().log_params(current_run_id(), params)


def set_tag(key: str, value: Any) -> None:
    """Set a tag on the active run."""
    _tracker_for_logging().set_tags(current_run_id(), {key: value})


def set_tags(tags: Mapping[str, Any]) -> None:
    """Set several tags on the active run."""
    _tracker_for_logging().set_tags(current_run_id(), tags)


def delete_tag(key: str) -> None:
    """Remove a tag of the active run (TagNotFoundError when it has none named ``key``)."""
    _client().delete_tag(current_run_id(), key)


_tracker_cache: tuple[str, Any] | None = None


def _tracker_for_logging() -> Any:
    """The tracker for the current URI, cached for the hot path."""
    global _tracker_cache
    uri = get_tracking_uri()
    cached = _tracker_cache
    if cached is not None and cached[0] == uri:
        return cached[1]
    from trialbook.tracking.tracker import get_tracker

    tracker = get_tracker(uri)
    _tracker_cache = (uri, tracker)
    return tracker


def log_artifact(local_path: str | os.PathLike[str], artifact_path: str | None = None) -> str:
    """Copy a local file into the active run's artifacts."""
    return _client().log_artifact(current_run_id(), local_path, artifact_path)


def log_artifacts(local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> list[str]:
    """Copy a local folder into the active run's artifacts."""
    return _client().log_artifacts(current_run_id(), local_dir, artifact_path)


def log_text(text: str, artifact_file: str) -> str:
    """Save text as an artifact file."""
    return _client().log_text(current_run_id(), text, artifact_file)


def log_dict(dictionary: Any, artifact_file: str) -> str:
    """Save a dict as a JSON or YAML (by extension) artifact file."""
    return _client().log_dict(current_run_id(), dictionary, artifact_file)


def log_figure(figure: Any, artifact_file: str) -> str:
    """Save a matplotlib or plotly figure as an artifact file."""
    return _client().log_figure(current_run_id(), figure, artifact_file)


def get_artifact_uri(artifact_path: str | None = None) -> str:
    """The URI of the active run's artifacts (or of one artifact in them)."""
    from trialbook.artifacts import clean_artifact_path

    run = _client().get_run(current_run_id())
    rel = clean_artifact_path(artifact_path)
    return run.info.artifact_uri + (f"/{rel}" if rel else "")


# Reading ---------------------------------------------------------------------------------


def get_run(run_id: str) -> Run:
    """The run with this id."""
    return _client().get_run(run_id)


def search_experiments(
    view_type: ViewType | str | int = ViewType.ACTIVE,
    name_like: str | None = None,
    max_results: int | None = None,
) -> list[Experiment]:
    """Experiments, by name."""
    return _client().search_experiments(view_type, name_like, max_results)


def search_runs(
    experiment_ids: Sequence[str] | None = None,
    filter_string: str = "",
    run_view_type: ViewType | str | int = ViewType.ACTIVE,
    max_results: int = 100_000,
    order_by: Sequence[str] | None = None,
    output_format: str = "pandas",
    search_all_experiments: bool = False,
    experiment_names: Sequence[str] | None = None,
    run_view: ViewType | str | None = None,
) -> Any:
    """Runs matching a filter, as a pandas DataFrame (``output_format="list"``: a list of runs).

    Searches ``experiment_ids`` and ``experiment_names``; with neither, the current experiment,
    or every experiment when ``search_all_experiments`` is true (MLflow's arguments, in
    MLflow's order). Columns: ``run_id``, ``run_name``, ``experiment_id``, ``status``,
    ``artifact_uri``, ``start_time``, ``end_time``, ``params.<k>``, ``metrics.<k>`` (latest
    value), ``tags.<k>``. ``run_view`` (``"active"``, ``"deleted"`` or ``"all"``) is another
    name for ``run_view_type``.
    """
    if output_format not in ("pandas", "list"):
        raise ValueError(f"output_format must be 'pandas' or 'list', not {output_format!r}.")
    if run_view is not None:
        run_view_type = run_view
    client = _client()
    ids = [str(i) for i in experiment_ids or ()]
    for name in experiment_names or ():
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise ExperimentNotFoundError(name)
        ids.append(experiment.experiment_id)
    if not ids and search_all_experiments:
        ids = [e.experiment_id for e in client.search_experiments(ViewType.ALL)]
        if not ids:
            return [] if output_format == "list" else _frame([])
    elif not ids:
        ids = [current_experiment_id(client)]
    from trialbook.store.base import RunTables

    store = client.store
    if output_format == "pandas" and isinstance(store, RunTables):
        client.flush()
        return _frame_of_tables(
            store, ids, filter_string, ViewType.parse(run_view_type), max_results, order_by or ()
        )
    found: list[Run] = []
    token = None
    while len(found) < max_results:
        page = client.search_runs(
            ids, filter_string, run_view_type, min(1000, max_results - len(found)), order_by, token
        )
        found.extend(page)
        token = page.token
        if token is None:
            break
    return found if output_format == "list" else _frame(found)


def _frame_of_tables(
    store: RunTables,
    ids: list[str],
    filter_string: str,
    view_type: ViewType,
    max_results: int,
    order_by: Sequence[str],
) -> Any:
    """The DataFrame of the search, read as tables (without metric summaries)."""
    from trialbook.tracking.frames import tables_to_frame

    pages: list[RunTable] = []
    count = 0
    token = None
    while count < max_results:
        page = store.search_run_table(
            ids, filter_string, list(order_by), max_results - count, view_type, token, False
        )
        pages.append(page)
        count += len(page)
        token = page.next_page_token
        if token is None:
            break
    return tables_to_frame(pages)


def _frame(runs: Sequence[Run]) -> Any:
    from trialbook.tracking.frames import runs_to_frame

    return runs_to_frame(runs)


def reset() -> None:
    """End every active run (KILLED) and forget the URI, experiment and caches (for tests)."""
    global _experiment_name, _experiment_id, _last_run_id, _tracker_cache
    _end_all(RunStatus.KILLED)
    from trialbook.tracking.tracker import close_trackers

    close_trackers()
    set_current_uri(None)
    _experiment_name = _experiment_id = _last_run_id = None
    _tracker_cache = None
