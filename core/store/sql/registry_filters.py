"""The model registry's search filters and order-by items, compiled to SQLAlchemy clauses.

:mod:`trialbook.registry.filters` parses and checks them (fields, types); this module turns
the parsed tree into a WHERE clause and ORDER BY clauses over the registry's tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from trialbook.registry import filters as registry_fields
from trialbook.search.nodes import And, Comparison, Expr, Kind, Not, Op, Or
from trialbook.store.sql import schema
from trialbook.store.sql.like import like_match


@dataclass(frozen=True)
class Target:
    """What a search runs over: its fields, their columns and its tag table."""

    fields: registry_fields.RegistryFields
    columns: Mapping[str, sa.ColumnElement[Any]]
    """The column of each canonical field (filters and order-by)."""
    tag_exists: Callable[[str, sa.ColumnElement[bool] | None], Any]
    """Makes the correlated ``EXISTS`` of a tag row: ``tag_exists(key, condition)``."""
    tag_value: sa.ColumnElement[Any]


def _model_tag(key: str, condition: sa.ColumnElement[bool] | None) -> Any:
    table = schema.registered_model_tags
    found = sa.select(sa.literal_column("1", sa.Integer)).where(
        table.c.model_id == schema.registered_models.c.model_id, table.c.key == key
    )
    return found if condition is None else found.where(condition)


def _version_tag(key: str, condition: sa.ColumnElement[bool] | None) -> Any:
    table = schema.model_version_tags
    versions = schema.model_versions
    found = sa.select(sa.literal_column("1", sa.Integer)).where(
        table.c.model_id == versions.c.model_id,
        table.c.version == versions.c.version,
        table.c.key == key,
    )
    return found if condition is None else found.where(condition)


_MODELS = schema.registered_models
_VERSIONS = schema.model_versions

MODELS = Target(
    fields=registry_fields.MODELS,
    columns={
        "name": _MODELS.c.name,
        "description": _MODELS.c.description,
        "creation_timestamp": _MODELS.c.creation_time,
        "last_updated_timestamp": _MODELS.c.last_update_time,
    },
    tag_exists=_model_tag,
    tag_value=schema.registered_model_tags.c.value,
)

VERSIONS = Target(
    fields=registry_fields.VERSIONS,
    columns={
        "name": _MODELS.c.name,
        "version": _VERSIONS.c.version,
        "run_id": _VERSIONS.c.run_id,
        "artifact_path": _VERSIONS.c.artifact_path,
        "description": _VERSIONS.c.description,
        "creation_timestamp": _VERSIONS.c.creation_time,
        "last_updated_timestamp": _VERSIONS.c.last_update_time,
    },
    tag_exists=_version_tag,
    tag_value=schema.model_version_tags.c.value,
)


def filter_clause(text: str | None, target: Target) -> sa.ColumnElement[bool]:
    """The WHERE clause for a filter over ``target``; true() for a blank filter.

    Raises:
        SearchSyntaxError: the filter is malformed or names an unknown field.
    """
    expr = registry_fields.parse_registry_filter(text, target.fields)
    return sa.true() if expr is None else _compile(expr, target)


def order_clauses(items: Sequence[str], target: Target) -> list[sa.ColumnElement[Any]]:
    """ORDER BY clauses for items such as ``"version DESC"``."""
    keys = registry_fields.parse_registry_order_by(items, target.fields)
    columns = [target.columns[key.key] for key in keys]
    return [c.asc() if key.ascending else c.desc() for c, key in zip(columns, keys, strict=True)]


def _compile(expr: Expr, target: Target) -> sa.ColumnElement[bool]:
    if isinstance(expr, Or):
        return sa.or_(*(_compile(operand, target) for operand in expr.operands))
    if isinstance(expr, And):
        return sa.and_(*(_compile(operand, target) for operand in expr.operands))
    if isinstance(expr, Not):
        return sa.not_(_compile(expr.operand, target))
    if expr.kind is not Kind.TAG:
        return _condition(expr, target.columns[expr.key])
    exists: sa.ColumnElement[bool]
    if expr.op is Op.IS_NULL:
        exists = ~target.tag_exists(expr.key, None).exists()
    elif expr.op is Op.IS_NOT_NULL:
        exists = target.tag_exists(expr.key, None).exists()
    else:
        exists = target.tag_exists(expr.key, _condition(expr, target.tag_value)).exists()
    return exists


def _condition(comparison: Comparison, column: Any) -> sa.ColumnElement[bool]:
    op, value = comparison.op, comparison.value
    result: sa.ColumnElement[bool]
    if op in (Op.LIKE, Op.ILIKE, Op.NOT_LIKE, Op.NOT_ILIKE):
        matched = like_match(column, str(value), ignore_case=op in (Op.ILIKE, Op.NOT_ILIKE))
        result = matched if op in (Op.LIKE, Op.ILIKE) else ~matched
    elif op in (Op.IN, Op.NOT_IN):
        values = list(value) if isinstance(value, tuple) else [value]
        result = column.in_(values) if op is Op.IN else column.not_in(values)
    else:
        result = _COMPARATORS[op](column, value)
    return result


_COMPARATORS: Mapping[Op, Callable[[Any, Any], sa.ColumnElement[bool]]] = {
    Op.EQ: lambda column, value: column == value,
    Op.NE: lambda column, value: column != value,
    Op.LT: lambda column, value: column < value,
    Op.LE: lambda column, value: column <= value,
    Op.GT: lambda column, value: column > value,
    Op.GE: lambda column, value: column >= value,
}
