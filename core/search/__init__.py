"""The run-search language: filters and order-by items, parsed with a real grammar.

::

    from trialbook.search import parse_filter, parse_order_by
    from trialbook.store.sql.search import filter_clause, order_clauses

    expr = parse_filter("metrics.acc > 0.9 and params.optimizer IN ('adam', 'sgd')")
    query = select(runs.c.run_id).where(filter_clause(expr))

Importing this package loads neither lark nor SQLAlchemy; the first parse loads lark and
``trialbook.store.sql.search`` needs SQLAlchemy.
"""

from __future__ import annotations

from trialbook.search.nodes import (
    ATTRIBUTE_ALIASES,
    ATTRIBUTES,
    Aggregate,
    And,
    Comparison,
    Expr,
    Kind,
    Not,
    Op,
    Or,
    OrderKey,
)
from trialbook.search.parsing import parse_filter, parse_order_by

__all__ = [
    "ATTRIBUTES",
    "ATTRIBUTE_ALIASES",
    "Aggregate",
    "And",
    "Comparison",
    "Expr",
    "Kind",
    "Not",
    "Op",
    "Or",
    "OrderKey",
    "parse_filter",
    "parse_order_by",
]
