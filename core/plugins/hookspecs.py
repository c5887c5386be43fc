"""The hooks trialbook plugins implement.

A plugin is a module or object with functions named like these specs and decorated with
``trialbook.hookimpl``; third-party packages expose it in the ``trialbook`` entry-point group::

    # pyproject.toml of a plugin package
    [project.entry-points.trialbook]
    catboost = "trialbook_catboost"

Hooks are called with keyword arguments; specs only ever grow by new arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from trialbook.autolog.integration import Integration
    from trialbook.entities import Run, RunStatus
    from trialbook.models.flavor import ModelFlavor
    from trialbook.store.backend import StoreBackend

hookspec = pluggy.HookspecMarker("trialbook")
hookimpl = pluggy.HookimplMarker("trialbook")


@hookspec
def trialbook_register_integrations(register: Callable[[Integration], None]) -> None:
    """Register autologging integrations.

    Called once, when the plugin manager is first used. Call ``register`` with one
    :class:`~trialbook.autolog.integration.Integration` instance per framework the plugin
    patches; ``trialbook.autolog()`` instruments those whose framework is importable.
    """


@hookspec
def trialbook_register_model_flavors(register: Callable[[ModelFlavor], None]) -> None:
    """Register model flavors: framework-native ways to save and load models.

    Called once. ``log_model`` asks the flavors, most recently registered first, whether they
    handle an object; ``load_model`` finds the flavor by the name recorded with the model.
    """


@hookspec
def trialbook_register_stores(register: Callable[[StoreBackend], None]) -> None:
    """Register store backends: how to open the stores of some tracking URI schemes.

    Called once, when a store is first opened. Call ``register`` with one
    :class:`~trialbook.store.backend.StoreBackend` instance per backend; the first registered
    for a scheme wins (the built-in ones are ``trylast``, so a plugin can replace them).
    """


@hookspec
def trialbook_run_started(run: Run, log_system_metrics: bool | None) -> None:
    """A run was started or resumed through ``start_run``; ``run`` is its state then.

    ``log_system_metrics`` is what ``start_run`` was asked (None: nothing said).
    """


@hookspec
def trialbook_run_ended(run_id: str, status: RunStatus) -> None:
    """A run started through ``start_run`` ended with ``status``; its data is written."""
