"""Names and values as trialbook logs them: metric keys, flattened booster params.

No xgboost import here: these work on the plain data XGBoost hands to callbacks::

    metric_key("validation_0", "ndcg@5")        # "validation_0-ndcg_at_5"
    flatten_config(json.loads(booster.save_config()))["max_depth"]   # "6"
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from trialbook.validation import MAX_KEY_LENGTH

_UNSAFE = re.compile(r"[^\w\-. :/]")
_keys: dict[tuple[str, str, str], str] = {}

CONFIG_SKIPPED = frozenset({"name", "num_trees", "version"})
"""Config leaves that are not settings: names of sections, and counts that change with training."""


def safe_key(text: str) -> str:
    """``text`` as a valid metric or param key: ``@`` becomes ``_at_``, other bad characters ``_``."""
    key = _UNSAFE.sub("_", text.replace("@", "_at_")).lstrip("/")
    key = "/".join("_" if part == ".." else part for part in key.split("/"))
    return key[:MAX_KEY_LENGTH] or "_"


def metric_key(dataset: str, metric: str, suffix: str = "") -> str:
    """The key of one evaluation series: ``<dataset>-<metric>[-<suffix>]``, made safe (cached)."""
    cache_key = (dataset, metric, suffix)
    key = _keys.get(cache_key)
    if key is None:
        key = safe_key(f"{dataset}-{metric}-{suffix}" if suffix else f"{dataset}-{metric}")
        if len(_keys) < 10_000:
            _keys[cache_key] = key
    return key


def flatten_config(config: Mapping[str, Any]) -> dict[str, str]:
    """Every setting in a booster's ``save_config()`` JSON, by its own name (first one wins).

    Float32 values XGBoost prints with noise (``"0.100000001"``) are shortened (``"0.1"``);
    the evaluation metrics become one comma-separated ``eval_metric``.
    """
    found: dict[str, str] = {}
    _walk(config.get("learner", config), found)
    metrics = config.get("learner", {}).get("metrics")
    if isinstance(metrics, list) and metrics:
        names = [str(m.get("name")) for m in metrics if isinstance(m, Mapping)]
        found.setdefault("eval_metric", ",".join(names))
    return found


def _walk(node: Mapping[str, Any], found: dict[str, str]) -> None:
    for key, value in node.items():
        if isinstance(value, Mapping):
            _walk(value, found)
        elif isinstance(value, str) and key not in CONFIG_SKIPPED and key not in found:
            found[key] = _short_float(value)


def _short_float(text: str) -> str:
    """``"0.100000001"`` -> ``"0.1"``: the shortest text that is the same float32."""
    if len(text) < 10 or not any(c in text for c in ".eE") or text.startswith("["):
        return text
    try:
        import numpy

        return str(numpy.float32(text))
    except (ValueError, OverflowError):
        return text


def param_items(params: Any) -> dict[str, Any]:
    """Booster params as a dict; XGBoost also takes a list of pairs (repeated ``eval_metric``)."""
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return dict(params)
    merged: dict[str, Any] = {}
    for key, value in params:
        if key in merged:
            previous = merged[key]
            merged[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            merged[key] = value
    return merged


def param_text(value: Any) -> Any:
    """A param value to log: callables by name, sequences comma-separated, the rest as given."""
    if isinstance(value, (list, tuple)):
        return ",".join(_item_text(v) for v in value)
    if callable(value) and not isinstance(value, type):
        return callable_name(value)
    return value


def _item_text(value: Any) -> str:
    if value is None or isinstance(value, (str, int, float, list, tuple, dict)):
        return str(value)
    if callable(value):
        return callable_name(value)
    return type(value).__name__


def callable_name(func: Callable[..., Any] | Any) -> str:
    """``module.qualname`` of a function or callable object (for ``obj``, ``custom_metric``)."""
    target = func if hasattr(func, "__qualname__") else type(func)
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', '?')}"


def safe_params(params: Mapping[str, Any], skip: Iterable[str] = ()) -> dict[str, Any]:
    """Params with safe keys and loggable values, leaving out ``skip``."""
    skipped = set(skip)
    return {safe_key(k): param_text(v) for k, v in params.items() if k not in skipped}
