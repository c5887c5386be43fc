"""``TrialbookCallback``: log a Lightning training to trialbook while keeping any logger.

::

    from trialbook.integrations.lightning import TrialbookCallback

    trainer = Trainer(max_epochs=5, callbacks=[TrialbookCallback()])
    trainer.fit(model, datamodule=dm)
    trainer.test(model, datamodule=dm)       # test metrics go to the same run

What it logs (names in :mod:`trialbook.integrations.lightning.collect`): at fit start the
module's and datamodule's hparams, trainer settings, optimizers, LR schedulers, EarlyStopping
and ModelCheckpoint settings and the ``seed_everything`` seed; when training starts the
tensors behind its dataloaders as dataset inputs (``log_datasets``); after each training epoch
every callback metric (training and validation) with ``step = epoch`` (0-based, so a metric's
history has one point per epoch in which it was logged) and each param group's learning rate
(a ``LearningRateMonitor``'s ``lr-*`` metrics too, each at the epoch whose rate it is);
test metrics after ``trainer.test``; at fit end the early-stopping outcome, the best checkpoint
(tag ``checkpoint/best_model_path``, metric ``checkpoint/best_model_score``), the model
(``model/``: the best checkpoint's weights when a ModelCheckpoint saved one, else the final
weights; ``trialbook.load_model`` returns a LightningModule; its signature is the first
training batch's input dtype and shape) and ``model_summary.txt``.

Only the global-zero process logs. It logs into ``run_id`` if given, else into the run of a
``TrialbookLogger`` of the same Trainer (and leaves metrics and hparams to it), else the active
run, else a run it starts and ends with the fit. Its own errors become one warning and a run
tag; training goes on. The class is built for the installed Lightning namespace; for the
other one use ``trialbook.integrations.lightning.callback_class("pytorch_lightning")``.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from typing_extensions import override

from trialbook.entities import RunStatus
from trialbook.errors import ParamConflictError
from trialbook.integrations.lightning import collect, namespaces
from trialbook.integrations.lightning.runs import Guard, RunBinding
from trialbook.models.signature import ModelSignature, Schema, infer_schema

if TYPE_CHECKING:
    from lightning.pytorch import Callback as _CallbackBase
    from lightning.pytorch import LightningModule, Trainer
else:
    _CallbackBase = object

MODEL_NAME = "model"
SUMMARY_FILE = "model_summary.txt"


class CallbackCore(_CallbackBase):  # type: ignore[misc,unused-ignore]
    """The namespace-independent body of ``TrialbookCallback`` (see the module docstring).

    Args:
        run_id: Log into this existing run.
        log_models: Log the trained model at fit end.
        log_datasets: Record the tensors behind the fit's dataloaders as dataset inputs
            (:mod:`~trialbook.integrations.lightning.datasets`).
        experiment_name: Experiment of a run the callback starts (default: the current one).
        run_name: Name of a run the callback starts.
        tags: Tags of a run the callback starts.
        tracking_uri: Where to log (default: the tracking URI when logging starts).
    """

    namespace: ClassVar[str]

    def __init__(
        self,
        *,
        run_id: str | None = None,
        log_models: bool = True,
        log_datasets: bool = True,
        experiment_name: str | None = None,
        run_name: str | None = None,
        tags: Mapping[str, Any] | None = None,
        tracking_uri: str | None = None,
    ) -> None:
        super().__init__()
        self.binding = RunBinding(
            run_id,
            experiment_name=experiment_name,
            run_name=run_name,
            tags=tags,
            tracking_uri=tracking_uri,
            origin="callback",
        )
        self.log_models = log_models
        self.log_datasets = log_datasets
        self.guard = Guard("TrialbookCallback")
        self.interrupted = False
        """Whether the last fit ended with KeyboardInterrupt (read by autolog)."""
        self._via_logger = False
        self._pending_epoch: int | None = None
        self._logged: dict[str, tuple[Any, float]] = {}
        self._input_schema: Schema | None = None

    @property
    def run_id(self) -> str | None:
        """The run this callback logs into (None until it first logs)."""
        return self.binding.run_id

    # Pickling (ddp_spawn) and copies --------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        if namespaces.is_global_zero(self.namespace):
            with self.guard("choosing the run before being copied", self.binding):
                self.binding.fix_for_copy()
        state = dict(self.__dict__)
        state["_logged"] = {}
        return state

    def __reduce__(self) -> tuple[Any, ...]:
        return (_new_callback, (self.namespace,), self.__getstate__())

    # Fit ----------------------------------------------------------------------------------

    @override
    def on_fit_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        self._pending_epoch = None
        self._logged = {}
        self._input_schema = None
        self._via_logger = False
        self.interrupted = False
        self.binding.refresh()
        with self.guard("at fit start", self.binding):
            self._start(trainer)
            datamodule = getattr(trainer, "datamodule", None)
            params = {} if self._via_logger else collect.hyperparameters(pl_module, datamodule)
            params.update(collect.trainer_settings(trainer))
            params.update(collect.optimizer_settings(trainer))
            params.update(collect.scheduler_settings(trainer))
            stopping = trainer.early_stopping_callback
            if stopping is not None:
                params.update(collect.early_stopping_settings(stopping))
            checkpoint = self._model_checkpoint(trainer)
            if checkpoint is not None:
                params.update(collect.checkpoint_settings(checkpoint))
            self._log_params(params)

    @override
    def on_train_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not trainer.is_global_zero or not self.log_datasets:
            return
        with self.guard("recording datasets", self.binding):
            from trialbook.integrations.lightning.datasets import fit_datasets
            from trialbook.store.base import DatasetInputs

            client = self.binding.client
            if not isinstance(client.store, DatasetInputs):
                return
            run_id = self.binding.ensure()
            for dataset, context in fit_datasets(trainer):
                client.log_input(run_id, dataset, context)

    @override
    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        with self.guard("at epoch start", self.binding):
            self._log_finished_epoch(trainer)
            rates = collect.learning_rates(trainer)
            if rates:
                self.binding.tracker.log_metrics(
                    self.binding.ensure(), rates, step=trainer.current_epoch
                )

    @override
    def on_train_batch_start(
        self, trainer: Trainer, pl_module: LightningModule, batch: Any, batch_idx: int
    ) -> None:
        if batch_idx == 0 and trainer.is_global_zero and not self._via_logger:
            # A LearningRateMonitor puts the new epoch's rates into callback_metrics at epoch
            # start, before or after this callback's own hook: they are logged here, once
            # every callback's epoch start has run, at the epoch they belong to.
            with self.guard("logging learning rates", self.binding):
                keys = _rate_monitor_keys(trainer)
                metrics = {k: v for k, v in trainer.callback_metrics.items() if k in keys}
                changed = self._changed(metrics)
                if changed:
                    self.binding.tracker.log_metrics(
                        self.binding.ensure(), changed, step=trainer.current_epoch
                    )
        if self._input_schema is not None or not self.log_models or not trainer.is_global_zero:
            return
        with self.guard("reading the first batch's shape", self.binding):
            self._input_schema = batch_input_schema(batch)

    @override
    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        # Metrics the module logs in its own on_train_epoch_end arrive after this hook, so
        # the epoch is logged when the next one starts, or when training ends.
        if trainer.is_global_zero:
            self._pending_epoch = trainer.current_epoch

    @override
    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        with self.guard("at train end", self.binding):
            self._log_finished_epoch(trainer)

    @override
    def on_fit_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        with self.guard("at fit end", self.binding):
            self._log_finished_epoch(trainer)
            self._log_outcome(trainer)
            self._log_summary(pl_module)
            if self.log_models:
                self._log_model(trainer, pl_module)
        with self.guard("ending the run", self.binding):
            self.binding.end(RunStatus.FINISHED)

    @override
    def on_exception(
        self, trainer: Trainer, pl_module: LightningModule, exception: BaseException
    ) -> None:
        if not trainer.is_global_zero:
            return
        self.interrupted = isinstance(exception, KeyboardInterrupt)
        with self.guard("after training failed", self.binding):
            self._log_finished_epoch(trainer)
            self.binding.end(RunStatus.KILLED if self.interrupted else RunStatus.FAILED)

    # Test ---------------------------------------------------------------------------------

    @override
    def on_test_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        with self.guard("at test start", self.binding):
            self._start(trainer)

    @override
    def on_test_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        with self.guard("logging test metrics", self.binding):
            metrics = collect.metric_values(trainer.callback_metrics)
            if metrics and not self._via_logger:
                self.binding.tracker.log_metrics(self.binding.ensure(), metrics)
        with self.guard("ending the run", self.binding):
            self.binding.end(RunStatus.FINISHED)

    # Helpers ------------------------------------------------------------------------------

    def _start(self, trainer: Trainer) -> None:
        """Find the run: explicit, a TrialbookLogger's, the active one, or a new one."""
        from trialbook.integrations.lightning.logger import LoggerCore

        if self.binding.run_id is None:
            for logger in trainer.loggers:
                if isinstance(logger, LoggerCore) and logger.run_id is not None:
                    self.binding.join(logger.run_id, logger.binding.client.tracking_uri)
                    self._via_logger = True
                    break
        self.binding.ensure()

    def _model_checkpoint(self, trainer: Trainer) -> Any:
        namespace = namespaces.namespace_of(trainer) or self.namespace
        model_checkpoint = namespaces.load(namespace).callbacks.ModelCheckpoint
        for callback in trainer.checkpoint_callbacks:
            if isinstance(callback, model_checkpoint):
                return callback
        return None

    def _log_params(self, params: Mapping[str, str]) -> None:
        run_id = self.binding.ensure()
        tracker = self.binding.tracker
        try:
            tracker.log_params(run_id, params)
        except ParamConflictError:
            for key, value in params.items():
                with self.guard(f"logging param {key!r}", self.binding):
                    tracker.log_params(run_id, {key: value})

    def _log_finished_epoch(self, trainer: Trainer) -> None:
        epoch, self._pending_epoch = self._pending_epoch, None
        if epoch is None or self._via_logger:
            return
        keys = _rate_monitor_keys(trainer)  # The new epoch's rates, logged at its first batch.
        changed = self._changed(
            {k: v for k, v in trainer.callback_metrics.items() if k not in keys}
        )
        if changed:
            self.binding.tracker.log_metrics(self.binding.ensure(), changed, step=epoch)

    def _changed(self, metrics: Mapping[str, Any]) -> dict[str, float]:
        """Metrics updated since they were last logged.

        Lightning keeps the last value of a metric that was not logged again (validation
        every other epoch): that value is the same object as before, so it is skipped.
        """
        found: dict[str, float] = {}
        logged = self._logged
        for key, value in metrics.items():
            if getattr(value, "ndim", 0) != 0:
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            last = logged.get(key)
            if last is not None and last[0] is value and _same(last[1], number):
                continue
            logged[key] = (value, number)
            found[collect.clean_key(key)] = number
        return found

    def _log_outcome(self, trainer: Trainer) -> None:
        run_id = self.binding.ensure()
        tracker = self.binding.tracker
        stopping = trainer.early_stopping_callback
        if stopping is not None:
            tracker.log_metrics(run_id, collect.early_stopping_results(stopping))
        checkpoint = self._model_checkpoint(trainer)
        if checkpoint is not None and checkpoint.best_model_path:
            tracker.set_tags(run_id, {"checkpoint/best_model_path": checkpoint.best_model_path})
            score = checkpoint.best_model_score
            if score is not None and math.isfinite(float(score)):
                tracker.log_metrics(run_id, {"checkpoint/best_model_score": float(score)})

    def _log_summary(self, pl_module: LightningModule) -> None:
        namespace = namespaces.namespace_of(pl_module) or self.namespace
        summary_module = namespaces.load(f"{namespace}.utilities.model_summary")
        summary = summary_module.ModelSummary(pl_module, max_depth=1)
        self.binding.client.log_text(self.binding.ensure(), f"{summary}\n", SUMMARY_FILE)

    def _log_model(self, trainer: Trainer, pl_module: LightningModule) -> None:
        from trialbook.integrations.lightning.flavor import LightningCheckpoint, class_path
        from trialbook.models.store import save_model_folder

        checkpoint = self._model_checkpoint(trainer)
        best = checkpoint.best_model_path if checkpoint is not None else ""
        model: Any = pl_module
        source = "final_weights"
        if best and os.path.isfile(best):
            model, source = LightningCheckpoint(pl_module, best), "best_checkpoint"
        run_id = self.binding.ensure()
        extra = {
            "run_id": run_id,
            "artifact_path": MODEL_NAME,
            "class": class_path(type(pl_module)).replace(":", "."),
            "weights": source,
        }
        signature = None if self._input_schema is None else ModelSignature(self._input_schema)
        with tempfile.TemporaryDirectory(prefix="trialbook-model-") as tmp:
            folder = Path(tmp) / MODEL_NAME
            save_model_folder(model, folder, "lightning", extra, signature=signature)
            self.binding.client.log_artifacts(run_id, folder, MODEL_NAME)


