"""One autologged training call: the run it logs into, and reporting of our own errors.

Integrations subclass :class:`AutologRun` and override ``on_start``, ``on_success`` and
``on_failure``; :func:`~trialbook.autolog.patching.safe_patch` calls ``before``, ``after``
and ``failed`` inside its safety boundary.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trialbook.autolog.patching import report_own_error
from trialbook.entities import RunStatus
from trialbook.errors import TrialbookError

if TYPE_CHECKING:
    from trialbook.autolog.integration import Integration

log = logging.getLogger(__name__)

ERROR_TAG = "trialbook.autolog.error"
SOURCE_TAG = "trialbook.autolog"


class AutologRun:
    """Finds or starts the run for one training call and logs into it."""

    def __init__(self, integration: Integration) -> None:
        self.integration = integration
        self.config = integration.config
        self.run_id: str | None = None
        self.owns_run = False
        self.skipped = False
        self._reported = False

    # Template methods called by safe_patch ---------------------------------------------------

    def before(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Start (or join) the run, then ``on_start``."""
        if not self.start():
            return args, kwargs
        return self.on_start(args, kwargs)

    def after(self, result: Any) -> None:
        """``on_success``, then end the run FINISHED if autolog started it."""
        if self.skipped or self.run_id is None:
            return
        try:
            self.on_success(result)
        finally:
            self.finish(RunStatus.FINISHED)

    def failed(self, error: BaseException) -> None:
        """``on_failure``, then end the run FAILED (KILLED on KeyboardInterrupt)."""
        if self.skipped or self.run_id is None:
            return
        try:
            self.on_failure(error)
        finally:
            killed = isinstance(error, KeyboardInterrupt)
            self.finish(RunStatus.KILLED if killed else RunStatus.FAILED)

    def on_start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Log what is known before training; may return changed arguments (callbacks)."""
        return args, kwargs

    def on_success(self, result: Any) -> None:
        """Log what training produced."""

    def on_failure(self, error: BaseException) -> None:
        """Log what can be logged after training raised (the error itself propagates)."""

    # Runs --------------------------------------------------------------------------------

    def start(self, run_name: str | None = None, tags: Mapping[str, str] | None = None) -> bool:
        """Join the user's active run, or start one; False when ``exclusive`` forbids logging."""
        from trialbook.tracking import fluent

        active = fluent.active_run()
        if active is not None:
            if self.config.exclusive:
                self.skipped = True
                return False
            self.run_id = active.info.run_id
            return True
        run = fluent.start_run(
            run_name=run_name,
            tags={SOURCE_TAG: self.integration.name, **(tags or {})},
            log_system_metrics=True if self.config.log_system_metrics else None,
        )
        self.run_id = run.info.run_id
        self.owns_run = True
        return True

    def finish(self, status: RunStatus) -> None:
        """End the run if autolog started it."""
        if self.owns_run and self.run_id is not None:
            from trialbook.tracking import fluent

            fluent.end_runs_until(self.run_id, status)
            self.owns_run = False

    # Logging helpers -----------------------------------------------------------------------

    def require_run(self) -> str:
        """The run id; raises when called before :meth:`start` found a run."""
        if self.run_id is None:
            raise TrialbookError("autologging tried to log before a run was started")
        return self.run_id

    @property
    def client(self) -> Any:
        """A TrackingClient for the current tracking URI."""
        from trialbook.tracking.client import TrackingClient

        return TrackingClient()

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log params, skipping any that conflict with values the user logged."""
        from trialbook.errors import ParamConflictError

        run_id = self.require_run()
        tracker = self.client.tracker
        for key, value in params.items():
            try:
                tracker.log_params(run_id, {key: value})
            except ParamConflictError as err:
                self.report(err, f"logging param {key!r}")

    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Log metrics at one step."""
        self.client.tracker.log_metrics(self.require_run(), metrics, step)

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Set tags on the run."""
        self.client.tracker.set_tags(self.require_run(), tags)

    def log_model(self, model: Any, name: str = "model", flavor: str | None = None) -> None:
        """Log the model if ``log_models`` is on."""
        if not self.config.log_models:
            return
        from trialbook.models.store import log_model

        log_model(model, name, flavor=flavor, run_id=self.require_run())

    def log_input_example(self, example: dict[str, Any] | None, model_name: str = "model") -> None:
        """Save an input example (see :mod:`trialbook.autolog.examples`) if asked to."""
        if example is None or not self.config.log_input_examples:
            return
        import json

        from trialbook.autolog.examples import example_path

        text = json.dumps(example, allow_nan=True, default=str)
        self.log_text(text, example_path(self.config.log_models, model_name))

    def log_dict(self, data: Any, artifact_file: str) -> None:
        """Save a dict as a JSON/YAML artifact of the run."""
        self.client.log_dict(self.require_run(), data, artifact_file)

    def log_text(self, text: str, artifact_file: str) -> None:
        """Save text as an artifact of the run."""
        self.client.log_text(self.require_run(), text, artifact_file)

    # Errors --------------------------------------------------------------------------------

    def report(self, error: BaseException, where: str) -> None:
        """Our own failure: re-raise in strict mode, else warn once and tag the run."""
        run_id = self.run_id
        report_own_error(
            error,
            f"{self.integration.name} autologging failed {where}",
            strict=self.config.is_strict,
            warn=not self._reported and not self.config.silent,
            record=None
            if run_id is None
            else lambda message: self.client.tracker.set_tags(run_id, {ERROR_TAG: message}),
        )
        self._reported = True
