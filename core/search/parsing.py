"""Parse filter and order-by text into search nodes, with errors that point at the problem.

::

    parse_filter("metrics.acc > 0.9 and not tags.bad IS NOT NULL")
    parse_order_by(["metrics.acc DESC", "attributes.start_time"])
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import cast

from trialbook.errors import QueryTooComplexError, SearchSyntaxError
from trialbook.search.nodes import And, Expr, Not, Or, OrderKey

MAX_FILTER_DEPTH = 32
"""How deeply ``and``, ``or`` and ``not`` may nest in a filter (deeper ones are refused)."""
MAX_FILTER_CHARS = 65_536
"""The longest filter parsed (a thousand quoted run ids fit): parsing runs before any budget."""
MAX_FILTER_COMPARISONS = 1_000
"""The most comparisons in one filter: SQLite refuses longer chains anyway, and building the
SQL of tens of thousands takes minutes before the database's time budget starts."""
MAX_ORDER_KEYS = 100
"""The most order-by keys of one search."""


def parse_filter(text: str) -> Expr | None:
    """The filter's syntax tree, or None when ``text`` is blank.

    Raises:
        SearchSyntaxError: ``text`` is not a valid filter; ``column`` says where.
    """
    if not text.strip():
        return None
    if len(text) > MAX_FILTER_CHARS:
        raise QueryTooComplexError(
            f"the filter is {len(text)} characters long, at most {MAX_FILTER_CHARS} are parsed"
        )
    return _parse_filter(text)


def parse_order_by(items: Sequence[str]) -> list[OrderKey]:
    """One :class:`OrderKey` per item, such as ``"metrics.acc DESC"`` or ``"run_name"``.

    Raises:
        SearchSyntaxError: an item is not an identifier optionally followed by ASC or DESC.
    """
    if isinstance(items, str):
        raise TypeError("parse_order_by takes a list of strings, such as ['metrics.acc DESC']")
    if len(items) > MAX_ORDER_KEYS:
        raise QueryTooComplexError(f"{len(items)} order-by keys, at most {MAX_ORDER_KEYS}")
    return [_parse_order_item(item) for item in items]


@functools.lru_cache(maxsize=512)
def _parse_filter(text: str) -> Expr:
    expr = cast("Expr", _parse(text, "filter"))
    if _depth(expr) > MAX_FILTER_DEPTH:
        raise SearchSyntaxError(
            text,
            1,
            f"the filter nests 'and', 'or' and 'not' more than {MAX_FILTER_DEPTH} levels deep; "
            "write it flatter",
        )
    comparisons = _comparisons(expr)
    if comparisons > MAX_FILTER_COMPARISONS:
        raise QueryTooComplexError(
            f"the filter has {comparisons} comparisons, at most {MAX_FILTER_COMPARISONS}"
        )
    return expr


def _comparisons(expr: Expr) -> int:
    """How many comparisons ``expr`` holds (walked without recursion)."""
    count = 0
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Not):
            stack.append(node.operand)
        elif isinstance(node, (And, Or)):
            stack.extend(node.operands)
        else:
            count += 1
    return count


def _depth(expr: Expr) -> int:
    """How deeply ``expr`` nests (walked without recursion: a filter may be hostile)."""
    deepest = 0
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, Not):
            stack.append((node.operand, depth + 1))
        elif isinstance(node, (And, Or)):
            stack.extend((operand, depth + 1) for operand in node.operands)
    return deepest


@functools.lru_cache(maxsize=512)
def _parse_order_item(text: str) -> OrderKey:
    if not text.strip():
        raise SearchSyntaxError(text, 1, "empty order-by item; expected e.g. 'metrics.acc DESC'")
    return cast("OrderKey", _parse(text, "order_item"))


def _parse(text: str, start: str) -> object:
    from trialbook.search.grammar import parse  # The first parse loads lark.

    return parse(text, start)
