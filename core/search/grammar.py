"""The lark grammar of run-search filters and order-by items, and its cached parser.

``trialbook.search.parsing`` imports this module on the first parse, so importing
``trialbook.search`` does not load lark::

    node = parse("metrics.acc > 0.9", "filter")  # or start="order_item"
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from lark import Lark, Token
from lark.exceptions import UnexpectedInput
from lark.lark import PostLex

from trialbook.errors import SearchSyntaxError
from trialbook.search.builder import InvalidNode, NodeBuilder
from trialbook.search.messages import describe

# Keywords are regexes with a word boundary and a higher priority than IDENT, so "not x"
# is NOT then x while "notes" stays an identifier.
GRAMMAR = r"""
?filter: disjunction

?disjunction: conjunction (_OR conjunction)*
?conjunction: negation (_AND negation)*
?negation: NOT negation                     -> negate
         | _LPAR disjunction _RPAR
         | comparison

comparison: operand OP value                -> binary
          | operand IS NULL                 -> is_null
          | operand IS NOT NULL             -> is_not_null
          | operand NOT? IN _LPAR values _RPAR -> membership
          | operand NOT? LIKE value         -> like
          | operand NOT? ILIKE value        -> like

values: value (_COMMA value)*
?value: STRING | NUMBER

?operand: IDENT                             -> field
        | IDENT _LPAR IDENT _RPAR           -> function

order_item: operand (ASC | DESC)?

IDENT: /[A-Za-z_][A-Za-z0-9_]*(?:\.(?:`(?:[^`]|``)*`|"(?:[^"]|"")*"|[^\s=!<>(),'"`]*))?/
STRING: /'(?:[^']|'')*'/ | /"(?:[^"]|"")*"/
NUMBER: /[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/
OP: /<=|<>|>=|!=|==|=|<|>/

_OR.2: /or\b/i
_AND.2: /and\b/i
NOT.2: /not\b/i
IS.2: /is\b/i
NULL.2: /null\b/i
IN.2: /in\b/i
LIKE.2: /like\b/i
ILIKE.2: /ilike\b/i
ASC.2: /asc\b/i
DESC.2: /desc\b/i
_LPAR: "("
_RPAR: ")"
_COMMA: ","

%ignore /\s+/
"""


KEYWORDS = ("_OR", "_AND", "NOT", "IS", "NULL", "IN", "LIKE", "ILIKE", "ASC", "DESC")


class _Keywords(PostLex):
    """Recognise keywords everywhere, so a misplaced ``and`` is reported as one."""

    always_accept = KEYWORDS

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return stream


@functools.cache
def parser() -> Lark:
    """The LALR parser, built on first use; it turns text straight into search nodes."""
    return _lalr(NodeBuilder())


@functools.cache
def tree_parser() -> Lark:
    """The same parser without the node builder: it returns lark trees.

    The model registry's filters (:mod:`trialbook.registry.filters`) walk those trees.
    """
    return _lalr(None)


def _lalr(transformer: NodeBuilder | None) -> Lark:
    return Lark(
        GRAMMAR,
        parser="lalr",
        lexer="contextual",
        start=["filter", "order_item"],
        transformer=transformer,
        maybe_placeholders=False,
        postlex=_Keywords(),
    )


def parse(text: str, start: str) -> object:
    """The node ``text`` parses to from rule ``start``.

    Raises:
        SearchSyntaxError: ``text`` is malformed, or well-formed but meaningless.
    """
    try:
        return parser().parse(text, start=start)
    except InvalidNode as err:
        raise SearchSyntaxError(text, err.column, err.message) from None
    except UnexpectedInput as err:
        column, message = describe(parser(), text, start, err)
        raise SearchSyntaxError(text, column, message) from None
