"""Random and/or/not trees of comparisons select in SQL exactly the runs Python selects."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialbook.search import parse_filter
from trialbook.store.sql import schema
from trialbook.store.sql.search import filter_clause

NAN = math.nan

# run_id: (metric m, param p, tag t, end_time); None means missing. start_time is 100 * i.
DATA: dict[str, tuple[float | None, str | None, str | None, int | None]] = {
    "p1": (1.0, "1", "x", 110),
    "p2": (2.0, "2.5", "y", 220),
    "p3": (NAN, "abc", None, None),
    "p4": (None, "a%", "x", 440),
    "p5": (2.5, None, "X", 550),
    "p6": (0.0, "1e0", "xy", None),
}

Predicate = Callable[[str], bool]


@dataclass(frozen=True)
class Case:
    """A filter's text and the Python predicate on run ids that it should mean."""

    text: str
    holds: Predicate


OPERATORS = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _metric_case(op: str, number: float) -> Case:
    def holds(run: str) -> bool:
        value = DATA[run][0]
        return value is not None and not math.isnan(value) and OPERATORS[op](value, number)

    return Case(f"metrics.m {op} {number}", holds)


def _metric_null_case(negated: bool) -> Case:
    return Case(
        f"metrics.m IS {'NOT ' if negated else ''}NULL",
        lambda run: (DATA[run][0] is not None) == negated,
    )


def _param_text_case(op: str, text: str) -> Case:
    def holds(run: str) -> bool:
        value = DATA[run][1]
        return value is not None and OPERATORS[op](value, text)

    return Case(f"params.p {op} '{text}'", holds)


def _param_number_case(op: str, number: float) -> Case:
    def holds(run: str) -> bool:
        value = DATA[run][1]
        try:
            return value is not None and OPERATORS[op](float(value), number)
        except ValueError:
            return False

    return Case(f"params.p {op} {number}", holds)


LIKE_PATTERNS: dict[str, Predicate] = {
    "a%": lambda value: value.startswith("a"),
    "%5": lambda value: value.endswith("5"),
    "_": lambda value: len(value) == 1,
    "a\\%": lambda value: value == "a%",
}


def _param_like_case(pattern: str, negated: bool) -> Case:
    def holds(run: str) -> bool:
        value = DATA[run][1]
        return value is not None and LIKE_PATTERNS[pattern](value) != negated

    return Case(f"params.p {'NOT ' if negated else ''}LIKE '{pattern}'", holds)


def _tag_case(values: tuple[str, ...], negated: bool, ignore_case: bool) -> Case:
    if ignore_case:
        values = values[:1]

    def holds(run: str) -> bool:
        value = DATA[run][2]
        if value is None:
            return False
        return ((value.lower() if ignore_case else value) in values) != negated

    if ignore_case:
        return Case(f"tags.t {'NOT ' if negated else ''}ILIKE '{values[0]}'", holds)
    listed = ", ".join(f"'{value}'" for value in values)
    return Case(f"tags.t {'NOT ' if negated else ''}IN ({listed})", holds)


def _end_time_case(op: str, number: int) -> Case:
    def holds(run: str) -> bool:
        value = DATA[run][3]
        return value is not None and OPERATORS[op](value, number)

    return Case(f"attributes.end_time {op} {number}", holds)


ops = st.sampled_from(sorted(OPERATORS))
leaves = st.one_of(
    st.builds(_metric_case, ops, st.sampled_from([0, 1, 2, 2.5, 3])),
    st.builds(_metric_null_case, st.booleans()),
    st.builds(_param_text_case, st.sampled_from(["=", "!="]), st.sampled_from(["1", "abc"])),
    st.builds(_param_number_case, ops, st.sampled_from([1, 2.5, 0.5])),
    st.builds(_param_like_case, st.sampled_from(sorted(LIKE_PATTERNS)), st.booleans()),
    st.builds(
        _tag_case,
        st.sampled_from([("x",), ("x", "y"), ("xy",)]),
        st.booleans(),
        st.booleans(),
    ),
    st.builds(_end_time_case, ops, st.sampled_from([110, 300, 600])),
)


def _combine(children: st.SearchStrategy[Case]) -> st.SearchStrategy[Case]:
    def both(left: Case, right: Case) -> Case:
        return Case(f"({left.text}) and ({right.text})", lambda r: left.holds(r) and right.holds(r))

    def either(left: Case, right: Case) -> Case:
        return Case(f"({left.text}) or ({right.text})", lambda r: left.holds(r) or right.holds(r))

    def negation(case: Case) -> Case:
        return Case(f"not ({case.text})", lambda r: not case.holds(r))

    return st.one_of(
        st.builds(both, children, children),
        st.builds(either, children, children),
        st.builds(negation, children),
    )


cases = st.recursive(leaves, _combine, max_leaves=8)


@pytest.fixture(scope="module")
def engine() -> Iterator[sa.Engine]:
    engine = sa.create_engine("sqlite://", poolclass=sa.StaticPool)
    with engine.begin() as conn:
        schema.metadata.create_all(conn)
        conn.execute(
            schema.experiments.insert().values(
                experiment_id=1, name="e", artifact_location="a", creation_time=0,
                last_update_time=0,
            )
        )  # fmt: skip
        for i, (run_id, (metric, param, tag, end)) in enumerate(DATA.items(), start=1):
            conn.execute(
                schema.runs.insert().values(
                    run_id=run_id, experiment_id=1, name=run_id, status="FINISHED",
                    start_time=100 * i, end_time=end, artifact_uri="a",
                )
            )  # fmt: skip
            if metric is not None:
                nan = math.isnan(metric)
                conn.execute(
                    schema.latest_metrics.insert().values(
                        run_id=run_id, key="m", value=0.0 if nan else metric, is_nan=nan,
                        step=0, timestamp=0, count=1,
                    )
                )  # fmt: skip
            if param is not None:
                conn.execute(schema.params.insert().values(run_id=run_id, key="p", value=param))
            if tag is not None:
                conn.execute(schema.tags.insert().values(run_id=run_id, key="t", value=tag))
    yield engine
    engine.dispose()


# The autouse fixture from tests/conftest.py only points the default store at tmp_path; the
# engine here does not use it, so sharing it across examples is harmless.
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=cases)
def test_sql_selects_the_runs_python_selects(engine: sa.Engine, case: Case) -> None:
    query = sa.select(schema.runs.c.run_id).where(filter_clause(parse_filter(case.text)))
    with engine.connect() as conn:
        selected = set(conn.execute(query).scalars())
    assert selected == {run for run in DATA if case.holds(run)}, case.text
