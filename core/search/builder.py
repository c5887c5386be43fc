"""Turns the grammar's matches into search nodes, checking what the grammar cannot.

The parser calls :class:`NodeBuilder` as it reduces (lark's inline LALR transformer), so
parsing yields nodes directly. Checks such as "metrics compare with numbers" raise
:class:`InvalidNode` with the 1-based column of the offending token.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lark import Token, Transformer

from trialbook.entities import LifecycleStage, RunStatus
from trialbook.search.nodes import (
    ATTRIBUTE_ALIASES,
    ATTRIBUTES,
    DATASET_FIELDS,
    MLFLOW_TAGS,
    PREFIXES,
    Aggregate,
    And,
    AttributeType,
    Comparison,
    Expr,
    Kind,
    Not,
    Op,
    Or,
    OrderKey,
    Scalar,
)

_OPS = {"=": Op.EQ, "==": Op.EQ, "!=": Op.NE, "<>": Op.NE, "<": Op.LT, "<=": Op.LE}
_OPS |= {">": Op.GT, ">=": Op.GE}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_LIKE_OPS = {(False, "LIKE"): Op.LIKE, (True, "LIKE"): Op.NOT_LIKE}
_LIKE_OPS |= {(False, "ILIKE"): Op.ILIKE, (True, "ILIKE"): Op.NOT_ILIKE}
_EQUALITY_OPS = frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN})


class InvalidNode(Exception):
    """A well-formed filter that means nothing (``metrics.acc LIKE 'x'``)."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Field:
    """The left side of a comparison, as written, with where it starts."""

    kind: Kind
    key: str
    aggregate: Aggregate | None
    text: str
    column: int

    @property
    def is_numeric(self) -> bool:
        """True for metrics and number attributes (times, duration, experiment_id)."""
        if self.kind is Kind.METRIC:
            return True
        return self.kind is Kind.ATTRIBUTE and ATTRIBUTES[self.key] is AttributeType.NUMBER


def column_of(token: Token) -> int:
    """The 1-based column (character offset) where ``token`` starts."""
    return (token.start_pos or 0) + 1


class NodeBuilder(Transformer[Token, Any]):
    """Callbacks named after the grammar's rules and aliases."""

    def disjunction(self, children: list[Expr]) -> Expr:
        return Or(tuple(children))

    def conjunction(self, children: list[Expr]) -> Expr:
        return And(tuple(children))

    def negate(self, children: tuple[Token, Expr]) -> Expr:
        return Not(children[1])

    def field(self, children: tuple[Token]) -> Field:
        return identify(children[0])

    def function(self, children: tuple[Token, Token]) -> Field:
        name, ident = children
        try:
            aggregate = Aggregate(str(name).lower())
        except ValueError:
            raise InvalidNode(
                column_of(name),
                f"unknown function '{name}'; use min(metrics.<key>) or max(metrics.<key>)",
            ) from None
        inner = identify(ident)
        if inner.kind is not Kind.METRIC:
            raise InvalidNode(
                inner.column, f"{aggregate.value}() applies to metrics, as in min(metrics.loss)"
            )
        text = f"{name}({ident})"
        return Field(Kind.METRIC, inner.key, aggregate, text, column_of(name))

    def binary(self, children: tuple[Field, Token, Token]) -> Comparison:
        field, op, value = children
        return compare(field, _OPS[str(op)], [value], column_of(op))

    def is_null(self, children: Sequence[Any]) -> Comparison:
        field: Field = children[0]
        return Comparison(field.kind, field.key, Op.IS_NULL, None, field.aggregate)

    def is_not_null(self, children: Sequence[Any]) -> Comparison:
        field: Field = children[0]
        return Comparison(field.kind, field.key, Op.IS_NOT_NULL, None, field.aggregate)

    def membership(self, children: Sequence[Any]) -> Comparison:
        field: Field = children[0]
        op = Op.NOT_IN if len(children) == 4 else Op.IN
        return compare(field, op, children[-1], column_of(children[-2]))

    def values(self, children: list[Token]) -> list[Token]:
        return children

    def like(self, children: Sequence[Any]) -> Comparison:
        field: Field = children[0]
        keyword: Token = children[-2]
        op = _LIKE_OPS[len(children) == 4, keyword.type]
        return compare(field, op, [children[-1]], column_of(keyword))

    def order_item(self, children: Sequence[Any]) -> OrderKey:
        field: Field = children[0]
        if field.kind is Kind.DATASET:
            raise InvalidNode(
                field.column, f"runs cannot be ordered by {field.text}; filter on it instead"
            )
        ascending = len(children) == 1 or children[1].type == "ASC"
        return OrderKey(field.kind, field.key, ascending, field.aggregate)


