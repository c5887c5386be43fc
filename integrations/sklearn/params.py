"""An estimator's parameters as loggable params.

``get_params(deep=True)`` with full values: nested estimators as their ``repr``, functions
and classes as their dotted path, everything else as ``str``. A value longer than
:data:`trialbook.validation.MAX_PARAM_VALUE_LENGTH` is cut to that length and its key listed in
the tag ``trialbook.autolog.truncated_params``. Keys with characters trialbook does not allow
(a Pipeline step named ``"my step!"``) have them replaced by ``_``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from trialbook.validation import MAX_KEY_LENGTH, MAX_PARAM_VALUE_LENGTH

TRUNCATED_TAG = "trialbook.autolog.truncated_params"
TRUNCATION_MARK = "...[truncated]"
_BAD_KEY_CHARS = re.compile(r"[^\w\-. :/]")


def param_text(value: Any) -> str:
    """The logged text of one parameter value."""
    if isinstance(value, str):
        return value
    if inspect.isfunction(value) or inspect.isclass(value) or inspect.isbuiltin(value):
        module = getattr(value, "__module__", None)
        name = getattr(value, "__qualname__", None) or getattr(value, "__name__", "")
        return f"{module}.{name}" if module else str(name)
    return str(value)


def clean_key(key: str) -> str:
    """A valid trialbook key for a parameter name."""
    cleaned = _BAD_KEY_CHARS.sub("_", str(key)).lstrip("/") or "_"
    return cleaned[:MAX_KEY_LENGTH]


def limit(text: str) -> tuple[str, bool]:
    """``text`` cut to the param value limit, and whether it was cut."""
    if len(text) <= MAX_PARAM_VALUE_LENGTH:
        return text, False
    return text[: MAX_PARAM_VALUE_LENGTH - len(TRUNCATION_MARK)] + TRUNCATION_MARK, True


def loggable(
    params: dict[str, Any],
    on_error: Callable[[BaseException, str], None],
    prefix: str = "",
) -> tuple[dict[str, str], list[str]]:
    """Params as ``{key: text}``, and the keys whose values were truncated.

    A value whose ``str`` raises is left out and handed to ``on_error`` (the autologging
    error report: a warning, or the error itself in strict mode).
    """
    logged: dict[str, str] = {}
    truncated: list[str] = []
    for name, value in params.items():
        key = clean_key(f"{prefix}{name}")
        try:
            text, cut = limit(param_text(value))
        except Exception as err:  # noqa: BLE001 - the user's __str__/__repr__
            on_error(err, f"converting param {key!r} to text")
            continue
        logged[key] = text
        if cut:
            truncated.append(key)
    return logged, truncated
