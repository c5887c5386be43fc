"""The :class:`~trialbook.store.base.TrackingStore` of a tracking server, over HTTP.

``trialbook.store.factory.get_store("http://host:5000")`` returns one, so the whole Python API
logs to a server with no other change::

    TRIALBOOK_TRACKING_URI=http://host:5000 TRIALBOOK_TRACKING_TOKEN=tbk_... python train.py

``log_metric`` stays in memory (the same buffered writer as the embedded store); the writer's
background thread sends batches of packed columns, gzip-compressed, each with a ``batch_id``
so a resent batch is applied once. Artifacts go through the server
(:meth:`RestStore.artifact_repository`).
"""

from __future__ import annotations

import functools
import os
import uuid
import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from trialbook.entities import (
    DatasetInput,
    Experiment,
    Metric,
    MetricSummary,
    Run,
    RunStatus,
    ViewType,
)
from trialbook.errors import RunExistsError
from trialbook.store.base import Batch, DeferredSummaries, MetricArrays, RunPage
from trialbook.store.rest import ARTIFACTS_SCHEME
from trialbook.store.rest.artifacts import HttpArtifactRepository
from trialbook.store.rest.batching import request_parts
from trialbook.store.rest.errors import ServerError
from trialbook.store.rest.limits import (
    CLIENT_ARRAY_RUNS,
    CLIENT_HISTORY_PAGE,
    CLIENT_SEARCH_PAGE,
)
from trialbook.store.rest.transport import Transport
from trialbook.store.rest.wire import (
    batch_json,
    dataset_input_json,
    experiment_from_json,
    metric_from_json,
    run_from_json,
    summary_from_json,
    table_from_json,
    unpack_series,
)
from trialbook.store.tables import RunTable

if TYPE_CHECKING:
    import httpx

    from trialbook.store.rest.registry import RestRegistry

_stores: weakref.WeakSet[RestStore] = weakref.WeakSet()


