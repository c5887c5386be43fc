"""The base class of autologging integrations.

An integration patches one framework. ``instrument()`` and ``uninstrument()`` are public,
idempotent and check that the framework is importable; subclasses implement
``_instrument()`` (calling :meth:`Integration.patch` for each method) and, if they change
anything besides patches, ``_uninstrument()``::

    class TinyIntegration(Integration):
        name = "tiny"
        module = "tiny"

        def _instrument(self) -> None:
            import tiny
            self.patch(tiny.Model, "fit", lambda: TinyRun(self))
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from trialbook.autolog.config import AutologConfig
from trialbook.autolog.patching import PatchSet, safe_patch


class Integration(ABC):
    """Autologging for one framework."""

    name: ClassVar[str]
    """The plugin and integration name (``sklearn``)."""
    module: ClassVar[str]
    """The framework's top-level module; the integration applies when it can be imported."""

    def __init__(self) -> None:
        self.config = AutologConfig()
        self.overrides: dict[str, Any] = {}
        self.patches = PatchSet()
        self._instrumented = False
        self._wanted = False
        self._hook_registered = False
        self._lock = threading.RLock()

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # Patched methods close over their integration. cloudpickle (joblib's loky backend)
        # pickles classes defined in ``__main__`` by value, wrappers included: refer to the
        # receiving process's own integration instead of copying this one and its locks.
        return (_registered_integration, (self.name,))

    @property
    def enabled(self) -> bool:
        """Whether patched methods should log."""
        return self._instrumented and not self.config.disable

    @property
    def instrumented(self) -> bool:
        """Whether the framework is currently patched."""
        return self._instrumented

    def is_available(self) -> bool:
        """Whether the framework can be imported (without importing it)."""
        if self.module in sys.modules:
            return True
        try:
            return importlib.util.find_spec(self.module) is not None
        except (ImportError, ValueError):
            return False

    def autolog(self, **settings: Any) -> None:
        """Configure this integration alone; its settings win over ``trialbook.autolog()``'s.

        Calling it enables the integration (unless ``disable=True``), even when
        ``trialbook.autolog()`` was never called or disabled everything. Each call replaces
        the settings of the previous one, as MLflow's flavor ``autolog()`` calls do: a setting
        it does not name falls back to ``trialbook.autolog()``'s (or the default).
        """
        from trialbook.autolog.api import global_config

        self.overrides = dict(settings)
        self.instrument(global_config().merged(**{"disable": False, **self.overrides}))

    def instrument(self, config: AutologConfig | None = None) -> bool:
        """Patch the framework (now, or when it is first imported); True if it will log."""
        with self._lock:
            if config is not None:
                self.config = config
            if self.config.disable:
                self.uninstrument()
                return False
            self._wanted = True
            if self._instrumented:
                return True
            if not self.is_available():
                return False
            if self.module in sys.modules:
                self._apply()
            else:
                self._instrument_on_import()
            return True

    def _instrument_on_import(self) -> None:
        if self._hook_registered:
            return
        import wrapt

        self._hook_registered = True
        wrapt.register_post_import_hook(self._on_import, self.module)

    def _on_import(self, _module: Any) -> None:
        with self._lock:
            if self._wanted and not self._instrumented:
                self._apply()

    def _apply(self) -> None:
        try:
            self._instrument()
        except BaseException:
            self.patches.revert_all()
            raise
        self._instrumented = True

    def uninstrument(self) -> None:
        """Undo every patch exactly; safe to call when nothing is patched."""
        with self._lock:
            self._wanted = False
            if not self._instrumented:
                return
            try:
                self._uninstrument()
            finally:
                self.patches.revert_all()
                self._instrumented = False

    @abstractmethod
    def _instrument(self) -> None:
        """Apply the patches (the framework is imported)."""

    def _uninstrument(self) -> None:  # noqa: B027 - optional hook, empty by default
        """Undo anything besides :attr:`patches` (those are reverted afterwards)."""

    def patch(self, owner: Any, name: str, logger_factory: Callable[[], Any]) -> bool:
        """Safely patch ``owner.name``; see :func:`trialbook.autolog.patching.safe_patch`.

        Returns False when the attribute is of a kind that cannot be wrapped faithfully (it
        is left alone).
        """
        return safe_patch(self.patches, owner, name, logger_factory, lambda: self.enabled)


def _registered_integration(name: str) -> Integration:
    """The integration registered under ``name`` in this process (used when unpickling)."""
    from trialbook.plugins.manager import integrations

    return integrations()[name]
