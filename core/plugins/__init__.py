"""Plugins: hook specs and the plugin manager.

A plugin implements hooks of :mod:`trialbook.plugins.hookspecs` with :data:`hookimpl`:
integrations (autologging), model flavors, store backends and run-lifecycle listeners.
:func:`integrations` lists the registered integrations (an integration leaves the classes
of the others' frameworks alone).
"""

from __future__ import annotations

from trialbook.plugins.hookspecs import hookimpl, hookspec
from trialbook.plugins.manager import integrations

__all__ = ["hookimpl", "hookspec", "integrations"]