def identify(token: Token) -> Field:
    """The field an identifier names: ``metrics.`val loss```, ``attr.name``, ``status``."""
    text = str(token)
    column = column_of(token)
    prefix, dot, rest = text.partition(".")
    if not dot:
        name = ATTRIBUTE_ALIASES.get(text.lower(), text.lower())
        if name in ATTRIBUTES:
            return Field(Kind.ATTRIBUTE, name, None, text, column)
        if name in PREFIXES:
            raise InvalidNode(column, f"'{text}' needs a key, as in {text}.<key>")
        raise InvalidNode(
            column,
            f"unknown identifier '{text}'; use metrics.<key>, params.<key>, tags.<key> or "
            "attributes.<name>",
        )
    kind = PREFIXES.get(prefix.lower())
    if kind is None:
        raise InvalidNode(
            column,
            f"unknown prefix '{prefix}.'; use metrics., params., tags., attributes. or "
            "datasets. (or metric., param., tag., attribute., attr., run., dataset.)",
        )
    key = _unquote_key(rest)
    key_column = column + len(prefix) + 1
    if not key:
        raise InvalidNode(key_column, f"missing key after '{prefix}.'")
    if kind is Kind.DATASET:
        if key.lower() not in DATASET_FIELDS:
            raise InvalidNode(
                key_column,
                f"unknown dataset field '{key}'; use datasets.name, datasets.digest or "
                "datasets.context",
            )
        return Field(kind, key.lower(), None, text, column)
    if kind is Kind.TAG and key.lower() in MLFLOW_TAGS:
        kind, key = MLFLOW_TAGS[key.lower()]
    if kind is not Kind.ATTRIBUTE:
        return Field(kind, key, None, text, column)
    name = ATTRIBUTE_ALIASES.get(key.lower(), key.lower())
    if name not in ATTRIBUTES:
        valid = ", ".join(sorted([*ATTRIBUTES, *ATTRIBUTE_ALIASES]))
        raise InvalidNode(key_column, f"unknown attribute '{key}'; valid attributes: {valid}")
    return Field(kind, name, None, text, column)


def compare(field: Field, op: Op, tokens: Sequence[Token], op_column: int) -> Comparison:
    """The comparison ``field op tokens``, or :class:`InvalidNode` if it means nothing."""
    is_like = op in (Op.LIKE, Op.ILIKE, Op.NOT_LIKE, Op.NOT_ILIKE)
    if is_like and field.is_numeric:
        raise InvalidNode(op_column, f"{op.value} compares text, but {field.text} is a number")
    scalars = [_scalar(field, token, is_like) for token in tokens]
    if len({type(s) is str for s in scalars}) > 1:
        raise InvalidNode(
            op_column, "the IN list mixes numbers and strings; quote every value to compare text"
        )
    if field.kind is Kind.ATTRIBUTE:
        scalars = [_normalise(field, op, s, t) for s, t in zip(scalars, tokens, strict=True)]
    value = tuple(scalars) if op in (Op.IN, Op.NOT_IN) else scalars[0]
    return Comparison(field.kind, field.key, op, value, field.aggregate)


def _scalar(field: Field, token: Token, is_like: bool) -> Scalar:
    """The Python value of a STRING or NUMBER token, checked against the field."""
    column = column_of(token)
    if token.type == "NUMBER":
        if is_like:
            raise InvalidNode(column, "a LIKE pattern must be a quoted string")
        if not field.is_numeric and field.kind in (Kind.ATTRIBUTE, Kind.DATASET):
            raise InvalidNode(column, f"{field.text} is text; quote the value")
        return _number(token)
    quote = token[0]
    text = token[1:-1].replace(quote * 2, quote)
    if is_like and re.search(r"(?<!\\)(?:\\\\)*\\\Z", text):
        raise InvalidNode(column, r"a LIKE pattern cannot end with a lone '\'; write '\\'")
    if field.is_numeric:
        if field.key == "experiment_id" and _INTEGER.fullmatch(text):
            return int(text)
        raise InvalidNode(column, f"{field.text} is a number; compare it with a number")
    return text


def _number(token: Token) -> int | float:
    """An int when it fits a 64-bit column, else a float (databases bind no bigger ints)."""
    if _INTEGER.fullmatch(token) and abs(number := int(token)) < 2**63:
        return number
    value = float(token)
    if not math.isfinite(value):
        raise InvalidNode(column_of(token), f"number {token} is out of range")
    return value


def _normalise(field: Field, op: Op, value: Scalar, token: Token) -> Scalar:
    """Statuses compare upper case, lifecycle stages lower case; both must exist."""
    if field.key == "status":
        allowed = [s.value for s in RunStatus]
    elif field.key == "lifecycle_stage":
        allowed = [s.value for s in LifecycleStage]
    else:
        return value
    text = str(value)
    text = text.upper() if field.key == "status" else text.lower()
    if op in _EQUALITY_OPS and text not in allowed:
        raise InvalidNode(
            column_of(token), f"unknown {field.key} {value!r}; use one of {', '.join(allowed)}"
        )
    return text


def _unquote_key(text: str) -> str:
    if len(text) >= 2 and text[0] in '`"' and text[-1] == text[0]:
        quote = text[0]
        return text[1:-1].replace(quote * 2, quote)
    return text
