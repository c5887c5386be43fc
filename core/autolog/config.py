"""Autologging settings: global ones from ``trialbook.autolog()``, overridden per integration."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any


def strict_from_env() -> bool:
    """``TRIALBOOK_AUTOLOG_STRICT=1`` re-raises trialbook's own autologging errors (for tests)."""
    return os.environ.get("TRIALBOOK_AUTOLOG_STRICT", "").strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class AutologConfig:
    """How an integration logs.

    Attributes:
        disable: Undo the integration's patches.
        log_models: Log the trained model with ``log_model``.
        log_input_examples: Log a few rows of the training input with the model.
        exclusive: Never log into a run the user started; only into autolog's own runs.
        silent: No warnings from autologging (errors are still recorded on the run).
        max_tuning_runs: Child runs for the best candidates of a hyper-parameter search.
        log_system_metrics: Sample system metrics of the runs autolog starts (given to
            ``trialbook.autolog()``: of every run started afterwards).
        strict: Re-raise trialbook's own errors instead of warning (for tests); None follows
            ``TRIALBOOK_AUTOLOG_STRICT`` at the time of the error.
        extra: Integration-specific settings.
    """

    disable: bool = False
    log_models: bool = True
    log_input_examples: bool = False
    exclusive: bool = False
    silent: bool = False
    max_tuning_runs: int = 5
    log_system_metrics: bool = False
    strict: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_strict(self) -> bool:
        """Whether trialbook's own errors are re-raised now."""
        return strict_from_env() if self.strict is None else self.strict

    def merged(self, **overrides: Any) -> AutologConfig:
        """A copy with the given settings changed; unknown names go to ``extra``."""
        known = {
            k: v for k, v in overrides.items() if k in self.__dataclass_fields__ and k != "extra"
        }
        extra = {**self.extra, **{k: v for k, v in overrides.items() if k not in known}}
        extra.update(overrides.get("extra", {}) or {})
        extra.pop("extra", None)
        return replace(self, **known, extra=extra)
