"""Search filters and order-by items of the model registry, parsed into backend-neutral trees.

The text is parsed by the run-search grammar (:mod:`trialbook.search.grammar`), so quoting,
``and``/``or``/``not``, ``LIKE``/``ILIKE`` and ``IN`` work as in run search::

    name LIKE 'fraud%' and tags.team = 'risk'                 # registered models
    name = 'fraud' and version >= 3 or run_id = '3f2a...'     # model versions

The result is made of :mod:`trialbook.search` nodes: a field is a
``Comparison(Kind.ATTRIBUTE, <canonical field>, ...)`` (``version`` a whole number, the rest
text), a tag a ``Comparison(Kind.TAG, <key>, ...)``. A backend compiles those to its own
query (the SQL store) or evaluates them itself (the example memory store)::

    expr = parse_registry_filter("name = 'fraud' and version >= 3", VERSIONS)
    keys = parse_registry_order_by(["version ASC"], VERSIONS)

Registered models filter on ``name``, ``description`` and ``tags.<key>``; model versions on
``name``, ``version`` (alias ``version_number``), ``run_id``, ``artifact_path``,
``description`` and ``tags.<key>``. Both order by ``name``, ``creation_timestamp`` and
``last_updated_timestamp``; versions by ``version`` too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trialbook.errors import SearchSyntaxError
from trialbook.search.nodes import And, Comparison, Expr, Kind, Not, Op, Or, OrderKey, Scalar

_TAG_PREFIXES = frozenset({"tags", "tag"})
_BINARY = {
    "=": Op.EQ, "==": Op.EQ, "!=": Op.NE, "<>": Op.NE,
    "<": Op.LT, "<=": Op.LE, ">": Op.GT, ">=": Op.GE,
}  # fmt: skip


@dataclass(frozen=True)
class RegistryFields:
    """What a registry search runs over: its fields and what it may be ordered by."""

    what: str
    """``registered models`` or ``model versions``, for messages."""
    fields: Mapping[str, str]
    """Field names a filter may use (lower case) and the canonical field each stands for."""
    numeric: frozenset[str]
    """Canonical fields that are whole numbers."""
    order: Mapping[str, str]
    """Field names an order-by item may use and the canonical field each stands for."""


_ORDER = {
    "name": "name",
    "creation_timestamp": "creation_timestamp",
    "last_updated_timestamp": "last_updated_timestamp",
}

MODELS = RegistryFields(
    what="registered models",
    fields={"name": "name", "description": "description"},
    numeric=frozenset(),
    order=_ORDER,
)
VERSIONS = RegistryFields(
    what="model versions",
    fields={
        "name": "name",
        "version": "version",
        "version_number": "version",
        "run_id": "run_id",
        "artifact_path": "artifact_path",
        "description": "description",
    },
    numeric=frozenset({"version"}),
    order={**_ORDER, "version": "version", "version_number": "version"},
)


class _Invalid(Exception):
    def __init__(self, token: Any, message: str) -> None:
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


def parse_registry_filter(text: str | None, target: RegistryFields) -> Expr | None:
    """The filter's tree over ``target`` (:data:`MODELS` or :data:`VERSIONS`); None when blank.

    Raises:
        SearchSyntaxError: the filter is malformed or names an unknown field.
    """
    if text is None or not text.strip():
        return None
    try:
        return _node(_parse(text, "filter"), target)
    except _Invalid as err:
        raise SearchSyntaxError(text, err.column, err.message) from None


def parse_registry_order_by(items: Sequence[str], target: RegistryFields) -> list[OrderKey]:
    """One ``OrderKey(Kind.ATTRIBUTE, <canonical field>)`` per item, such as ``"version DESC"``.

    Raises:
        SearchSyntaxError: an item names a field ``target`` cannot be ordered by.
    """
    if isinstance(items, str):
        raise TypeError("order_by takes a list of strings, such as ['name ASC']")
    keys: list[OrderKey] = []
    for item in items:
        tree = _parse(item, "order_item")
        ident = tree.children[0].children[0]
        field = target.order.get(str(ident).lower())
        if tree.children[0].data != "field" or field is None:
            valid = ", ".join(target.order)
            raise SearchSyntaxError(item, 1, f"cannot order {target.what} by it; use {valid}")
        descending = len(tree.children) > 1 and tree.children[1].type == "DESC"
        keys.append(OrderKey(Kind.ATTRIBUTE, field, ascending=not descending))
    return keys


def _node(node: Any, target: RegistryFields) -> Expr:
    kind = node.data
    if kind == "disjunction":
        return Or(tuple(_node(child, target) for child in node.children))
    if kind == "conjunction":
        return And(tuple(_node(child, target) for child in node.children))
    if kind == "negate":
        return Not(_node(node.children[-1], target))
    return _comparison(node, target)


def _comparison(node: Any, target: RegistryFields) -> Comparison:
    operand = node.children[0]
    ident = operand.children[0]
    if operand.data != "field":
        raise _Invalid(ident, f"functions do not apply to {target.what}")
    text = str(ident)
    prefix, dot, key = text.partition(".")
    if dot and prefix.lower() in _TAG_PREFIXES:
        key = _unquote_key(key)
        if not key:
            raise _Invalid(ident, "missing key after 'tags.'")
        return _condition(node, Kind.TAG, key, numeric=False)
    field = target.fields.get(text.lower())
    if field is None:
        valid = ", ".join([*target.fields, "tags.<key>"])
        raise _Invalid(ident, f"unknown field '{text}' for {target.what}; use {valid}")
    if node.data in ("is_null", "is_not_null"):
        raise _Invalid(ident, f"'{text}' is never null; IS NULL applies to tags.<key>")
    return _condition(node, Kind.ATTRIBUTE, field, numeric=field in target.numeric)


def _condition(node: Any, kind: Kind, key: str, numeric: bool) -> Comparison:
    children: list[Any] = list(node.children)
    if node.data == "is_null":
        return Comparison(kind, key, Op.IS_NULL, None)
    if node.data == "is_not_null":
        return Comparison(kind, key, Op.IS_NOT_NULL, None)
    if node.data == "binary":
        return Comparison(kind, key, _BINARY[str(children[1])], _value(children[2], numeric))
    negated = len(children) == 4
    if node.data == "like":
        keyword = children[-2]
        if numeric:
            raise _Invalid(keyword, f"{keyword} compares text, but this field is a number")
        ignore_case = keyword.type == "ILIKE"
        op = {
            (False, False): Op.LIKE,
            (False, True): Op.ILIKE,
            (True, False): Op.NOT_LIKE,
            (True, True): Op.NOT_ILIKE,
        }[negated, ignore_case]
        return Comparison(kind, key, op, _value(children[-1], False))
    values = tuple(_value(token, numeric) for token in children[-1].children)
    return Comparison(kind, key, Op.NOT_IN if negated else Op.IN, values)


def _value(token: Any, numeric: bool) -> Scalar:
    if token.type == "NUMBER":
        if not numeric:
            raise _Invalid(token, "this field is text; quote the value")
        number = float(token)
        if not math.isfinite(number) or number != int(number) or abs(number) >= 2**31:
            raise _Invalid(token, "versions are whole numbers")
        return int(number)
    quote = token[0]
    text: str = token[1:-1].replace(quote * 2, quote)
    if numeric:
        if text.strip().isdigit():
            return int(text)
        raise _Invalid(token, "this field is a number; compare it with a number")
    return text


def _unquote_key(text: str) -> str:
    if len(text) >= 2 and text[0] in '`"' and text[-1] == text[0]:
        return text[1:-1].replace(text[0] * 2, text[0])
    return text
