"""``trialbook.autolog()``: one line to track every supported framework."""

from __future__ import annotations

from typing import Any

from trialbook.autolog.config import AutologConfig

_global = AutologConfig(disable=True)


def global_config() -> AutologConfig:
    """The settings of the last ``trialbook.autolog()`` call."""
    return _global


def autolog(
    disable: bool = False,
    log_models: bool = True,
    log_input_examples: bool = False,
    exclusive: bool = False,
    silent: bool = False,
    max_tuning_runs: int = 5,
    log_system_metrics: bool = False,
    strict: bool | None = None,
    **extra: Any,
) -> None:
    """Enable autologging for every registered integration whose framework is installed.

    A framework imported later is patched when it is first imported. Settings given to an
    integration's own ``autolog()`` (``trialbook.integrations.sklearn.autolog(...)``) win over
    these. ``disable=True`` undoes every patch exactly. Calling it twice changes nothing.

    Args:
        disable: Undo all autologging patches.
        log_models: Log trained models.
        log_input_examples: Log a few input rows with each model.
        exclusive: Log only into runs that autolog creates, never into the user's active run.
        silent: Suppress autologging warnings.
        max_tuning_runs: Child runs for the best candidates of hyper-parameter searches.
        log_system_metrics: Sample system metrics (CPU, memory, disk, network, GPU) of every
            run started afterwards, unless ``start_run(log_system_metrics=False)``.
        strict: Re-raise trialbook's own errors (default: ``TRIALBOOK_AUTOLOG_STRICT``).
        **extra: Integration-specific settings; ``log_datasets=False`` stops recording the
            data of each training call as dataset inputs (see :mod:`trialbook.data`).
    """
    global _global
    from trialbook.plugins.manager import integrations

    config = AutologConfig(
        disable=disable,
        log_models=log_models,
        log_input_examples=log_input_examples,
        exclusive=exclusive,
        silent=silent,
        max_tuning_runs=max_tuning_runs,
        log_system_metrics=log_system_metrics,
        strict=strict,
        extra=dict(extra),
    )
    _global = config
    for integration in integrations().values():
        if disable:
            integration.uninstrument()
        else:
            integration.instrument(config.merged(**integration.overrides))
