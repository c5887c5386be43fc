"""Plugins: hook specs and the plugin manager."""

from __future__ import annotations

from trialbook.plugins.hookspecs import hookimpl, hookspec

__all__ = ["hookimpl", "hookspec"]
