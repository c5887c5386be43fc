"""Checks on keys and values before anything is written.

A rejected call raises and writes nothing. Validated keys are remembered, so the check costs
a set lookup on the hot path of ``log_metric``.
"""

from __future__ import annotations

import math
import operator
import re
from typing import SupportsIndex, cast

from trialbook.errors import InvalidKeyError, InvalidValueError

__all__ = [
    "MAX_KEY_LENGTH",
    "MAX_PARAM_VALUE_LENGTH",
    "MAX_TAG_VALUE_LENGTH",
    "check_key",
    "known_keys",
    "metric_value",
    "param_value",
    "step_value",
    "tag_value",
]

MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 1_000_000
MAX_TAG_VALUE_LENGTH = 1_000_000

_KEY = re.compile(r"^[\w\-. :/]+$")
known_keys: set[str] = set()
"""Keys :func:`check_key` accepted already: ``key in known_keys`` is the hot loop's fast path."""
_KNOWN_KEYS_LIMIT = 100_000


def check_key(key: object) -> str:
    """Return ``key`` if it is a valid param, metric or tag key, else raise InvalidKeyError."""
    if key in known_keys:
        return key
    if not isinstance(key, str):
        raise InvalidKeyError(key, f"keys are strings, not {type(key).__name__}")
    if not key:
        raise InvalidKeyError(key, "keys cannot be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKeyError(key, f"it has {len(key)} characters, more than {MAX_KEY_LENGTH}")
    if key.startswith("/"):
        raise InvalidKeyError(key, "keys cannot start with '/'")
    if ".." in key.split("/") or "/../" in key or key.endswith("/.."):
        raise InvalidKeyError(key, "keys cannot contain '..' path components")
    if not _KEY.match(key):
        bad = next(c for c in key if not _KEY.match(c))
        raise InvalidKeyError(key, f"character {bad!r} is not allowed")
    if len(known_keys) < _KNOWN_KEYS_LIMIT:
        known_keys.add(key)
    return key


def metric_value(key: str, value: object) -> float:
    """Convert a metric value to float: ints, floats, bools, numpy scalars, 0-d arrays/tensors."""
    if type(value) is float:
        return value
    if isinstance(value, (str, bytes, bytearray)):
        raise InvalidValueError(key, value, "metric values must be numbers, not strings")
    if getattr(value, "ndim", 0) != 0:
        raise InvalidValueError(
            key, value, "metric values must be scalars; log each element under its own key"
        )
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise InvalidValueError(
            key, value, f"metric values must be numbers, got {type(value).__name__}"
        ) from None


def step_value(key: str, step: object) -> int:
    """Convert a metric step (or timestamp) to a 64-bit int; integral floats are accepted."""
    if isinstance(step, (bool, str, bytes)):
        raise InvalidValueError(key, step, "steps must be integers")
    try:
        whole = operator.index(cast(SupportsIndex, step))
    except TypeError:
        try:
            as_float = float(step)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidValueError(key, step, "steps must be integers") from None
        if not math.isfinite(as_float) or as_float != int(as_float):
            raise InvalidValueError(key, step, "steps must be integers") from None
        whole = int(as_float)
    if not -(2**63) <= whole < 2**63:
        raise InvalidValueError(key, step, "steps must fit in 64 bits")
    return whole


def check_text(key: str, text: str) -> str:
    """Return ``text`` if every database can store it, else raise InvalidValueError.

    Refused: NUL characters (PostgreSQL cannot store them, SQLite can: one rule everywhere)
    and lone surrogates such as ``"caf\\udce9"`` from :func:`os.fsdecode` (not valid Unicode,
    so no database can encode them). ``key`` names what the text is for in the message.
    """
    if "\x00" in text:
        raise InvalidValueError(
            key, text, "text cannot contain NUL characters ('\\x00'); remove or replace them"
        )
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as err:
            raise InvalidValueError(
                key,
                text,
                f"character {text[err.start]!r} at index {err.start} is a lone surrogate, not "
                "valid Unicode (os.fsdecode makes them from undecodable bytes); decode the "
                "bytes with errors='replace' or log them as an artifact",
            ) from None
    return text


def param_value(key: str, value: object) -> str:
    """The string form of a param value; over-long or unstorable text raises InvalidValueError."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_PARAM_VALUE_LENGTH:
        raise InvalidValueError(
            key,
            text[:60],
            f"param values are limited to {MAX_PARAM_VALUE_LENGTH} characters "
            f"(this one has {len(text)}); log large values as artifacts with log_text",
        )
    return check_text(key, text)


def tag_value(key: str, value: object) -> str:
    """The string form of a tag value; over-long or unstorable text raises InvalidValueError."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_TAG_VALUE_LENGTH:
        raise InvalidValueError(
            key,
            text[:60],
            f"tag values are limited to {MAX_TAG_VALUE_LENGTH} characters; "
            "log large values as artifacts with log_text",
        )
    return check_text(key, text)
