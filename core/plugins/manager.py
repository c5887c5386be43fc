"""The plugin manager: built-in plugins, then the ``trialbook`` entry points, loaded once.

A plugin that fails to import is a warning, never a crash. ``TRIALBOOK_DISABLE_PLUGINS``
(comma-separated names) blocks plugins by name, built-ins included (``sklearn``,
``xgboost``, ``lightgbm``, ``pytorch``, ``lightning``, ``pickle``, ``system``; the store
backends ``sql`` and ``rest``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
import warnings
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

import pluggy

from trialbook.plugins import hookspecs

if TYPE_CHECKING:
    from trialbook.autolog.integration import Integration
    from trialbook.entities import Run, RunStatus
    from trialbook.models.flavor import ModelFlavor
    from trialbook.store.backend import StoreBackend

ENTRY_POINT_GROUP = "trialbook"

BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("sql", "trialbook.store.sql.plugin"),
    ("rest", "trialbook.store.rest.plugin"),
    ("pickle", "trialbook.models.flavor"),
    ("sklearn", "trialbook.integrations.sklearn"),
    ("xgboost", "trialbook.integrations.xgboost"),
    ("lightgbm", "trialbook.integrations.lightgbm"),
    ("pytorch", "trialbook.integrations.pytorch"),
    ("lightning", "trialbook.integrations.lightning"),
    ("system", "trialbook.system.plugin"),
)
"""(name, module) of the plugins that ship with trialbook; each is loaded like a third party's.

Flavors are asked last-registered first: ``lightning`` before ``pytorch`` (a LightningModule
is also a ``torch.nn.Module``).
"""

_manager: pluggy.PluginManager | None = None
_lock = threading.RLock()


def blocked_names() -> set[str]:
    """Plugin names listed in ``TRIALBOOK_DISABLE_PLUGINS``."""
    raw = os.environ.get("TRIALBOOK_DISABLE_PLUGINS", "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, created and loaded on first use."""
    global _manager
    if _manager is not None:
        return _manager
    with _lock:
        if _manager is None:
            _manager = _create()
    return _manager


def _create() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("trialbook")
    pm.add_hookspecs(hookspecs)
    blocked = blocked_names()
    for name in blocked:
        pm.set_blocked(name)
    for name, module_name in BUILTIN_PLUGINS:
        if name in blocked or importlib.util.find_spec(module_name) is None:
            continue  # blocked, or not part of this build
        try:
            module = importlib.import_module(module_name)
        except ImportError as err:
            warnings.warn(
                f"trialbook: built-in plugin {name!r} failed to load: {err}",
                RuntimeWarning,
                stacklevel=3,
            )
            continue
        pm.register(module, name=name)
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name in blocked or pm.has_plugin(entry_point.name):
            continue
        try:
            plugin = entry_point.load()
            pm.register(plugin, name=entry_point.name)
        except Exception as err:  # noqa: BLE001 - the safety boundary: our failure must not reach the user
            warnings.warn(
                f"trialbook: plugin {entry_point.name!r} ({entry_point.value}) failed to load "
                f"and is skipped: {type(err).__name__}: {err}",
                RuntimeWarning,
                stacklevel=3,
            )
    return pm


def reset_plugin_manager(pm: pluggy.PluginManager | None = None) -> None:
    """Forget the current manager (or install ``pm``): the next use reloads plugins."""
    global _manager, _integrations, _flavors, _store_backends
    with _lock:
        _manager = pm
        _integrations = None
        _flavors = None
        _store_backends = None


_integrations: dict[str, Integration] | None = None
_flavors: list[ModelFlavor] | None = None
_store_backends: dict[str, StoreBackend] | None = None


def integrations() -> dict[str, Integration]:
    """Every registered integration by name (collected once)."""
    global _integrations
    if _integrations is None:
        found: dict[str, Integration] = {}

        def register(integration: Integration) -> None:
            found[integration.name] = integration

        get_plugin_manager().hook.trialbook_register_integrations(register=register)
        _integrations = found
    return _integrations


def model_flavors() -> list[ModelFlavor]:
    """Every registered model flavor, the last registered first (collected once)."""
    global _flavors
    if _flavors is None:
        found: list[ModelFlavor] = []
        get_plugin_manager().hook.trialbook_register_model_flavors(register=found.append)
        _flavors = found
    return _flavors


def store_backends() -> dict[str, StoreBackend]:
    """Every registered store backend by URI scheme; the first registered wins (collected once)."""
    global _store_backends
    if _store_backends is None:
        found: dict[str, StoreBackend] = {}

        def register(backend: StoreBackend) -> None:
            for scheme in backend.schemes:
                found.setdefault(scheme.lower(), backend)

        get_plugin_manager().hook.trialbook_register_stores(register=register)
        _store_backends = found
    return _store_backends


def call_run_started(run: Run, log_system_metrics: bool | None = None) -> None:
    """Tell plugins a run started; a failing listener is a warning."""
    _notify("trialbook_run_started", run=run, log_system_metrics=log_system_metrics)


def call_run_ended(run_id: str, status: RunStatus) -> None:
    """Tell plugins a run ended; a failing listener is a warning."""
    _notify("trialbook_run_ended", run_id=run_id, status=status)


def _notify(hook_name: str, **kwargs: Any) -> None:
    hook = getattr(get_plugin_manager().hook, hook_name)
    for impl in hook.get_hookimpls():
        try:
            impl.function(**{k: v for k, v in kwargs.items() if k in impl.argnames})
        except Exception as err:  # noqa: BLE001 - the safety boundary: our failure must not reach the user
            warnings.warn(
                f"trialbook: plugin {impl.plugin_name!r} failed in {hook_name}: {err}",
                RuntimeWarning,
                stacklevel=3,
            )