def batch_input_schema(batch: Any) -> Schema | None:
    """The schema of a training batch's input: the batch itself, or its first item.

    Only a tensor's dtype and shape are read (``-1`` rows); other batches give None.
    """
    first = batch[0] if isinstance(batch, (tuple, list)) and batch else batch
    if not (hasattr(first, "dtype") and hasattr(first, "shape")):
        return None
    return infer_schema(first)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _build(namespace: str) -> type[Any]:
    return type(
        "TrialbookCallback",
        (CallbackCore, namespaces.load(namespace).Callback),
        {"namespace": namespace, "__module__": __name__, "__doc__": CallbackCore.__doc__},
    )


_classes = namespaces.PerNamespace(_build)


def callback_class(namespace: str | None = None) -> type[Any]:
    """``TrialbookCallback`` for a Lightning namespace (default: ``lightning.pytorch``).

    Args:
        namespace: ``"lightning.pytorch"`` (or ``"lightning"``) or ``"pytorch_lightning"``.
    """
    return _classes.get(namespace)


def _new_callback(namespace: str) -> Any:
    """An empty callback of the namespace's class; unpickling fills in its state."""
    cls: Any = callback_class(namespace)
    return cls.__new__(cls)


def __getattr__(name: str) -> Any:
    if name == "TrialbookCallback":
        return callback_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _rate_monitor_keys(trainer: Any) -> set[str]:
    """The metric names of the Trainer's LearningRateMonitor callbacks (``lr-Adam``, ...)."""
    namespace = namespaces.namespace_of(trainer)
    if namespace is None:
        return set()
    monitor = namespaces.load(namespace).callbacks.LearningRateMonitor
    keys: set[str] = set()
    for callback in trainer.callbacks:
        if isinstance(callback, monitor):
            keys.update(callback.lrs)
    return keys
