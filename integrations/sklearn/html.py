"""A self-contained HTML picture of an estimator, drawn without scikit-learn's renderer.

scikit-learn's ``estimator_html_repr`` changes the process-wide warnings filters while it works
(``warnings.catch_warnings`` is not thread-safe before Python 3.14): run beside the user's code
it can swallow the warnings the user is recording, and run on the training thread it costs tens
of milliseconds. This renderer reads only ``get_params(deep=False)`` and draws nested boxes:

* a pipeline's steps one under the other, in order;
* a column transformer's, feature union's or ensemble's parts side by side, with their columns;
* a meta-estimator around its inner estimators (``estimator``, ``final_estimator``, ...).

Each box lists the parameters that differ from the class's defaults and folds the others away.
The page is static HTML with inline CSS only, so it also opens under the UI's sandbox policy.
"""

from __future__ import annotations

import functools
import inspect
import reprlib
from html import escape
from typing import Any

_MAX_DEPTH = 24
_NOT_SET = object()

_CSS = """
body { font: 13px/1.4 system-ui, sans-serif; color: #1f2933; margin: 12px; }
.box { border: 1px solid #9aa5b1; border-radius: 6px; padding: 6px 8px; margin: 4px 0;
       background: #fff; }
.box > .name { font-weight: 600; }
.box > .label { color: #52606d; font-size: 12px; }
.seq > .box + .box::before { content: "\\2193"; display: block; text-align: center;
                             color: #7b8794; margin: -4px 0 2px; }
.par { display: flex; gap: 8px; align-items: flex-start; flex-wrap: wrap; }
.par > .box { flex: 1 1 0; min-width: 140px; }
.inner { margin-top: 4px; }
table { border-collapse: collapse; margin-top: 4px; font-size: 12px; }
td { padding: 1px 6px 1px 0; vertical-align: top; }
td.key { color: #52606d; }
code { font-family: ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
details { margin-top: 2px; color: #52606d; font-size: 12px; }
"""

_short = reprlib.Repr()
_short.maxstring = 120
_short.maxother = 120
_short.maxlist = 12
_short.maxdict = 12
_short.maxtuple = 12


def estimator_html(estimator: Any) -> str:
    """The whole HTML page showing ``estimator`` and everything nested in it."""
    title = escape(type(estimator).__name__)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_CSS}</style></head><body>{_box(estimator, None, 0)}</body></html>"
    )


def _box(obj: Any, label: str | None, depth: int) -> str:
    heading = f'<div class="label">{escape(label)}</div>' if label else ""
    if not _is_estimator(obj):
        return f'<div class="box">{heading}<div class="name">{escape(_value(obj))}</div></div>'
    params = _params(obj)
    inner: list[str] = []
    shown: set[str] = set()
    if depth < _MAX_DEPTH:
        inner, shown = _children(params, depth + 1)
    rows = {k: v for k, v in params.items() if k not in shown}
    changed = {k: v for k, v in rows.items() if not _is_default(type(obj), k, v)}
    defaults = {k: v for k, v in rows.items() if k not in changed}
    folded = (
        f"<details><summary>{len(defaults)} default parameters</summary>{_table(defaults)}</details>"
        if defaults
        else ""
    )
    return (
        f'<div class="box">{heading}<div class="name">{escape(type(obj).__name__)}</div>'
        f"{_table(changed)}{folded}{''.join(inner)}</div>"
    )


def _children(params: dict[str, Any], depth: int) -> tuple[list[str], set[str]]:
    """The boxes of the estimators nested in ``params``, and the parameter names they use."""
    parts: list[str] = []
    used: set[str] = set()
    for key, value in params.items():
        if key == "steps" and _named_list(value, 2):
            boxes = "".join(_box(step, name, depth) for name, step, *_ in value)
            parts.append(f'<div class="inner seq">{boxes}</div>')
        elif key in ("transformers", "transformer_list", "estimators") and _named_list(value, 2):
            boxes = "".join(
                _box(part, _part_label(name, rest), depth) for name, part, *rest in value
            )
            parts.append(f'<div class="inner par">{boxes}</div>')
        elif _is_estimator(value):
            parts.append(f'<div class="inner">{_box(value, key, depth)}</div>')
        else:
            continue
        used.add(key)
    return parts, used


def _part_label(name: Any, rest: list[Any]) -> str:
    if not rest:
        return str(name)
    return f"{name}: {_value(rest[0])}"


def _named_list(value: Any, width: int) -> bool:
    """Whether ``value`` is a list of ``(name, estimator, ...)`` tuples, as composites hold."""
    if not isinstance(value, (list, tuple)) or not value:
        return False
    return all(
        isinstance(item, (list, tuple)) and len(item) >= width and isinstance(item[0], str)
        for item in value
    )


def _is_estimator(obj: Any) -> bool:
    return not isinstance(obj, type) and callable(getattr(obj, "get_params", None))


def _params(estimator: Any) -> dict[str, Any]:
    try:
        params = estimator.get_params(deep=False)
    except Exception:  # noqa: BLE001 - the user's estimator: a box without parameters
        return {}
    return dict(params) if isinstance(params, dict) else {}


def _is_default(cls: type, key: str, value: Any) -> bool:
    default = _defaults(cls).get(key, _NOT_SET)
    if default is _NOT_SET:
        return False
    if value is default:
        return True
    if type(value) is not type(default):
        return False
    try:
        return bool(value == default)
    except Exception:  # noqa: BLE001 - arrays and odd objects compare ambiguously: "changed"
        return False


@functools.lru_cache(maxsize=512)
def _defaults(cls: type) -> dict[str, Any]:
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return {}
    return {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


def _table(params: dict[str, Any]) -> str:
    if not params:
        return ""
    rows = "".join(
        f'<tr><td class="key">{escape(key)}</td><td><code>{escape(_value(value))}</code></td></tr>'
        for key, value in params.items()
    )
    return f"<table>{rows}</table>"


def _value(value: Any) -> str:
    try:
        return _short.repr(value)
    except Exception:  # noqa: BLE001 - a user object whose repr fails still gets a box
        return f"<{type(value).__name__}>"
