"""Compile search nodes into parameterised SQLAlchemy Core clauses on the ``runs`` table.

::

    expr = parse_filter("metrics.acc > 0.9 and params.opt = 'adam'")
    keys = parse_order_by(["metrics.acc DESC"])
    query = (
        sa.select(runs.c.run_id)
        .where(filter_clause(expr))
        .order_by(*order_clauses(keys), *tie_breakers())
    )

Each metric, param or tag condition is a correlated ``EXISTS`` subquery, so ``or`` and
``not`` compose as in Python. Semantics:

* A comparison on a key the run lacks is false; ``IS NULL`` is true exactly then.
* Metrics compare numerically on the latest value. A NaN metric matches no numeric
  comparison, not even ``!=``; ``IS NOT NULL`` is true for it.
* Params and tags compare as text against a quoted value and as numbers against an unquoted
  one: ``params.lr > 0.01`` matches values that read as decimal numbers (``0.1``, ``1e-3``)
  and never others (``adam``, ``inf``).
* ``LIKE`` is case-sensitive, ``ILIKE`` is not, on every database: ``%`` matches any run of
  characters, ``_`` one character, and ``\\`` escapes the next one. PostgreSQL runs its own
  ``LIKE``/``ILIKE``; SQLite a backtracking-free regular expression
  (:mod:`trialbook.store.sql.like`).
* Text ``<``/``>`` follow the database's collation. ``status`` and ``lifecycle_stage`` ignore
  case.
* ``datasets.name``, ``datasets.digest`` and ``datasets.context`` match a run when any of
  its dataset inputs matches (``!=`` too: some input differs); ``IS NULL`` matches runs
  without inputs. Runs are not ordered by datasets.
* Ordering puts runs missing the key last in both directions (after NaN metrics); params and
  tags order as text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from trialbook.search.nodes import (
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
    Scalar,
)
from trialbook.store.sql.like import like_match
from trialbook.store.sql.schema import datasets, latest_metrics, params, run_inputs, runs, tags

# Both Python's re (SQLite, through SQLAlchemy's REGEXP function) and PostgreSQL read this
# pattern the same way (\A and \Z anchor the whole text). Each text matches it in one way
# only, so Python's backtracking stays linear: '[0-9]+\.?[0-9]*' cost (digits)^2 on
# '111...1x', 10 s for 8,000 digits.
_DECIMAL_PATTERN = r"\A *[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})? *\Z"

_COMPARATORS: dict[Op, Callable[[Any, Any], sa.ColumnElement[bool]]] = {
    Op.EQ: lambda column, value: column == value,
    Op.NE: lambda column, value: column != value,
    Op.LT: lambda column, value: column < value,
    Op.LE: lambda column, value: column <= value,
    Op.GT: lambda column, value: column > value,
    Op.GE: lambda column, value: column >= value,
    Op.IN: lambda column, value: column.in_(value),
    Op.NOT_IN: lambda column, value: column.not_in(value),
    Op.LIKE: lambda column, value: like_match(column, value),
    Op.NOT_LIKE: lambda column, value: ~like_match(column, value),
    Op.ILIKE: lambda column, value: like_match(column, value, ignore_case=True),
    Op.NOT_ILIKE: lambda column, value: ~like_match(column, value, ignore_case=True),
}

_KEY_VALUE_TABLES = {Kind.PARAM: params, Kind.TAG: tags}

_NULLABLE_ATTRIBUTES = frozenset({"end_time", "duration", "parent_run_id"})


def _attribute_columns() -> dict[str, sa.ColumnElement[Any]]:
    columns: dict[str, sa.ColumnElement[Any]] = {
        name: runs.c[name] for name in ATTRIBUTES if name in runs.c
    }
    columns["run_name"] = runs.c.name
    columns["duration"] = runs.c.end_time - runs.c.start_time
    return columns


ATTRIBUTE_COLUMNS = _attribute_columns()
"""The SQL expression of every attribute in :data:`trialbook.search.nodes.ATTRIBUTES`."""


def filter_clause(expr: Expr | None) -> sa.ColumnElement[bool]:
    """The WHERE clause on ``runs`` selecting the runs ``expr`` matches; true() for None."""
    if expr is None:
        return sa.true()
    if isinstance(expr, And):
        return sa.and_(*(filter_clause(operand) for operand in expr.operands))
    if isinstance(expr, Or):
        return sa.or_(*(filter_clause(operand) for operand in expr.operands))
    if isinstance(expr, Not):
        return sa.not_(filter_clause(expr.operand))
    if expr.kind is Kind.METRIC:
        return _metric_condition(expr)
    if expr.kind is Kind.ATTRIBUTE:
        return _attribute_condition(expr)
    if expr.kind is Kind.DATASET:
        return _dataset_condition(expr)
    return _key_value_condition(expr)


def order_clauses(keys: Sequence[OrderKey]) -> list[sa.ColumnElement[Any]]:
    """ORDER BY clauses on ``runs`` for ``keys``; runs missing a key come last."""
    clauses: list[sa.ColumnElement[Any]] = []
    for key in keys:
        clauses.extend(_order_clauses(key))
    return clauses


def tie_breakers() -> list[sa.ColumnElement[Any]]:
    """The default order, to append after the user's: newest first, then by run id."""
    return [runs.c.start_time.desc(), runs.c.run_id.asc()]