class RestStore:
    """A tracking store served by ``trialbook server``."""

    idempotent_batches = True
    """Asks the buffered writer to give every batch a ``batch_id`` (resent batches apply once)."""

    def __init__(
        self, uri: str, token: str | None = None, http_transport: httpx.BaseTransport | None = None
    ) -> None:
        self.tracking_uri = uri
        self.artifact_root = f"{ARTIFACTS_SCHEME}/"
        self.http = Transport(uri, token, http_transport)
        _stores.add(self)

    def close(self) -> None:
        """Close the HTTP connections."""
        self.http.close()

    def artifact_repository(self, run_id: str) -> HttpArtifactRepository:
        """A run's artifacts, reached through the server."""
        return HttpArtifactRepository(self.http, run_id)

    @functools.cached_property
    def registry(self) -> RestRegistry:
        """The server's model registry."""
        from trialbook.store.rest.registry import RestRegistry

        return RestRegistry(self.http)

    # Experiments ---------------------------------------------------------------------------

    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: Mapping[str, str] | None = None
    ) -> str:
        """Create an experiment (the server chooses where its artifacts go)."""
        body = {"name": name, "artifact_location": artifact_location, "tags": dict(tags or {})}
        return str(
            self.http.call("POST", "/experiments", body=body, idempotent=False)["experiment_id"]
        )

    def get_or_create_experiment(self, name: str) -> Experiment:
        """The active experiment named ``name``, created if missing."""
        data = self.http.call("POST", "/experiments/get-or-create", body={"name": name})
        return experiment_from_json(data)

    def get_experiment(self, experiment_id: str) -> Experiment:
        """The experiment with this id."""
        return experiment_from_json(
            self.http.call("GET", f"/experiments/{_segment(experiment_id)}")
        )

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """The experiment with this name, or None."""
        found = self.http.call("GET", "/experiments/by-name", params={"name": name})["experiment"]
        return None if found is None else experiment_from_json(found)

    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE,
        name_like: str | None = None,
        max_results: int | None = None,
    ) -> list[Experiment]:
        """Experiments ordered by name."""
        params = {
            "view_type": ViewType.parse(view_type).value,
            "name_like": name_like,
            "max_results": max_results,
        }
        found = self.http.call("GET", "/experiments", params=params)["experiments"]
        return [experiment_from_json(e) for e in found]

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename an experiment."""
        self.http.call("PATCH", f"/experiments/{_segment(experiment_id)}", body={"name": new_name})

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete an experiment."""
        self.http.call("POST", f"/experiments/{_segment(experiment_id)}/delete")

    def restore_experiment(self, experiment_id: str) -> None:
        """Restore a deleted experiment."""
        self.http.call("POST", f"/experiments/{_segment(experiment_id)}/restore")

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        """Set an experiment tag."""
        body = {"key": key, "value": value}
        self.http.call("PUT", f"/experiments/{_segment(experiment_id)}/tags", body=body)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Remove an experiment's tag; raise TagNotFoundError when it has no such tag."""
        body = {"key": key}
        self.http.call("POST", f"/experiments/{_segment(experiment_id)}/tags/delete", body=body)

    def experiment_stats(self) -> dict[str, tuple[int, int | None]]:
        """Experiment id to (active runs, last activity in ms)."""
        stats = self.http.call("GET", "/experiments/stats")["stats"]
        return {k: (int(n), None if t is None else int(t)) for k, (n, t) in stats.items()}

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
        """Create a RUNNING run; the id is chosen here, so a resent request creates one run."""
        chosen = run_id or uuid.uuid4().hex
        body = {
            "experiment_id": str(experiment_id),
            "run_name": run_name,
            "start_time": start_time,
            "tags": dict(tags or {}),
            "parent_run_id": parent_run_id,
            "user_id": user_id,
            "run_id": chosen,
            "description": description,
        }
        try:
            return run_from_json(self.http.call("POST", "/runs", body=body))
        except RunExistsError:
            if run_id is not None:
                raise
            found = self.get_run(chosen)  # Our own earlier attempt got through.
            if (found.info.experiment_id, found.info.start_time) != (
                str(experiment_id),
                start_time,
            ):
                raise
            return found

    def get_run(self, run_id: str) -> Run:
        """The run with this id."""
        return run_from_json(self.http.call("GET", f"/runs/{_segment(run_id)}"))

    def update_run(
        self,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
        description: str | None = None,
    ) -> None:
        """Change a run's status, end time, name or description."""
        body: dict[str, Any] = {}
        if status is not None:
            body["status"] = RunStatus(status).value
        for name, value in (("end_time", end_time), ("run_name", run_name)):
            if value is not None:
                body[name] = value
        if description is not None:
            body["description"] = description
        self.http.call("PATCH", f"/runs/{_segment(run_id)}", body=body)

    def heartbeat(self, run_ids: Sequence[str], now: int) -> None:
        """Tell the server these runs' process is alive (the server uses its own clock)."""
        for start in range(0, len(run_ids), 1000):
            chunk = list(run_ids[start : start + 1000])
            self.http.call("POST", "/runs/heartbeat", body={"run_ids": chunk})

    def delete_run_tag(self, run_id: str, key: str) -> None:
        """Remove a run's tag; raise TagNotFoundError when the run has no such tag."""
        self.http.call("POST", f"/runs/{_segment(run_id)}/tags/delete", body={"key": key})

    def reap_dead_runs_now(self) -> None:
        """Ask the server to mark runs without a recent heartbeat as KILLED now."""
        self.http.call("POST", "/runs/reap")

    def delete_run(self, run_id: str) -> None:
        """Soft-delete a run."""
        self.http.call("POST", f"/runs/{_segment(run_id)}/delete")

    def restore_run(self, run_id: str) -> None:
        """Restore a deleted run."""
        self.http.call("POST", f"/runs/{_segment(run_id)}/restore")

    def purge_runs(self, run_ids: Sequence[str]) -> None:
        """Remove deleted runs, their data and (on the server) their artifacts for good."""
        for start in range(0, len(run_ids), 1000):
            chunk = list(run_ids[start : start + 1000])
            self.http.call("POST", "/runs/purge", body={"run_ids": chunk})

    def deleted_runs(self, older_than: int | None = None) -> list[Run]:
        """Soft-deleted runs (before ``older_than`` ms), every page of them."""
        runs: list[Run] = []
        token: str | None = None
        while True:
            params = {"older_than": older_than, "page_token": token}
            found = self.http.call("GET", "/runs/deleted", params=params)
            runs += [run_from_json(r) for r in found["runs"]]
            token = found.get("next_page_token")
            if token is None:
                return runs

    def log_inputs(self, run_id: str, dataset_inputs: Sequence[DatasetInput]) -> None:
        """Link datasets to a run on the server (DatasetInputs)."""
        if not dataset_inputs:
            return
        body = {"datasets": [dataset_input_json(i) for i in dataset_inputs]}
        self.http.call("POST", f"/runs/{_segment(run_id)}/inputs", body=body)

    # Data ----------------------------------------------------------------------------------

    def write_batch(self, batch: Batch) -> None:
        """Send a batch (split when large), applied once per ``batch_id`` by the server."""
        if not batch:
            return
        batch_id = batch.batch_id or uuid.uuid4().hex
        for part in request_parts(batch, batch_id):
            self.http.call("POST", "/batches", body=batch_json(part))

    def get_metric_history(
        self, run_id: str, key: str, max_results: int | None = None, page_token: str | None = None
    ) -> tuple[list[Metric], str | None]:
        """A metric's points by step, one page at a time (all of them without max_results)."""
        points: list[Metric] = []
        token = page_token
        while True:
            wanted = CLIENT_HISTORY_PAGE if max_results is None else max_results - len(points)
            params = {
                "key": key,
                "max_results": min(wanted, CLIENT_HISTORY_PAGE),
                "page_token": token,
            }
            page = self.http.call("GET", f"/runs/{_segment(run_id)}/metrics/history", params=params)
            points.extend(metric_from_json(m) for m in page["metrics"])
            token = page["next_page_token"]
            if token is None or (max_results is not None and len(points) >= max_results):
                return points, token

    def get_metric_arrays(self, run_id: str, key: str) -> MetricArrays:
        """A metric's whole history as numpy arrays."""
        data = self.http.call(
            "GET", f"/runs/{_segment(run_id)}/metrics/arrays", params={"key": key}
        )
        return MetricArrays(*unpack_series(data, f"history of {key!r}"))

    def get_many_metric_arrays(
        self, run_ids: Sequence[str], keys: Sequence[str]
    ) -> dict[tuple[str, str], MetricArrays]:
        """Every existing ``(run_id, key)`` pair's history, :data:`CLIENT_ARRAY_RUNS` runs
        per request."""
        return self._histories("/metrics/arrays", run_ids, keys)

    def _histories(
        self, path: str, run_ids: Sequence[str], keys: Sequence[str]
    ) -> dict[tuple[str, str], MetricArrays]:
        found: dict[tuple[str, str], MetricArrays] = {}
        if not keys:
            return found
        for start in range(0, len(run_ids), CLIENT_ARRAY_RUNS):
            body = {"run_ids": list(run_ids[start : start + CLIENT_ARRAY_RUNS]), "keys": list(keys)}
            for item in self.http.call("POST", path, body=body)["histories"]:
                arrays = unpack_series(item, f"history of {item['key']!r}")
                found[(str(item["run_id"]), str(item["key"]))] = MetricArrays(*arrays)
        return found

    @functools.cached_property
    def overview_buckets(self) -> int:
        """The resolution of the server's overviews, asked once (0: it keeps none, or is a
        version without them; charts then read whole histories)."""
        try:
            answer = self.http.call("GET", "/metrics/overviews")
        except ServerError as err:
            if err.status != 404:
                raise
            return 0
        return int(answer["overview_buckets"])

    def get_metric_overviews(
        self, run_ids: Sequence[str], keys: Sequence[str]
    ) -> dict[tuple[str, str], MetricArrays]:
        """Every existing pair's history, long stretches by the server's stored overviews,
        :data:`CLIENT_ARRAY_RUNS` runs per request."""
        return self._histories("/metrics/overviews", run_ids, keys)

    def get_metric_summaries(self, run_ids: Sequence[str]) -> dict[str, list[MetricSummary]]:
        """Latest, min and max of every metric of the given runs."""
        result: dict[str, list[MetricSummary]] = {}
        for start in range(0, len(run_ids), 1000):
            chunk = list(run_ids[start : start + 1000])
            found = self.http.call("POST", "/metrics/summaries", body={"run_ids": chunk})
            for run_id, summaries in found["summaries"].items():
                result[run_id] = [summary_from_json(s) for s in summaries]
        return result

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        order_by: Sequence[str] = (),
        max_results: int = 1000,
        view_type: ViewType = ViewType.ACTIVE,
        page_token: str | None = None,
    ) -> RunPage:
        """Runs matching a filter, in order: up to ``max_results`` and the next page's token."""
        runs: list[Run] = []
        token = page_token
        while True:  # A first request even for max_results < 1: the server refuses it.
            table = self.search_run_table(
                experiment_ids,
                filter_string,
                order_by,
                max_results - len(runs),
                view_type,
                token,
                summaries=False,
            )
            runs.extend(table.runs())
            token = table.next_page_token
            if token is None or len(runs) >= max_results:
                break
        ids = [run.info.run_id for run in runs]
        summaries = DeferredSummaries(lambda: self.get_metric_summaries(ids) if ids else {})
        return RunPage(runs=runs, next_page_token=token, summaries=summaries)

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
        """One page of runs matching a filter as a table (at most the client's page size)."""
        body = {
            "experiment_ids": [str(e) for e in experiment_ids],
            "filter_string": filter_string,
            "order_by": list(order_by),
            "max_results": min(max_results, CLIENT_SEARCH_PAGE),
            "view_type": ViewType.parse(view_type).value,
            "page_token": page_token,
            "format": "table",
            "summaries": summaries,
        }
        return table_from_json(self.http.call("POST", "/runs/search", body=body))

    def child_counts(
        self,
        experiment_ids: Sequence[str],
        parent_ids: Sequence[str],
        filter_string: str = "",
        view_type: ViewType = ViewType.ACTIVE,
    ) -> dict[str, int]:
        """How many runs matching the filter each parent has; parents with none left out."""
        counts: dict[str, int] = {}
        for start in range(0, len(parent_ids), CLIENT_SEARCH_PAGE):
            body = {
                "experiment_ids": [str(e) for e in experiment_ids],
                "parent_ids": list(parent_ids[start : start + CLIENT_SEARCH_PAGE]),
                "filter_string": filter_string,
                "view_type": ViewType.parse(view_type).value,
            }
            found = self.http.call("POST", "/runs/child-counts", body=body)["counts"]
            counts.update({str(k): int(v) for k, v in found.items()})
        return counts

    def count_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        view_type: ViewType = ViewType.ACTIVE,
    ) -> int:
        """How many runs match a filter."""
        body = {
            "experiment_ids": [str(e) for e in experiment_ids],
            "filter_string": filter_string,
            "view_type": ViewType.parse(view_type).value,
        }
        return int(self.http.call("POST", "/runs/count", body=body)["count"])


def _segment(value: str) -> str:
    """A path segment, percent-encoded (an id with '/' cannot reach another route)."""
    from urllib.parse import quote

    return quote(str(value), safe="")


def _reset_after_fork() -> None:
    for store in list(_stores):
        store.http.after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
