"""The run a Lightning callback or logger logs into, and the boundary around its hooks.

A :class:`RunBinding` finds its run lazily (an explicit id, else the active run, else a new
run it owns and ends) and is picklable: Lightning's ``ddp_spawn`` pickles callbacks and
loggers into worker processes, so :meth:`RunBinding.fix_for_copy` fixes the run first and
every copy logs into the same run. :class:`Guard` keeps trialbook's errors out of training::

    guard = Guard("TrialbookLogger")
    with guard("logging metrics", binding):
        binding.tracker.log_metrics(binding.ensure(), {"loss": 0.1}, step=3)
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from trialbook.autolog import ERROR_TAG, report_own_error, strict_from_env
from trialbook.entities import RunStatus

ORIGIN_TAG = "trialbook.lightning"
"""Tag on runs the integration creates: ``callback`` or ``logger``."""


class RunBinding:
    """Which run to log into; created on first use, ended only if this binding started it.

    Args:
        run_id: Log into this existing run (never ended here).
        experiment_name: Experiment for a new run (default: the current experiment).
        run_name: Name of a new run.
        tags: Tags of a new run.
        tracking_uri: Where to log (default: ``trialbook.get_tracking_uri()`` when first used).
        origin: Value of the ``trialbook.lightning`` tag on a new run.
    """

    def __init__(
        self,
        run_id: str | None = None,
        *,
        experiment_name: str | None = None,
        run_name: str | None = None,
        tags: Mapping[str, Any] | None = None,
        tracking_uri: str | None = None,
        origin: str = "callback",
    ) -> None:
        self.run_id = run_id
        self.owned = False
        self.explicit = run_id is not None
        self.pinned = False
        """Whether :meth:`fix_for_copy` settled the run: copies keep it for their next fit."""
        self.experiment_name = experiment_name
        self.run_name = run_name
        self.tags = dict(tags or {})
        self.tracking_uri = tracking_uri
        self.origin = origin
        self._uri_given = tracking_uri is not None
        self._client: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_client"] = None
        return state

    @property
    def client(self) -> Any:
        """A TrackingClient on this binding's tracking URI (recreated after unpickling)."""
        if self._client is None:
            import trialbook

            self.tracking_uri = self.tracking_uri or trialbook.get_tracking_uri()
            self._client = trialbook.TrackingClient(self.tracking_uri)
        return self._client

    @property
    def tracker(self) -> Any:
        """The client's buffered write path (the cheapest way to log)."""
        return self.client.tracker

    def ensure(self) -> str:
        """The run id: the given run, else the active run, else a new run owned here."""
        if self.run_id is not None:
            return self.run_id
        import trialbook

        client = self.client
        same_store = client.tracking_uri == trialbook.get_tracking_uri()
        experiment_id = self._experiment_id(client)
        active = trialbook.active_run() if same_store else None
        if active is not None and experiment_id in (None, active.info.experiment_id):
            self.run_id = active.info.run_id
            return self.run_id
        tags = {ORIGIN_TAG: self.origin, **self.tags}
        if same_store and active is None:
            run: Any = trialbook.start_run(
                experiment_id=experiment_id, run_name=self.run_name, tags=tags
            )
        else:
            run = self._create(client, experiment_id, tags)
        self.run_id = run.info.run_id
        self.owned = True
        return self.run_id

    def join(self, run_id: str, tracking_uri: str) -> None:
        """Log into another logger's run (never ended here)."""
        self.run_id, self.owned = run_id, False
        if tracking_uri != self.tracking_uri:
            self.tracking_uri, self._client = tracking_uri, None

    def refresh(self) -> None:
        """Before a new fit: forget a run found earlier, unless given or settled for copies."""
        if self.pinned:
            return
        if not self.explicit:
            self.run_id, self.owned = None, False
        if not self._uri_given:
            self.tracking_uri, self._client = None, None

    def fix_for_copy(self) -> None:
        """Settle the run and the tracking URI before this binding is copied or pickled.

        A new run is created through the client, not made active: the copies (worker
        processes) log into it and end it.
        """
        client = self.client
        self.pinned = True
        if self.run_id is not None:
            return
        import trialbook

        active = trialbook.active_run()
        experiment_id = self._experiment_id(client)
        if (
            active is not None
            and client.tracking_uri == trialbook.get_tracking_uri()
            and experiment_id in (None, active.info.experiment_id)
        ):
            self.run_id = active.info.run_id
            return
        run = self._create(client, experiment_id, {ORIGIN_TAG: self.origin, **self.tags})
        self.run_id = run.info.run_id
        self.owned = True

    def _create(self, client: Any, experiment_id: str | None, tags: Mapping[str, Any]) -> Any:
        if experiment_id is None:
            import trialbook
            from trialbook.tracking.fluent import get_experiment_id

            if client.tracking_uri == trialbook.get_tracking_uri():
                experiment_id = get_experiment_id()
            else:
                name = os.environ.get("TRIALBOOK_EXPERIMENT_NAME") or "Default"
                experiment_id = str(client.store.get_or_create_experiment(name).experiment_id)
        return client.create_run(experiment_id, run_name=self.run_name, tags=tags)

    def _experiment_id(self, client: Any) -> str | None:
        if self.experiment_name is None:
            return None
        found = client.get_experiment_by_name(self.experiment_name)
        if found is not None:
            return str(found.experiment_id)
        return str(client.store.get_or_create_experiment(self.experiment_name).experiment_id)

    def end(self, status: RunStatus) -> None:
        """End the run if this binding started it; write everything buffered either way."""
        if self.run_id is None:
            return
        if not self.owned:
            self.client.flush()
            return
        import trialbook

        self.owned = False
        active = trialbook.active_run()
        if active is not None and active.info.run_id == self.run_id:
            trialbook.end_run(status)
        else:
            self.client.set_terminated(self.run_id, status)


class Guard:
    """Turns trialbook's own errors inside Lightning hooks into one warning and a run tag.

    Lightning calls the callback's and logger's hooks from inside training; like the
    safe-patch boundary of autologging, these hooks must never stop training. Strict mode
    (``TRIALBOOK_AUTOLOG_STRICT=1``, or ``strict=True``) re-raises instead, for tests.
    """

    def __init__(self, owner: str, *, strict: bool | None = None, silent: bool = False) -> None:
        self.owner = owner
        self.strict = strict
        self.silent = silent
        self.warned = False

    @contextmanager
    def __call__(self, where: str, binding: RunBinding | None = None) -> Iterator[None]:
        """Run the block; report an ``Exception`` it raises instead of propagating it."""
        try:
            yield
        except Exception as error:  # noqa: BLE001 - the safety boundary: training must go on
            self.report(error, where, binding)

    def report(self, error: Exception, where: str, binding: RunBinding | None) -> None:
        """Warn once per owner object and record the error on the run; raise when strict."""
        run_id = None if binding is None else binding.run_id
        report_own_error(
            error,
            f"{self.owner} failed {where}",
            strict=strict_from_env() if self.strict is None else self.strict,
            warn=not self.warned and not self.silent,
            record=None
            if binding is None or run_id is None
            else lambda message: binding.tracker.set_tags(run_id, {ERROR_TAG: message}),
        )
        self.warned = True