def ranked_by_index(
    keys: Sequence[OrderKey],
) -> tuple[sa.FromClause, list[sa.ColumnElement[Any]]] | None:
    """For an order led by a metric's latest value: runs joined to that metric where it is a
    number, and the ORDER BY that then follows the ``(key, value)`` index; else None.

    In :func:`order_clauses` order those runs come first, in this order, so a page that ends
    among them is the same page. The database walks the index and stops at the page's end
    instead of ranking every run (a page of 100 of 100,000 runs: milliseconds, not seconds).
    """
    if not keys or keys[0].kind is not Kind.METRIC or keys[0].aggregate is not None:
        return None
    first = keys[0]
    ranked = latest_metrics.alias("ranked")
    joined = runs.join(
        ranked,
        sa.and_(
            ranked.c.run_id == runs.c.run_id,
            ranked.c.key == first.key,
            sa.not_(ranked.c.is_nan),
        ),
    )
    direction = sa.asc if first.ascending else sa.desc
    return joined, [direction(ranked.c.value), *order_clauses(keys[1:]), *tie_breakers()]


def _metric_condition(comparison: Comparison) -> sa.ColumnElement[bool]:
    column = _metric_column(comparison.aggregate)
    found = sa.select(sa.literal_column("1", sa.Integer)).where(
        latest_metrics.c.run_id == runs.c.run_id, latest_metrics.c.key == comparison.key
    )
    if comparison.aggregate is not None:
        found = found.where(column.is_not(None))
    if comparison.op is Op.IS_NULL:
        return ~found.exists()
    if comparison.op is Op.IS_NOT_NULL:
        return found.exists()
    if comparison.aggregate is None:
        found = found.where(sa.not_(latest_metrics.c.is_nan))
    return found.where(_COMPARATORS[comparison.op](column, comparison.value)).exists()


def _metric_column(aggregate: Aggregate | None) -> sa.ColumnElement[float]:
    if aggregate is Aggregate.MIN:
        return latest_metrics.c.min_value
    if aggregate is Aggregate.MAX:
        return latest_metrics.c.max_value
    return latest_metrics.c.value


