"""Search filters and order-by items of the model registry, compiled to SQLAlchemy clauses.

The text is parsed by the run-search grammar (:mod:`trialbook.search.grammar`), so quoting,
``and``/``or``/``not``, ``LIKE``/``ILIKE`` and ``IN`` work as in run search::

    name LIKE 'fraud%' and tags.team = 'risk'                 # registered models
    name = 'fraud' and version >= 3 or run_id = '3f2a...'     # model versions

Registered models filter on ``name``, ``description`` and ``tags.<key>``; model versions on
``name``, ``version`` (alias ``version_number``), ``run_id``, ``artifact_path``,
``description`` and ``tags.<key>``. Both order by ``name``, ``creation_timestamp`` and
``last_updated_timestamp``; versions by ``version`` too.

Like :mod:`trialbook.search`, importing this module loads no lark: the first parse does (every
artifact write reads the run's write-once folders through the registry, and a fresh process
should not pay for a parser it may never use).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from trialbook.errors import SearchSyntaxError
from trialbook.store.sql import schema
from trialbook.store.sql.like import like_match

if TYPE_CHECKING:
    from lark import Token, Tree

_TAG_PREFIXES = frozenset({"tags", "tag"})


@dataclass(frozen=True)
class Target:
    """What a search runs over: its searchable columns and its tag table."""

    what: str
    columns: Mapping[str, sa.ColumnElement[Any]]
    numeric: frozenset[str]
    tag_exists: Any
    """Makes the correlated ``EXISTS`` of a tag row: ``tag_exists(key, condition)``."""
    order_columns: Mapping[str, sa.ColumnElement[Any]]


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
    what="registered models",
    columns={"name": _MODELS.c.name, "description": _MODELS.c.description},
    numeric=frozenset(),
    tag_exists=_model_tag,
    order_columns={
        "name": _MODELS.c.name,
        "creation_timestamp": _MODELS.c.creation_time,
        "last_updated_timestamp": _MODELS.c.last_update_time,
    },
)

VERSIONS = Target(
    what="model versions",
    columns={
        "name": _MODELS.c.name,
        "version": _VERSIONS.c.version,
        "version_number": _VERSIONS.c.version,
        "run_id": _VERSIONS.c.run_id,
        "artifact_path": _VERSIONS.c.artifact_path,
        "description": _VERSIONS.c.description,
    },
    numeric=frozenset({"version", "version_number"}),
    tag_exists=_version_tag,
    order_columns={
        "name": _MODELS.c.name,
        "version": _VERSIONS.c.version,
        "version_number": _VERSIONS.c.version,
        "creation_timestamp": _VERSIONS.c.creation_time,
        "last_updated_timestamp": _VERSIONS.c.last_update_time,
    },
)


class _Invalid(Exception):
    def __init__(self, token: Token, message: str) -> None:
        super().__init__(message)
        self.column = (token.start_pos or 0) + 1
        self.message = message


def _parse(text: str, start: str) -> Any:
    from lark.exceptions import UnexpectedInput

    from trialbook.search.grammar import tree_parser
    from trialbook.search.messages import describe

    try:
        return tree_parser().parse(text, start=start)
    except UnexpectedInput as err:
        column, message = describe(tree_parser(), text, start, err)
        raise SearchSyntaxError(text, column, message) from None


def filter_clause(text: str | None, target: Target) -> sa.ColumnElement[bool]:
    """The WHERE clause for a filter over ``target``; true() for a blank filter.

    Raises:
        SearchSyntaxError: the filter is malformed or names an unknown field.
    """
    if text is None or not text.strip():
        return sa.true()
    try:
        return _compile(_parse(text, "filter"), target)
    except _Invalid as err:
        raise SearchSyntaxError(text, err.column, err.message) from None


def order_clauses(items: Sequence[str], target: Target) -> list[sa.ColumnElement[Any]]:
    """ORDER BY clauses for items such as ``"version DESC"``."""
    if isinstance(items, str):
        raise TypeError("order_by takes a list of strings, such as ['name ASC']")
    clauses: list[sa.ColumnElement[Any]] = []
    for item in items:
        tree = _parse(item, "order_item")
        ident: Token = tree.children[0].children[0]
        if tree.children[0].data != "field" or str(ident).lower() not in target.order_columns:
            valid = ", ".join(target.order_columns)
            raise SearchSyntaxError(item, 1, f"cannot order {target.what} by it; use {valid}")
        column = target.order_columns[str(ident).lower()]
        descending = len(tree.children) > 1 and tree.children[1].type == "DESC"
        clauses.append(column.desc() if descending else column.asc())
    return clauses


def _compile(node: Any, target: Target) -> sa.ColumnElement[bool]:
    from lark import Token

    if isinstance(node, Token):  # pragma: no cover - the grammar never yields a bare token
        raise _Invalid(node, "expected a condition")
    kind = node.data
    if kind == "disjunction":
        return sa.or_(*(_compile(child, target) for child in node.children))
    if kind == "conjunction":
        return sa.and_(*(_compile(child, target) for child in node.children))
    if kind == "negate":
        return sa.not_(_compile(node.children[-1], target))
    return _comparison(node, target)


def _comparison(node: Tree[Any], target: Target) -> sa.ColumnElement[bool]:
    operand: Any = node.children[0]
    ident: Token = operand.children[0]
    if operand.data != "field":
        raise _Invalid(ident, f"functions do not apply to {target.what}")
    text = str(ident)
    prefix, dot, key = text.partition(".")
    if dot and prefix.lower() in _TAG_PREFIXES:
        return _tag_condition(node, _unquote_key(key), target, ident)
    column = target.columns.get(text.lower())
    if column is None:
        valid = ", ".join([*target.columns, "tags.<key>"])
        raise _Invalid(ident, f"unknown field '{text}' for {target.what}; use {valid}")
    numeric = text.lower() in target.numeric
    if node.data in ("is_null", "is_not_null"):
        raise _Invalid(ident, f"'{text}' is never null; IS NULL applies to tags.<key>")
    return _condition(node, column, numeric)


def _tag_condition(
    node: Tree[Any], key: str, target: Target, ident: Token
) -> sa.ColumnElement[bool]:
    if not key:
        raise _Invalid(ident, "missing key after 'tags.'")
    exists: sa.ColumnElement[bool] = target.tag_exists(key, None).exists()
    if node.data == "is_null":
        return ~exists
    if node.data == "is_not_null":
        return exists
    value_column = schema.model_version_tags.c.value
    if target is MODELS:
        value_column = schema.registered_model_tags.c.value
    result: sa.ColumnElement[bool] = target.tag_exists(
        key, _condition(node, value_column, False)
    ).exists()
    return result


def _condition(node: Tree[Any], column: Any, numeric: bool) -> sa.ColumnElement[bool]:
    children: list[Any] = list(node.children)
    result: sa.ColumnElement[bool]
    if node.data == "binary":
        op = str(children[1])
        value = _value(children[2], numeric)
        comparators = {
            "=": column.__eq__,
            "==": column.__eq__,
            "!=": column.__ne__,
            "<>": column.__ne__,
            "<": column.__lt__,
            "<=": column.__le__,
            ">": column.__gt__,
            ">=": column.__ge__,
        }
        result = comparators[op](value)
        return result
    if node.data == "like":
        keyword: Token = children[-2]
        if numeric:
            raise _Invalid(keyword, f"{keyword} compares text, but this field is a number")
        pattern = _value(children[-1], False)
        matched = like_match(column, str(pattern), ignore_case=keyword.type == "ILIKE")
        result = ~matched if len(children) == 4 else matched
        return result
    values = [_value(token, numeric) for token in children[-1].children]
    result = column.not_in(values) if len(children) == 4 else column.in_(values)
    return result


def _value(token: Token, numeric: bool) -> str | int:
    if token.type == "NUMBER":
        if not numeric:
            raise _Invalid(token, "this field is text; quote the value")
        number = float(token)
        if not math.isfinite(number) or number != int(number) or abs(number) >= 2**31:
            raise _Invalid(token, "versions are whole numbers")
        return int(number)
    quote = token[0]
    text = token[1:-1].replace(quote * 2, quote)
    if numeric:
        if text.strip().isdigit():
            return int(text)
        raise _Invalid(token, "this field is a number; compare it with a number")
    return text


def _unquote_key(text: str) -> str:
    if len(text) >= 2 and text[0] in '`"' and text[-1] == text[0]:
        return text[1:-1].replace(text[0] * 2, text[0])
    return text
