"""Autologging for Lightning: ``Trainer.fit`` and ``Trainer.test`` of each namespace.

``fit`` adds a ``TrialbookCallback`` bound to autolog's run for the duration of the call,
unless the Trainer already has a trialbook logger or callback (those log by themselves).
The Trainer's ``callbacks`` list is not mutated: the Trainer gets a new list with the callback
appended, and afterwards the list it had (or, if Lightning replaced the list during ``fit``,
Lightning's list without our callback). ``test`` after an autologged ``fit`` of the same
Trainer logs test metrics into that fit's run (or into the active run); otherwise it logs
nothing. Processes other than rank zero (``strategy="ddp"`` re-runs the script) never log.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from trialbook.autolog import AutologRun
from trialbook.entities import RunStatus
from trialbook.integrations.lightning import namespaces

if TYPE_CHECKING:
    from trialbook.integrations.lightning import LightningIntegration

_fit_runs: weakref.WeakKeyDictionary[Any, tuple[str, str]] = weakref.WeakKeyDictionary()
"""Trainer -> (tracking URI, run id) of its last autologged fit."""


def has_trialbook(trainer: Any) -> bool:
    """Whether the Trainer already logs to trialbook through our logger or callback."""
    from trialbook.integrations.lightning.callback import CallbackCore
    from trialbook.integrations.lightning.logger import LoggerCore

    return any(isinstance(c, CallbackCore) for c in trainer.callbacks) or any(
        isinstance(lg, LoggerCore) for lg in trainer.loggers
    )


class _TrainerCall(AutologRun):
    """Adds a bound TrialbookCallback to the Trainer for one call and removes it after."""

    integration: LightningIntegration

    def __init__(self, integration: LightningIntegration) -> None:
        super().__init__(integration)
        self.trainer: Any = None
        self.callback: Any = None
        self._swapped: tuple[list[Any], list[Any]] | None = None

    def applies(self, trainer: Any) -> bool:
        """Whether to log this call at all."""
        return namespaces.is_global_zero(self.integration.namespace) and not has_trialbook(trainer)

    def attach(self, trainer: Any, run_id: str) -> None:
        """Give the Trainer a new callbacks list with a callback bound to ``run_id``."""
        from trialbook.integrations.lightning.callback import callback_class

        callback = callback_class(self.integration.namespace)(
            run_id=run_id,
            log_models=self.config.log_models,
            log_datasets=bool(self.config.extra.get("log_datasets", True)),
            tracking_uri=self.client.tracking_uri,
        )
        callback.guard.strict = self.config.strict
        callback.guard.silent = self.config.silent
        original = trainer.callbacks
        swapped = [*original, callback]
        trainer.callbacks = swapped
        self.trainer, self.callback, self._swapped = trainer, callback, (original, swapped)

    def detach(self) -> None:
        """Undo :meth:`attach` exactly."""
        if self._swapped is None:
            return
        original, swapped = self._swapped
        self._swapped = None
        trainer, callback = self.trainer, self.callback
        if trainer.callbacks is swapped:
            trainer.callbacks = original
        else:  # Lightning rebuilt the list during the call: drop only our callback.
            trainer.callbacks[:] = [c for c in trainer.callbacks if c is not callback]

    @property
    def killed(self) -> bool:
        return self.callback is not None and bool(self.callback.interrupted)

    def after(self, result: Any) -> None:
        try:
            self.detach()
        finally:
            super().after(result)

    def failed(self, error: BaseException) -> None:
        try:
            self.detach()
        finally:
            if self.killed and not (self.skipped or self.run_id is None):
                self.finish(RunStatus.KILLED)
            super().failed(error)


class FitRun(_TrainerCall):
    """One autologged ``Trainer.fit``: the run lives as long as the call."""

    def before(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if not self.applies(args[0]):
            self.skipped = True
            return args, kwargs
        return super().before(args, kwargs)

    def on_start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        trainer = args[0]
        run_id = self.require_run()
        self.attach(trainer, run_id)
        _fit_runs[trainer] = (self.client.tracking_uri, run_id)
        return args, kwargs


class TestRun(_TrainerCall):
    """One autologged ``Trainer.test``: logs into the fit's run or the active run only."""

    def before(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        import trialbook

        trainer = args[0]
        if not self.applies(trainer):
            self.skipped = True
            return args, kwargs
        known = _fit_runs.get(trainer)
        active = trialbook.active_run()
        if known is not None and known[0] == self.client.tracking_uri:
            self.run_id = known[1]
        elif active is not None and not self.config.exclusive:
            self.run_id = active.info.run_id
        else:
            self.skipped = True
            return args, kwargs
        self.attach(trainer, self.run_id)
        return args, kwargs


def patch_trainer(integration: LightningIntegration) -> None:
    """Patch ``Trainer.fit`` and ``Trainer.test`` of the integration's namespace."""
    trainer = namespaces.load(integration.namespace).Trainer
    integration.patch(trainer, "fit", lambda: FitRun(integration))
    integration.patch(trainer, "test", lambda: TestRun(integration))
