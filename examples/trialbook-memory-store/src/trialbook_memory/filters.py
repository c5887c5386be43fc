"""Run-search filters and order-by items, parsed by :mod:`trialbook.search`, applied in Python
(registry filters too: :func:`evaluate`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from trialbook.entities import MetricSummary, Run
from trialbook.errors import UnsupportedStoreError
from trialbook.search import Aggregate, And, Comparison, Expr, Kind, Not, Op, Or, OrderKey


def like(text: str, pattern: str, ignore_case: bool = False) -> bool:
    """Whether ``text`` matches an SQL LIKE pattern (``%``, ``_``, ``\\`` escapes)."""
    parts = []
    chars = iter(pattern)
    for char in chars:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(next(chars, "\\") if char == "\\" else char))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch("".join(parts), text, flags) is not None


def field_value(
    run: Run,
    summaries: list[MetricSummary],
    kind: Kind,
    key: str,
    aggregate: Aggregate | None = None,
) -> Any:
    """What a filter or order-by item looks at in a run (None when the run lacks it)."""
    if kind is Kind.METRIC:
        summary = next((s for s in summaries if s.key == key), None)
        if summary is None:
            return None
        if aggregate is Aggregate.MIN:
            return summary.min
        if aggregate is Aggregate.MAX:
            return summary.max
        return summary.latest
    if kind is Kind.PARAM:
        return run.data.params.get(key)
    if kind is Kind.TAG:
        return run.data.tags.get(key)
    if kind is Kind.DATASET:
        raise UnsupportedStoreError("the memory store", "DatasetInputs", f"datasets.{key}")
    info = run.info
    if key == "duration":
        return None if info.end_time is None else info.end_time - info.start_time
    if key == "experiment_id":
        return int(info.experiment_id)
    value = getattr(info, key)
    return value.value if hasattr(value, "value") else value


def matches(expr: Expr | None, run: Run, summaries: list[MetricSummary]) -> bool:
    """Whether the run satisfies the parsed filter (None: no filter)."""
    return evaluate(expr, lambda c: field_value(run, summaries, c.kind, c.key, c.aggregate))


def evaluate(expr: Expr | None, value_of: Callable[[Comparison], Any]) -> bool:
    """Whether a parsed filter holds (None: no filter); ``value_of`` gives what a
    comparison looks at (None when missing)."""
    if expr is None:
        return True
    if isinstance(expr, And):
        return all(evaluate(e, value_of) for e in expr.operands)
    if isinstance(expr, Or):
        return any(evaluate(e, value_of) for e in expr.operands)
    if isinstance(expr, Not):
        return not evaluate(expr.operand, value_of)
    return _compare(expr, value_of(expr))


def _compare(comparison: Comparison, actual: Any) -> bool:
    op, wanted = comparison.op, comparison.value
    if op is Op.IS_NULL:
        return actual is None
    if op is Op.IS_NOT_NULL:
        return actual is not None
    if actual is None:
        return False
    if op in (Op.IN, Op.NOT_IN):
        found = any(_same(actual, w) for w in wanted or ())  # type: ignore[union-attr]
        return found if op is Op.IN else not found
    if op in (Op.LIKE, Op.ILIKE, Op.NOT_LIKE, Op.NOT_ILIKE):
        found = like(str(actual), str(wanted), op in (Op.ILIKE, Op.NOT_ILIKE))
        return found if op in (Op.LIKE, Op.ILIKE) else not found
    left, right = _comparable(actual, wanted)
    if op is Op.EQ:
        return bool(left == right)
    if op is Op.NE:
        return bool(left != right)
    if op is Op.LT:
        return bool(left < right)
    if op is Op.LE:
        return bool(left <= right)
    if op is Op.GT:
        return bool(left > right)
    return bool(left >= right)


def _same(actual: Any, wanted: Any) -> bool:
    left, right = _comparable(actual, wanted)
    return bool(left == right)


def _comparable(actual: Any, wanted: Any) -> tuple[Any, Any]:
    """Numbers compare as numbers (a numeric text too), everything else as text."""
    if isinstance(wanted, (int, float)) and not isinstance(wanted, bool):
        try:
            return float(actual), float(wanted)
        except (TypeError, ValueError):
            return str(actual), str(wanted)
    return str(actual), str(wanted)


def sort_key(run_and_summaries: tuple[Run, list[MetricSummary]], key: OrderKey) -> tuple[Any, ...]:
    """A sort key for one order-by item: runs without the value come last either way."""
    run, summaries = run_and_summaries
    value = field_value(run, summaries, key.kind, key.key, key.aggregate)
    missing = value is None
    if key.ascending:
        return (missing, value if not missing else 0)
    return (not missing, value if not missing else 0)
