r"""SQL ``LIKE``/``ILIKE`` with one meaning on every database and no catastrophic backtracking.

::

    sa.select(runs.c.run_id).where(like_match(runs.c.name, "eps\\%%"))

``%`` matches any run of characters (newlines included), ``_`` one character, and ``\``
makes the next character literal. ``LIKE`` is case-sensitive, ``ILIKE`` is not.

PostgreSQL runs its own ``LIKE``/``ILIKE`` (``\`` is its default escape character), whose
matcher never backtracks past a ``%``. SQLite's ``LIKE`` ignores ASCII case only, so there the
pattern becomes a Python regular expression in which every segment after a ``%`` is an
atomic group (``(?>.*?segment)``): the leftmost match of each segment is final, which is
exactly right for ``%``/``_`` patterns and costs at most (text length x pattern length) per
row, where ``.*`` per ``%`` cost (text length) to the power of the number of ``%``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler


class LikeMatch(sa.sql.expression.ColumnElement[bool]):
    """``column LIKE pattern`` (or ``ILIKE``), compiled per dialect; see the module doc."""

    type = sa.Boolean()
    inherit_cache = False
    """The pattern is compiled into the statement: statements holding one are not cached."""

    def __init__(self, column: sa.ColumnElement[Any], pattern: str, ignore_case: bool) -> None:
        self.column = column
        self.pattern = pattern
        self.ignore_case = ignore_case


def like_match(
    column: sa.ColumnElement[Any], pattern: str, *, ignore_case: bool = False
) -> sa.ColumnElement[bool]:
    """True where ``column`` matches the LIKE ``pattern``."""
    return LikeMatch(column, pattern, ignore_case)


@compiles(LikeMatch, "postgresql")
def _compile_postgresql(element: LikeMatch, compiler: SQLCompiler, **kw: Any) -> str:
    column = element.column
    pattern = sa.literal(element.pattern, sa.Text())
    clause = column.ilike(pattern) if element.ignore_case else column.like(pattern)
    return compiler.process(clause, **kw)


@compiles(LikeMatch)
def _compile_regexp(element: LikeMatch, compiler: SQLCompiler, **kw: Any) -> str:
    regex = like_regex(element.pattern, ignore_case=element.ignore_case)
    return compiler.process(element.column.regexp_match(regex), **kw)


def like_regex(pattern: str, *, ignore_case: bool = False) -> str:
    r"""The Python regular expression, linear to match, for a LIKE pattern.

    >>> like_regex("a%b_%c")
    '(?s)\\Aa(?>.*?b.).*c\\Z'
    """
    segments = _segments(pattern)
    parts = ["(?si)" if ignore_case else "(?s)", r"\A", segments[0]]
    if len(segments) > 1:
        parts.extend(f"(?>.*?{segment})" for segment in segments[1:-1])
        # The last segment ends the text: after '.*' it backtracks at most its own length.
        parts.extend([".*", segments[-1]])
    parts.append(r"\Z")
    return "".join(parts)


def _segments(pattern: str) -> list[str]:
    """The regular expressions of the pattern's parts between unescaped ``%``."""
    segments: list[str] = []
    current: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "%":
            segments.append("".join(current))
            current = []
        elif char == "_":
            current.append(".")
        else:
            if char == "\\":
                char = next(chars, "\\")
            current.append(_regex_literal(char))
    segments.append("".join(current))
    return segments


def _regex_literal(char: str) -> str:
    # A backslash before an ASCII punctuation mark is a literal; letters, digits and
    # non-ASCII characters are literals as they are.
    if char.isascii() and not char.isalnum():
        return "\\" + char
    return char
