"""Autologging: safe patching of frameworks and the base classes integrations build on.

Third-party integrations subclass :class:`Integration` and :class:`AutologRun` and register
an instance through the ``trialbook_register_integrations`` hook; see
``examples/trialbook-scipy-plugin`` for a complete plugin package.
"""

from __future__ import annotations

from trialbook.autolog.config import AutologConfig
from trialbook.autolog.integration import Integration
from trialbook.autolog.patching import AutologgingWarning, NestedTask, in_session
from trialbook.autolog.session import AutologRun

__all__ = [
    "AutologConfig",
    "AutologRun",
    "AutologgingWarning",
    "Integration",
    "NestedTask",
    "in_session",
]
