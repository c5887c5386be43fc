"""Malformed filters and order-by items raise SearchSyntaxError pointing at the problem."""

from __future__ import annotations

import pytest

from trialbook.errors import SearchSyntaxError, TrialbookError
from trialbook.search import parse_filter, parse_order_by


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("metrics.acc 0.9", 13, "expected a comparison operator"),
        ("metrics.acc 0.9", 13, "after 'metrics.acc'"),
        ("metrics.acc >", 14, "expected a value (a quoted string or a number) after '>'"),
        ("metrics.acc > 0.9 and", 22, "expected a condition such as metrics.acc > 0.9"),
        ("and metrics.acc > 1", 1, "expected a condition"),
        ("metrics.a > 1 or or metrics.b > 1", 18, "found 'or'"),
        ("metrics.a > 1 params.b = 'x'", 15, "expected 'and', 'or' or the end of the filter"),
        ("(metrics.a > 1", 15, "expected ')'"),
        ("metrics.a > 1)", 14, "unmatched ')'"),
        ("params.a = 'abc", 12, "unterminated string"),
        ("metrics.`val loss > 1", 9, "unterminated quoted key"),
        ("metrics.val loss > 1", 13, "quote keys that contain spaces"),
        ("params.a in ('a' 'b')", 18, "expected ',' or ')'"),
        ("params.a in 'a'", 13, "expected '(' after 'in'"),
        ("params.a not 5", 14, "expected IN, LIKE or ILIKE after 'not'"),
        ("params.a is 5", 13, "expected NULL or NOT NULL after 'is'"),
        ("params.a = null", 12, "test for a missing key with IS NULL"),
        ("metrics.a > 1 #", 15, "unexpected character '#'"),
        ("foo.x = 1", 1, "unknown prefix 'foo.'"),
        ("bogus = 1", 1, "unknown identifier 'bogus'"),
        ("metrics = 1", 1, "'metrics' needs a key"),
        ("metrics. > 1", 9, "missing key after 'metrics.'"),
        ("attributes.colour = 'x'", 12, "unknown attribute 'colour'; valid attributes:"),
        ("metrics.a LIKE 'x'", 11, "LIKE compares text, but metrics.a is a number"),
        ("metrics.a = 'x'", 13, "metrics.a is a number"),
        ("attributes.start_time = 'x'", 25, "is a number"),
        ("run_name = 5", 12, "run_name is text; quote the value"),
        ("params.a IN (1, 'x')", 10, "mixes numbers and strings"),
        ("status = 'done'", 10, "unknown status 'done'; use one of RUNNING"),
        ("avg(metrics.a) > 1", 1, "unknown function 'avg'"),
        ("min(params.a) > 1", 5, "min() applies to metrics"),
        ("params.a LIKE 5", 15, "a LIKE pattern must be a quoted string"),
        ("params.a LIKE 'x\\'", 15, "cannot end with a lone"),
        ("metrics.a > 1e999", 13, "out of range"),
    ],
)
def test_malformed_filter_reports_column_and_reason(text: str, column: int, message: str) -> None:
    with pytest.raises(SearchSyntaxError) as caught:
        parse_filter(text)
    assert caught.value.column == column
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("item", "column", "message"),
    [
        ("metrics.acc up", 13, "expected ASC, DESC or the end of the order-by item"),
        ("metrics.acc desc extra", 18, "expected the end of the input"),
        ("metrics.a, params.b", 10, "pass each order-by item as its own string"),
        ("desc", 1, "expected an identifier"),
        ("  ", 1, "empty order-by item"),
        ("attributes.nope", 12, "unknown attribute 'nope'"),
    ],
)
def test_malformed_order_by_item_reports_column_and_reason(
    item: str, column: int, message: str
) -> None:
    with pytest.raises(SearchSyntaxError) as caught:
        parse_order_by(["metrics.ok", item])
    assert caught.value.column == column
    assert message in caught.value.message


def test_unknown_attribute_error_lists_the_valid_ones() -> None:
    with pytest.raises(SearchSyntaxError, match="duration") as caught:
        parse_filter("attributes.colour = 'x'")
    assert "run_name" in caught.value.message


def test_syntax_error_is_a_trialbook_value_error() -> None:
    with pytest.raises(SearchSyntaxError) as caught:
        parse_filter("metrics.acc >")
    assert isinstance(caught.value, TrialbookError)
    assert isinstance(caught.value, ValueError)


def test_syntax_error_shows_the_text_with_a_caret_under_the_column() -> None:
    with pytest.raises(SearchSyntaxError) as caught:
        parse_filter("metrics.acc 0.9")
    assert caught.value.text == "metrics.acc 0.9"
    assert str(caught.value).endswith("  metrics.acc 0.9\n              ^")


def test_column_counts_characters_across_lines() -> None:
    with pytest.raises(SearchSyntaxError) as caught:
        parse_filter("metrics.a > 1\nand metrics.b >")
    assert caught.value.column == len("metrics.a > 1\nand metrics.b >") + 1
