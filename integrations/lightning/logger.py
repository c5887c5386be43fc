"""``TrialbookLogger``: a Lightning ``Logger`` that writes to trialbook.

::

    from trialbook.integrations.lightning import TrialbookLogger

    logger = TrialbookLogger(experiment_name="mnist", run_name="baseline")
    trainer = Trainer(max_epochs=5, logger=logger)
    trainer.fit(model, datamodule=dm)        # self.log(...) in the module ends up in trialbook
    logger.run_id                            # == logger.version

Metrics keep the step Lightning gives (the global step); hparams are flattened with ``/``
(``optimizer/lr``). After each save of a ModelCheckpoint the best and last checkpoint files
are logged as ``checkpoints/best.ckpt`` and ``checkpoints/last.ckpt`` with
``checkpoints/checkpoints.json`` (original file names, score, monitor);
``log_checkpoints="all"`` logs every saved file under its own name, ``False`` none.
``finalize`` ends the run FINISHED (FAILED when training failed) if the logger started it.

The run is the one given (``run_id``), else the active run, else a run the logger starts on
first use. Only rank zero logs. Copies and pickles of the logger (``ddp_spawn``) log into the
same run: pickling starts it if needed. Its own errors become one warning and a run tag;
training goes on. The class is built for the installed Lightning namespace; for the other one
use ``trialbook.integrations.lightning.logger_class("pytorch_lightning")``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from argparse import Namespace
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from typing_extensions import override

from trialbook.entities import RunStatus
from trialbook.errors import ParamConflictError
from trialbook.integrations.lightning import collect, namespaces
from trialbook.integrations.lightning.runs import Guard, RunBinding

if TYPE_CHECKING:
    from lightning.pytorch.callbacks import ModelCheckpoint
    from lightning.pytorch.loggers import Logger as _LoggerBase
else:
    _LoggerBase = object

CHECKPOINT_FOLDER = "checkpoints"
MANIFEST_FILE = "checkpoints.json"


class LoggerCore(_LoggerBase):  # type: ignore[misc,unused-ignore]
    """The namespace-independent body of ``TrialbookLogger`` (see the module docstring).

    Args:
        experiment_name: Experiment of a run the logger starts (default: the current one).
        run_name: Name of a run the logger starts.
        run_id: Log into this existing run (the logger never ends it).
        tags: Tags of a run the logger starts.
        tracking_uri: Where to log (default: the tracking URI when logging starts).
        log_checkpoints: ``True``: best and last checkpoint; ``"all"``: every saved file.
    """

    namespace: ClassVar[str]

    def __init__(
        self,
        experiment_name: str | None = None,
        run_name: str | None = None,
        run_id: str | None = None,
        tags: Mapping[str, Any] | None = None,
        tracking_uri: str | None = None,
        log_checkpoints: bool | Literal["all"] = True,
    ) -> None:
        super().__init__()
        self.binding = RunBinding(
            run_id,
            experiment_name=experiment_name,
            run_name=run_name,
            tags=tags,
            tracking_uri=tracking_uri,
            origin="logger",
        )
        self.log_checkpoints = log_checkpoints
        self.guard = Guard("TrialbookLogger")
        self._experiment_name = experiment_name
        self._uploaded: dict[str, tuple[str, int, int]] = {}

    def _global_zero(self) -> bool:
        return namespaces.is_global_zero(self.namespace)

    # Pickling (ddp_spawn) and copies --------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        if self._global_zero():
            with self.guard("choosing the run before being copied", self.binding):
                self.binding.fix_for_copy()
        return dict(self.__dict__)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_new_logger, (self.namespace,), self.__getstate__())

    # Identity ------------------------------------------------------------------------------

    @property
    def run_id(self) -> str | None:
        """The run's id; starts the run on rank zero; None on other ranks until known."""
        if self.binding.run_id is None and self._global_zero():
            with self.guard("starting the run", self.binding):
                self.binding.ensure()
        return self.binding.run_id

    @property
    @override
    def name(self) -> str | None:
        """The experiment's name."""
        if self._experiment_name is None and self._global_zero():
            run_id = self.run_id
            if run_id is not None:
                with self.guard("reading the experiment", self.binding):
                    client = self.binding.client
                    experiment_id = client.get_run(run_id).info.experiment_id
                    self._experiment_name = client.get_experiment(experiment_id).name
        return self._experiment_name

    @property
    @override
    def version(self) -> str | None:
        """The run id."""
        return self.run_id

    def _experiment(self) -> Any:
        """A ``trialbook.TrackingClient`` on the logger's store (pass it ``logger.run_id``)."""
        self.run_id  # noqa: B018 - starts the run
        return self.binding.client

    experiment = property(_experiment)

    # Logging -------------------------------------------------------------------------------

    @override
    def log_hyperparams(
        self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any
    ) -> None:
        """Log hparams, nested dicts and Namespaces flattened as ``a/b``."""
        with self.guard("logging hyperparameters", self.binding):
            flat = collect.flatten(params)
            if not flat:
                return
            run_id = self.binding.ensure()
            tracker = self.binding.tracker
            try:
                tracker.log_params(run_id, flat)
            except ParamConflictError:
                for key, value in flat.items():
                    with self.guard(f"logging hyperparameter {key!r}", self.binding):
                        tracker.log_params(run_id, {key: value})

    @override
    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Log metrics at Lightning's step."""
        clean = collect.clean_key
        try:
            run_id = self.binding.run_id or self.binding.ensure()
            self.binding.tracker.log_metrics(
                run_id, {clean(k): v for k, v in metrics.items()}, step
            )
        except Exception as error:  # noqa: BLE001 - the safety boundary: training must go on
            self.guard.report(error, "logging metrics", self.binding)

    @override
    def save(self) -> None:
        """Nothing to do: trialbook writes in the background (Lightning calls this per log)."""

    @override
    def finalize(self, status: str) -> None:
        """End the run FINISHED (``"success"``) or FAILED if the logger started it."""
        with self.guard("ending the run", self.binding):
            done = status in ("success", "finished")
            self.binding.end(RunStatus.FINISHED if done else RunStatus.FAILED)

    @override
    def after_save_checkpoint(self, checkpoint_callback: ModelCheckpoint) -> None:
        """Log the best and last checkpoint files (or all, or none) after each save."""
        if not self.log_checkpoints:
            return
        with self.guard("logging checkpoints", self.binding):
            self._log_checkpoints(checkpoint_callback)

    # Checkpoints ---------------------------------------------------------------------------

    def _log_checkpoints(self, callback: Any) -> None:
        best, last = callback.best_model_path, callback.last_model_path
        if self.log_checkpoints == "all":
            sources = [*callback.best_k_models, best, last]
            files = {os.path.basename(p): p for p in sources if p}
        else:
            files = {"best.ckpt": best, "last.ckpt": last}
        changed = False
        for name, source in files.items():
            if source and os.path.isfile(source):
                changed = self._upload(source, name) or changed
        if changed:
            score = callback.best_model_score
            manifest = {
                "monitor": callback.monitor,
                "mode": callback.mode,
                "best": os.path.basename(best) if best else None,
                "best_model_score": None if score is None else float(score),
                "last": os.path.basename(last) if last else None,
                "files": {name: os.path.basename(p) for name, p in files.items() if p},
            }
            self.binding.client.log_text(
                self.binding.ensure(),
                json.dumps(manifest, indent=2),
                f"{CHECKPOINT_FOLDER}/{MANIFEST_FILE}",
            )

    def _upload(self, source: str, name: str) -> bool:
        """Log ``source`` as ``checkpoints/<name>`` unless that file was logged unchanged."""
        real = os.path.realpath(source)
        stat = os.stat(real)
        key = (real, stat.st_mtime_ns, stat.st_size)
        if self._uploaded.get(name) == key:
            return False
        run_id = self.binding.ensure()
        client = self.binding.client
        if os.path.basename(real) == name:
            client.log_artifact(run_id, real, CHECKPOINT_FOLDER)
        else:
            # A hard link in the checkpoint's own folder renames it without copying.
            with tempfile.TemporaryDirectory(
                prefix=".trialbook-", dir=os.path.dirname(real)
            ) as tmp:
                target = Path(tmp) / name
                try:
                    os.link(real, target)
                except OSError:
                    shutil.copyfile(real, target)
                client.log_artifact(run_id, target, CHECKPOINT_FOLDER)
        self._uploaded[name] = key
        return True


