"""Phrase lark's parse errors for someone writing a filter: where, and what was expected.

``describe(parser, "metrics.acc 0.9", "filter", err)`` gives ``(13, "expected a comparison
operator (...) after 'metrics.acc', found '0.9'")``.
"""

from __future__ import annotations

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from trialbook.search.builder import InvalidNode

_OPERATORS = "=, !=, <, <=, >, >=, [NOT] LIKE, [NOT] ILIKE, [NOT] IN (...), IS [NOT] NULL"
_IDENTIFIERS = "metrics.<key>, params.<key>, tags.<key> or attributes.<name>"


def describe(parser: Lark, text: str, start: str, err: UnexpectedInput) -> tuple[int, str]:
    """The 1-based column and the message for ``err``, raised parsing ``text``."""
    if isinstance(err, UnexpectedCharacters):
        position = err.pos_in_stream or 0
        char = text[position]
        if char == "`" or (char == '"' and text[:position].endswith(".")):
            return position + 1, "unterminated quoted key; close it with the same quote"
        if char in "'\"":
            return position + 1, "unterminated string; close it with the same quote"
        return position + 1, f"unexpected character {char!r}"
    if not isinstance(err, UnexpectedToken):
        return len(text.rstrip()) + 1, "unexpected end of input"
    token = err.token
    if token.type == "$END":
        position, found = len(text.rstrip()), "the end of the input"
    else:
        position, found = token.start_pos or 0, _quoted(str(token))
    previous = _previous_token(parser, text, start, position)
    expected = set(err.accepts if err.interactive_parser else err.expected)
    if token.type == "_RPAR" and "$END" in expected:
        return position + 1, "unmatched ')'"
    message = f"{_expectation(expected, previous)}, found {found}"
    if "OP" in expected and token.type == "IDENT" and "." in previous[:-1]:
        message += "; quote keys that contain spaces, as in metrics.`val loss`"
    if token.type == "NULL" and ("STRING" in expected or "OP" in expected):
        message += "; test for a missing key with IS NULL"
    if token.type == "_COMMA" and previous and "ASC" in expected:
        message += "; pass each order-by item as its own string"
    return position + 1, message


def _after(previous: str) -> str:
    return f" after {_quoted(previous)}" if previous else ""


def _expectation(expected: set[str], previous: str) -> str:
    after = _after(previous)
    if "OP" in expected:
        return f"expected a comparison operator ({_OPERATORS}){after}"
    if "NULL" in expected:
        return ("expected NULL or NOT NULL" if "NOT" in expected else "expected NULL") + after
    if expected >= {"IN", "LIKE", "ILIKE"}:
        return f"expected IN, LIKE or ILIKE{after}"
    if "STRING" in expected:
        return f"expected a value (a quoted string or a number){after}"
    if "IDENT" in expected and "NOT" in expected:
        return f"expected a condition such as metrics.acc > 0.9 ({_IDENTIFIERS}){after}"
    if "IDENT" in expected:
        return f"expected an identifier ({_IDENTIFIERS}){after}"
    if "_COMMA" in expected:
        return f"expected ',' or ')' in the list{after}"
    if "ASC" in expected:
        return f"expected ASC, DESC or the end of the order-by item{after}"
    if "_AND" in expected:
        ending = "')'" if "_RPAR" in expected else "the end of the filter"
        return f"expected 'and', 'or' or {ending}{after}"
    if "_RPAR" in expected:
        return f"expected ')'{after}"
    if "_LPAR" in expected:
        return f"expected '('{after}"
    if "$END" in expected:
        return f"expected the end of the input{after}"
    return f"unexpected input{after}"


def _previous_token(parser: Lark, text: str, start: str, position: int) -> str:
    """The text of the last token before ``position``, found by parsing up to it again."""
    previous = ""
    interactive = parser.parse_interactive(text, start=start)
    try:
        for token in interactive.iter_parse():
            if (token.start_pos or 0) >= position:
                break
            previous = str(token)
    except (UnexpectedInput, InvalidNode):
        pass
    return previous


def _quoted(text: str) -> str:
    """``text`` in quotes for a message, unless it is a quoted string already."""
    text = text if len(text) <= 40 else text[:37] + "..."
    return text if text[:1] in ("'", '"') else f"'{text}'"