def _key_value_condition(comparison: Comparison) -> sa.ColumnElement[bool]:
    table = _KEY_VALUE_TABLES[comparison.kind]
    found = sa.select(sa.literal_column("1", sa.Integer)).where(
        table.c.run_id == runs.c.run_id, table.c.key == comparison.key
    )
    if comparison.op is Op.IS_NULL:
        return ~found.exists()
    if comparison.op is Op.IS_NOT_NULL:
        return found.exists()
    column: sa.ColumnElement[Any] = table.c.value
    value: Any = comparison.value
    if _is_numeric(value):
        column = sa.case(
            (column.regexp_match(_DECIMAL_PATTERN), sa.cast(column, sa.Numeric())),
            else_=sa.null(),
        )
        value = _decimal_literals(value)
    return found.where(_COMPARATORS[comparison.op](column, value)).exists()


def _dataset_condition(comparison: Comparison) -> sa.ColumnElement[bool]:
    """Some dataset input of the run has a matching name, digest or context."""
    column = run_inputs.c.context if comparison.key == "context" else datasets.c[comparison.key]
    found = (
        sa.select(sa.literal_column("1", sa.Integer))
        .select_from(run_inputs.join(datasets, datasets.c.dataset_id == run_inputs.c.dataset_id))
        .where(run_inputs.c.run_id == runs.c.run_id)
    )
    if comparison.op is Op.IS_NULL:
        return ~found.exists()
    if comparison.op is Op.IS_NOT_NULL:
        return found.exists()
    return found.where(_COMPARATORS[comparison.op](column, comparison.value)).exists()


def _is_numeric(value: object) -> bool:
    if isinstance(value, tuple):
        return bool(value) and _is_numeric(value[0])
    return isinstance(value, (int, float))


def _decimal_literals(value: Any) -> Any:
    """Exact NUMERIC bind parameters, so PostgreSQL never casts a huge param to float."""
    if isinstance(value, tuple):
        return [_decimal_literal(item) for item in value]
    return _decimal_literal(value)


def _decimal_literal(value: Scalar) -> sa.BindParameter[Decimal]:
    return sa.literal(Decimal(repr(value)), sa.Numeric())


def _attribute_condition(comparison: Comparison) -> sa.ColumnElement[bool]:
    column = ATTRIBUTE_COLUMNS[comparison.key]
    if comparison.op is Op.IS_NULL:
        return column.is_(None)
    if comparison.op is Op.IS_NOT_NULL:
        return column.is_not(None)
    condition = _COMPARATORS[comparison.op](column, comparison.value)
    if comparison.key in _NULLABLE_ATTRIBUTES:
        # FALSE AND NULL is FALSE: a missing end time fails the comparison and `not` flips it.
        condition = sa.and_(column.is_not(None), condition)
    return condition


def _order_clauses(key: OrderKey) -> list[sa.ColumnElement[Any]]:
    direction: Callable[[sa.ColumnElement[Any]], sa.ColumnElement[Any]]
    direction = sa.asc if key.ascending else sa.desc
    if key.kind is Kind.ATTRIBUTE:
        column = ATTRIBUTE_COLUMNS[key.key]
        if key.key in _NULLABLE_ATTRIBUTES:
            return [column.is_(None), direction(column)]
        return [direction(column)]
    if key.kind is Kind.METRIC:
        column = _metric_column(key.aggregate)
        where = (latest_metrics.c.run_id == runs.c.run_id, latest_metrics.c.key == key.key)
        # 0: a number, 1: NaN, 2: missing.
        rank = sa.case((latest_metrics.c.is_nan, 1), else_=0)
        if key.aggregate is not None:
            rank = sa.case((column.is_(None), 2), else_=0)
        rank_of_run = sa.func.coalesce(sa.select(rank).where(*where).scalar_subquery(), 2)
        value_of_run = sa.select(column).where(*where).scalar_subquery()
        return [rank_of_run, direction(value_of_run)]
    table = _KEY_VALUE_TABLES[key.kind]
    value = (
        sa.select(table.c.value)
        .where(table.c.run_id == runs.c.run_id, table.c.key == key.key)
        .scalar_subquery()
    )
    return [value.is_(None), direction(value)]
