"""Input examples of autologged models (see :mod:`trialbook.models.examples` for the format).

With ``autolog(log_input_examples=True)`` integrations save them in the model folder as
``model/input_example.json`` (listed in the model's metadata), or at the run's root when
models are not logged.
"""

from __future__ import annotations

from trialbook.models.examples import INPUT_EXAMPLE_FILE, INPUT_EXAMPLE_ROWS, input_example


def example_path(log_models: bool, model_name: str = "model") -> str:
    """Where the example goes: beside the model, or at the run's root without one."""
    return f"{model_name}/{INPUT_EXAMPLE_FILE}" if log_models else INPUT_EXAMPLE_FILE


__all__ = ["INPUT_EXAMPLE_FILE", "INPUT_EXAMPLE_ROWS", "example_path", "input_example"]
