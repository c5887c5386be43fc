"""One autologged training call: the run it logs into, and reporting of our own errors.

Integrations subclass :class:`AutologRun` and override ``on_start``, ``on_success`` and
``on_failure``; :func:`~trialbook.autolog.patching.safe_patch` calls ``before``, ``after``
and ``failed`` inside its safety boundary.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from trialbook.autolog.patching import report_own_error
from trialbook.entities import RunStatus
from trialbook.errors import TrialbookError

if TYPE_CHECKING:
    from trialbook.autolog.integration import Integration
    from trialbook.models.signature import ModelSignature

log = logging.getLogger(__name__)

ERROR_TAG = "trialbook.autolog.error"
SOURCE_TAG = "trialbook.autolog"

_start_lock = threading.Lock()
_stacked_runs: set[str] = set()
"""Runs autolog started as the process's active run (another thread's fit may be in one)."""


class AutologRun:
    """Finds or starts the run for one training call and logs into it.

    Integrations set :attr:`training_input` (the call's ``X``) and :attr:`training_output`
    (its ``y``) when they know them: :meth:`log_model` then saves the model's signature
    (settings ``log_model_signatures``, default True) and, with ``log_input_examples``, its
    first rows as the input example. Only dtypes, shapes and the first rows are read.
    """

    training_input: Any = None
    training_output: Any = None

    def __init__(self, integration: Integration) -> None:
        self.integration = integration
        self.config = integration.config
        self.run_id: str | None = None
        self.experiment_id: str | None = None
        self.run_name: str | None = None
        self.owns_run = False
        self.detached = False
        self.skipped = False
        self._reported = False
        self._releases: list[Callable[[], None]] = []

    # Template methods called by safe_patch ---------------------------------------------------

    def before(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Start (or join) the run, then ``on_start``."""
        if not self.start():
            return args, kwargs
        return self.on_start(args, kwargs)

    def hold(self, release: Callable[[], None]) -> None:
        """Call ``release`` when the patched call ends, before anything else, however it ends."""
        self._releases.append(release)

    def _release(self) -> None:
        releases, self._releases = self._releases, []
        for release in reversed(releases):
            release()

    def after(self, result: Any) -> None:
        """``on_success``, then end the run FINISHED if autolog started it."""
        self._release()
        if self.skipped or self.run_id is None:
            return
        try:
            self.on_success(result)
        finally:
            self.finish(RunStatus.FINISHED)

    def failed(self, error: BaseException) -> None:
        """``on_failure``, then end the run FAILED (KILLED on KeyboardInterrupt)."""
        self._release()
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
        """Join the user's active run, or start one; False when ``exclusive`` forbids logging.

        A fit in a thread of its own while another thread's autologged fit is running gets a
        run of its own too (started without becoming the process's active run): only the
        user's runs are joined, never another independent fit's.
        """
        from trialbook.tracking import fluent

        all_tags = {SOURCE_TAG: self.integration.name, **(tags or {})}
        with _start_lock:
            active = fluent.active_run()
            if active is not None and active.info.run_id not in _stacked_runs:
                if self.config.exclusive:
                    self.skipped = True
                    return False
                self.run_id = active.info.run_id
                self.experiment_id = active.info.experiment_id
                self.run_name = active.info.run_name
                return True
            if active is None:
                run: Any = fluent.start_run(
                    run_name=run_name,
                    tags=all_tags,
                    log_system_metrics=True if self.config.log_system_metrics else None,
                )
                _stacked_runs.add(run.info.run_id)
        if active is not None:
            run = self._start_detached(run_name, all_tags)
            self.detached = True
        self.run_id = run.info.run_id
        self.experiment_id = run.info.experiment_id
        self.run_name = run.info.run_name
        self.owns_run = True
        return True

    def source_tags(self) -> dict[str, str]:
        """The tags marking a run as autologged by this integration (for child runs)."""
        return {SOURCE_TAG: self.integration.name}

    def _start_detached(self, run_name: str | None, tags: Mapping[str, str]) -> Any:
        from trialbook.tracking import fluent, reproducibility

        client = self.client
        all_tags = {} if reproducibility.disabled() else reproducibility.capture_fast()
        all_tags.update(tags)
        return client.create_run(
            fluent.current_experiment_id(client), run_name=run_name, tags=all_tags
        )

    def finish(self, status: RunStatus) -> None:
        """End the run if autolog started it."""
        if not self.owns_run or self.run_id is None:
            return
        self.owns_run = False
        if self.detached:
            self.client.set_terminated(self.run_id, status)
            return
        from trialbook.tracking import fluent

        try:
            fluent.end_runs_until(self.run_id, status)
        finally:
            with _start_lock:
                _stacked_runs.discard(self.run_id)

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
        """Log the model if ``log_models`` is on, with its signature and input example.

        ``registered_model_name`` (an integration setting) also registers it.
        """
        if not self.config.log_models:
            return
        from trialbook.models.store import log_model

        example = self.training_input if self.config.log_input_examples else None
        log_model(
            model,
            name,
            flavor=flavor,
            run_id=self.require_run(),
            signature=self.model_signature(),
            input_example=example,
            registered_model_name=self.config.extra.get("registered_model_name"),
        )

    def model_signature(self) -> ModelSignature | None:
        """The signature of :attr:`training_input` and :attr:`training_output`, or None.

        None when signatures are off, the input is unknown, or its types are not ones a
        signature describes (mixed object columns); an output that cannot be described is
        left out.
        """
        from trialbook.models.signature import ModelSignature, SignatureError, infer_schema

        if self.training_input is None or not self.config.extra.get("log_model_signatures", True):
            return None
        try:
            inputs = infer_schema(self.training_input)
        except SignatureError as err:
            log.debug("no model signature: %s", err)
            return None
        try:
            outputs = None if self.training_output is None else infer_schema(self.training_output)
        except SignatureError as err:
            log.debug("no output schema: %s", err)
            outputs = None
        return ModelSignature(inputs, outputs)

    def log_input_example(self, example: dict[str, Any] | None, model_name: str = "model") -> None:
        """Save an input example (see :mod:`trialbook.autolog.examples`) if asked to.

        Only without a logged model: a logged model carries its own (:meth:`log_model`).
        """
        if example is None or not self.config.log_input_examples or self.config.log_models:
            return
        import json

        from trialbook.autolog.examples import example_path

        text = json.dumps(example, allow_nan=True, default=str)
        self.log_text(text, example_path(self.config.log_models, model_name))

    @property
    def logs_datasets(self) -> bool:
        """Whether dataset inputs are recorded: ``log_datasets`` on and a store that keeps them."""
        from trialbook.store.base import DatasetInputs

        if not self.config.extra.get("log_datasets", True):
            return False
        return isinstance(self.client.store, DatasetInputs)

    def log_input(self, dataset: Any, context: str = "training") -> None:
        """Record a :class:`trialbook.data.Dataset` as an input of the run (if :attr:`logs_datasets`)."""
        if self.logs_datasets:
            self.client.log_input(self.require_run(), dataset, context)

    def log_dataset(
        self, features: Any, targets: Any = None, context: str = "training", name: str | None = None
    ) -> None:
        """Record the data of a training or evaluation call as a dataset input, by digest.

        Reads a bounded sample (:mod:`trialbook.data.digest`) and copies nothing. Skipped
        unless :attr:`logs_datasets`, and for data
        :func:`trialbook.data.from_training_data` cannot read.
        """
        if features is None or not self.logs_datasets:
            return
        from trialbook.data import from_training_data

        dataset = from_training_data(features, targets, name=name)
        if dataset is not None:
            self.client.log_input(self.require_run(), dataset, context)

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