def _build(namespace: str) -> type[Any]:
    package = namespaces.load(namespace)
    rank_zero_only = namespaces.load(f"{namespace}.utilities").rank_zero_only
    rank_zero_experiment = namespaces.load(f"{namespace}.loggers.logger").rank_zero_experiment
    body: dict[str, Any] = {
        "namespace": namespace,
        "__module__": __name__,
        "__doc__": LoggerCore.__doc__,
        "experiment": property(rank_zero_experiment(LoggerCore._experiment)),
    }
    for method in ("log_hyperparams", "log_metrics", "save", "finalize", "after_save_checkpoint"):
        body[method] = rank_zero_only(getattr(LoggerCore, method))
    return type("TrialbookLogger", (LoggerCore, package.loggers.Logger), body)


_classes = namespaces.PerNamespace(_build)


def logger_class(namespace: str | None = None) -> type[Any]:
    """``TrialbookLogger`` for a Lightning namespace (default: ``lightning.pytorch``).

    Args:
        namespace: ``"lightning.pytorch"`` (or ``"lightning"``) or ``"pytorch_lightning"``.
    """
    return _classes.get(namespace)


def _new_logger(namespace: str) -> Any:
    """An empty logger of the namespace's class; unpickling fills in its state."""
    cls: Any = logger_class(namespace)
    return cls.__new__(cls)


def __getattr__(name: str) -> Any:
    if name == "TrialbookLogger":
        return logger_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
