"""Filter and order-by text parses into the expected nodes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import trialbook
from trialbook.search import (
    Aggregate,
    And,
    Comparison,
    Kind,
    Not,
    Op,
    Or,
    OrderKey,
    parse_filter,
    parse_order_by,
)


def test_blank_filter_parses_to_none() -> None:
    assert parse_filter("") is None
    assert parse_filter(" \t\n") is None


def test_comparison_parses_to_kind_key_op_and_value() -> None:
    assert parse_filter("metrics.acc >= 0.9") == Comparison(Kind.METRIC, "acc", Op.GE, 0.9)


def test_and_binds_tighter_than_or() -> None:
    a, b, c = (Comparison(Kind.TAG, key, Op.EQ, "x") for key in "abc")
    assert parse_filter("tags.a = 'x' or tags.b = 'x' and tags.c = 'x'") == Or((a, And((b, c))))


def test_not_binds_tighter_than_and() -> None:
    a, b = (Comparison(Kind.TAG, key, Op.EQ, "x") for key in "ab")
    assert parse_filter("not tags.a = 'x' and tags.b = 'x'") == And((Not(a), b))


def test_parentheses_group_first() -> None:
    a, b, c = (Comparison(Kind.TAG, key, Op.EQ, "x") for key in "abc")
    text = "(tags.a = 'x' or tags.b = 'x') and not (tags.c = 'x')"
    assert parse_filter(text) == And((Or((a, b)), Not(c)))


@pytest.mark.parametrize(
    ("prefix", "kind"),
    [
        ("metrics", Kind.METRIC),
        ("metric", Kind.METRIC),
        ("params", Kind.PARAM),
        ("param", Kind.PARAM),
        ("tags", Kind.TAG),
        ("TAG", Kind.TAG),
        ("attributes", Kind.ATTRIBUTE),
        ("attribute", Kind.ATTRIBUTE),
        ("attr", Kind.ATTRIBUTE),
        ("run", Kind.ATTRIBUTE),
    ],
)
def test_prefix_names_its_kind(prefix: str, kind: Kind) -> None:
    key = "description" if kind is Kind.ATTRIBUTE else "k"
    assert parse_filter(f"{prefix}.{key} IS NULL") == Comparison(kind, key, Op.IS_NULL, None)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("run_uuid", "run_id"), ("id", "run_id"), ("name", "run_name"), ("user", "user_id")],
)
def test_attribute_alias_parses_to_its_canonical_name(written: str, canonical: str) -> None:
    expected = Comparison(Kind.ATTRIBUTE, canonical, Op.EQ, "x")
    assert parse_filter(f"attributes.{written} = 'x'") == expected
    assert parse_filter(f"{written} = 'x'") == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("metrics.val.loss<1", "val.loss"),
        ("metrics.system/cpu>=1", "system/cpu"),
        ("metrics.f1-score = 1", "f1-score"),
        ("metrics.`val loss` = 1", "val loss"),
        ('metrics."model/type.v-2" = 1', "model/type.v-2"),
        ("metrics.`it``s` = 1", "it`s"),
        ('metrics."say ""hi""" = 1', 'say "hi"'),
    ],
)
def test_key_runs_to_the_operator_unless_quoted(text: str, key: str) -> None:
    comparison = parse_filter(text)
    assert isinstance(comparison, Comparison)
    assert comparison.key == key


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'it''s'", "it's"),
        ('"say ""hi"""', 'say "hi"'),
        (r"'C:\tmp'", r"C:\tmp"),
        ("''", ""),
    ],
)
def test_strings_escape_their_quote_by_doubling_it(text: str, value: str) -> None:
    assert parse_filter(f"params.p = {text}") == Comparison(Kind.PARAM, "p", Op.EQ, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1), ("-2", -2), ("+3", 3), ("1.5", 1.5), ("1e3", 1000.0), ("-1.5E-3", -0.0015)],
)
def test_numbers_parse_as_int_or_float(text: str, value: float) -> None:
    comparison = parse_filter(f"metrics.m = {text}")
    assert isinstance(comparison, Comparison)
    assert comparison.value == value
    assert type(comparison.value) is type(value)


@pytest.mark.parametrize(
    ("op_text", "op"),
    [
        ("=", Op.EQ),
        ("==", Op.EQ),
        ("!=", Op.NE),
        ("<>", Op.NE),
        ("LIKE", Op.LIKE),
        ("not like", Op.NOT_LIKE),
        ("ILike", Op.ILIKE),
        ("NOT ILIKE", Op.NOT_ILIKE),
    ],
)
def test_operator_spellings_parse_to_one_op(op_text: str, op: Op) -> None:
    assert parse_filter(f"tags.t {op_text} 'x'") == Comparison(Kind.TAG, "t", op, "x")


def test_in_lists_parse_to_tuples() -> None:
    assert parse_filter("params.p not in ('a', 'b')") == Comparison(
        Kind.PARAM, "p", Op.NOT_IN, ("a", "b")
    )


def test_status_values_are_upper_cased() -> None:
    assert parse_filter("status IN ('finished', 'Failed')") == Comparison(
        Kind.ATTRIBUTE, "status", Op.IN, ("FINISHED", "FAILED")
    )


def test_min_and_max_wrap_metrics() -> None:
    assert parse_filter("Max(metrics.acc) > 0.9") == Comparison(
        Kind.METRIC, "acc", Op.GT, 0.9, Aggregate.MAX
    )


def test_keywords_inside_identifiers_stay_identifiers() -> None:
    assert parse_filter("params.notes = 'x' and tags.order IS NULL") == And(
        (
            Comparison(Kind.PARAM, "notes", Op.EQ, "x"),
            Comparison(Kind.TAG, "order", Op.IS_NULL, None),
        )
    )


def test_order_by_parses_direction_and_defaults_to_ascending() -> None:
    assert parse_order_by(["metrics.acc DESC", "params.lr", "attributes.start_time asc"]) == [
        OrderKey(Kind.METRIC, "acc", ascending=False),
        OrderKey(Kind.PARAM, "lr"),
        OrderKey(Kind.ATTRIBUTE, "start_time"),
    ]


def test_order_by_accepts_bare_attributes_and_quoted_keys() -> None:
    assert parse_order_by(["run_name", "metrics.`val loss` desc", "min(metrics.l)"]) == [
        OrderKey(Kind.ATTRIBUTE, "run_name"),
        OrderKey(Kind.METRIC, "val loss", ascending=False),
        OrderKey(Kind.METRIC, "l", aggregate=Aggregate.MIN),
    ]


def test_order_by_rejects_a_single_string() -> None:
    with pytest.raises(TypeError, match="list of strings"):
        parse_order_by("metrics.acc DESC")


def test_importing_search_loads_neither_lark_nor_sqlalchemy() -> None:
    code = (
        "import sys, trialbook; before = set(sys.modules); import trialbook.search; "
        "print(sorted({'lark', 'sqlalchemy'} & (set(sys.modules) - before)))"
    )
    package_parent = os.path.dirname(os.path.dirname(trialbook.__file__))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([package_parent, *sys.path])}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.strip() == "[]"
