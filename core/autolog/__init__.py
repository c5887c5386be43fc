"""Autologging: safe patching of frameworks and the base classes integrations build on.

Third-party integrations subclass :class:`Integration` and :class:`AutologRun` and register
an instance through the ``trialbook_register_integrations`` hook; see
``examples/trialbook-scipy-plugin`` for a complete plugin package. Everything the built-in
integrations use is public: the names below, :mod:`trialbook.validation` (keys and values),
:func:`trialbook.models.save_model_folder` (model flavors) and
:func:`trialbook.plugins.integrations` (the other registered integrations).
:mod:`trialbook.testing.integration_contract` holds the tests every integration passes.
"""

from __future__ import annotations

from trialbook.autolog.calls import ContextBinding, bind_call, call_argument, iteration_csv
from trialbook.autolog.config import AutologConfig, strict_from_env
from trialbook.autolog.examples import INPUT_EXAMPLE_FILE, INPUT_EXAMPLE_ROWS, input_example
from trialbook.autolog.integration import Integration
from trialbook.autolog.patching import (
    AutologgingWarning,
    NestedTask,
    in_patched_call,
    report_own_error,
)
from trialbook.autolog.run import ERROR_TAG, SOURCE_TAG, AutologRun

__all__ = [
    "ERROR_TAG",
    "INPUT_EXAMPLE_FILE",
    "INPUT_EXAMPLE_ROWS",
    "SOURCE_TAG",
    "AutologConfig",
    "AutologRun",
    "AutologgingWarning",
    "ContextBinding",
    "Integration",
    "NestedTask",
    "bind_call",
    "call_argument",
    "in_patched_call",
    "input_example",
    "iteration_csv",
    "report_own_error",
    "strict_from_env",
]
