"""Filters run as SQL against real tables and match what a plain Python reading of them says."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from trialbook.search import parse_filter
from trialbook.store.sql import schema
from trialbook.store.sql.search import filter_clause

NAN = math.nan


@dataclass(frozen=True)
class FakeRun:
    run_id: str
    name: str
    status: str
    start_time: int
    end_time: int | None
    user_id: str
    experiment_id: int
    parent_run_id: str | None = None
    lifecycle_stage: str = "active"
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    history: dict[str, tuple[float, float]] = field(default_factory=dict)


RUNS = (
    FakeRun(
        "r1", "alpha", "FINISHED", 1000, 5000, "ann", 1, description="baseline model",
        params={"lr": "0.01", "optimizer": "adam", "model/type": "resnet", "batch size": "32"},
        tags={"team": "vision", "mlflow.note": "first"},
        metrics={"acc": 0.91, "val loss": 0.2, "system/cpu": 55.0},
        history={"acc": (0.5, 0.93)},
    ),
    FakeRun(
        "r2", "beta", "FAILED", 2000, 2500, "bob", 1, parent_run_id="r1",
        params={"lr": "0.1", "optimizer": "sgd", "model/type": "ResNet-50"},
        tags={"team": "nlp"},
        metrics={"acc": 0.5, "val loss": NAN, "system/cpu": 90.0},
        history={"acc": (0.2, 0.6)},
    ),
    FakeRun(
        "r3", "Gamma", "RUNNING", 3000, None, "ann", 2,
        params={"lr": "1e-3", "optimizer": "Adam"},
        tags={"team": "vision", "release.candidate": "yes"},
        metrics={"acc": NAN, "val.loss": 0.3},
    ),
    FakeRun(
        "r4", "delta", "KILLED", 4000, 10000, "cy", 2, parent_run_id="r1",
        lifecycle_stage="deleted", description="tuned model",
        params={"lr": "abc", "optimizer": "adam_w"},
        metrics={"acc": 0.99},
        history={"acc": (0.1, 0.99)},
    ),
    FakeRun(
        "r5", "eps%ilon", "FINISHED", 5000, 5100, "", 1,
        params={"optimizer": "a_b%c", "big": "1e999"},
        tags={"team": "Vision"},
        metrics={"val loss": 0.4},
    ),
)  # fmt: skip

ALL = {run.run_id for run in RUNS}


def _insert(conn: sa.Connection) -> None:
    conn.execute(
        schema.experiments.insert(),
        [
            {"experiment_id": i, "name": f"exp{i}", "artifact_location": "file:///a",
             "creation_time": 0, "last_update_time": 0}
            for i in (1, 2)
        ],
    )  # fmt: skip
    for run in RUNS:
        conn.execute(
            schema.runs.insert().values(
                run_id=run.run_id, experiment_id=run.experiment_id, name=run.name,
                status=run.status, start_time=run.start_time, end_time=run.end_time,
                lifecycle_stage=run.lifecycle_stage, artifact_uri=f"file:///a/{run.run_id}",
                user_id=run.user_id, parent_run_id=run.parent_run_id,
                description=run.description,
            )
        )  # fmt: skip
        for table, values in ((schema.params, run.params), (schema.tags, run.tags)):
            for key, value in values.items():
                conn.execute(table.insert().values(run_id=run.run_id, key=key, value=value))
        for key, number in run.metrics.items():
            low, high = run.history.get(key, (number, number))
            conn.execute(
                schema.latest_metrics.insert().values(
                    run_id=run.run_id, key=key, value=0.0 if math.isnan(number) else number,
                    is_nan=math.isnan(number), step=0, timestamp=0,
                    min_value=None if math.isnan(low) else low,
                    max_value=None if math.isnan(high) else high, count=1,
                )
            )  # fmt: skip


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def engine(request: pytest.FixtureRequest, make_engine: Any) -> Iterator[sa.Engine]:
    """Tables holding RUNS, in SQLite memory or in a throwaway PostgreSQL schema."""
    with make_engine(request, _insert) as engine:
        yield engine


def search(engine: sa.Engine, text: str) -> set[str]:
    query = sa.select(schema.runs.c.run_id).where(filter_clause(parse_filter(text)))
    with engine.connect() as conn:
        return set(conn.execute(query).scalars())


def where(predicate: Callable[[FakeRun], bool]) -> set[str]:
    return {run.run_id for run in RUNS if predicate(run)}


def metric(key: str, test: Callable[[float], bool]) -> Callable[[FakeRun], bool]:
    """A run's latest value passes ``test``; a missing or NaN metric never does."""
    return lambda run: (value := run.metrics.get(key, NAN)) == value and test(value)


def text_of(kind: str, key: str, test: Callable[[str], bool]) -> Callable[[FakeRun], bool]:
    """A run's param or tag exists and passes ``test``."""
    return lambda run: (value := getattr(run, kind).get(key)) is not None and test(value)


def attribute(name: str, test: Callable[[Any], bool]) -> Callable[[FakeRun], bool]:
    return lambda run: (value := getattr(run, name)) is not None and test(value)


@pytest.mark.parametrize(
    ("text", "predicate"),
    [
        ("metrics.acc = 0.5", metric("acc", lambda v: v == 0.5)),
        ("metrics.acc != 0.5", metric("acc", lambda v: v != 0.5)),
        ("metrics.acc <> 0.5", metric("acc", lambda v: v != 0.5)),
        ("metrics.acc < 0.91", metric("acc", lambda v: v < 0.91)),
        ("metrics.acc <= 0.91", metric("acc", lambda v: v <= 0.91)),
        ("metrics.acc > 0.9", metric("acc", lambda v: v > 0.9)),
        ("metrics.acc >= 0.91", metric("acc", lambda v: v >= 0.91)),
        ("metrics.acc IN (0.5, 0.99)", metric("acc", lambda v: v in (0.5, 0.99))),
        ("metrics.acc NOT IN (0.5, 0.99)", metric("acc", lambda v: v not in (0.5, 0.99))),
        ("metrics.`system/cpu` > 60", metric("system/cpu", lambda v: v > 60)),
        ("metrics.system/cpu > 60", metric("system/cpu", lambda v: v > 60)),
        ("metric.acc > -1e3", metric("acc", lambda v: v > -1000)),
    ],
)
def test_metric_comparison_matches_runs_whose_latest_value_satisfies_it(
    engine: sa.Engine, text: str, predicate: Callable[[FakeRun], bool]
) -> None:
    assert search(engine, text) == where(predicate)


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_nan_metric_matches_no_numeric_comparison(engine: sa.Engine, op: str) -> None:
    assert "r2" not in search(engine, f"metrics.`val loss` {op} 0")


def test_nan_metric_counts_as_present(engine: sa.Engine) -> None:
    assert search(engine, "metrics.acc IS NOT NULL") == {"r1", "r2", "r3", "r4"}


def test_metric_is_null_matches_runs_without_the_metric(engine: sa.Engine) -> None:
    assert search(engine, "metrics.acc IS NULL") == {"r5"}


def test_dotted_key_and_spaced_key_name_different_metrics(engine: sa.Engine) -> None:
    assert search(engine, "metrics.val.loss > 0") == {"r3"}
    assert search(engine, 'metrics."val loss" > 0') == {"r1", "r5"}


def test_min_and_max_compare_the_metric_history(engine: sa.Engine) -> None:
    assert search(engine, "min(metrics.acc) < 0.3") == {"r2", "r4"}
    assert search(engine, "MAX(metrics.acc) >= 0.93") == {"r1", "r4"}


@pytest.mark.parametrize(
    ("text", "predicate"),
    [
        ("params.optimizer = 'adam'", text_of("params", "optimizer", lambda v: v == "adam")),
        ("params.optimizer != 'adam'", text_of("params", "optimizer", lambda v: v != "adam")),
        ("params.optimizer < 'b'", text_of("params", "optimizer", lambda v: v < "b")),
        ("params.optimizer >= 'b'", text_of("params", "optimizer", lambda v: v >= "b")),
        (
            "params.optimizer IN ('adam', \"sgd\")",
            text_of("params", "optimizer", lambda v: v in ("adam", "sgd")),
        ),
        (
            "params.optimizer NOT IN ('adam', 'sgd')",
            text_of("params", "optimizer", lambda v: v not in ("adam", "sgd")),
        ),
        (
            "params.optimizer LIKE 'adam%'",
            text_of("params", "optimizer", lambda v: v[:4] == "adam"),
        ),
        (
            "params.optimizer NOT LIKE 'adam%'",
            text_of("params", "optimizer", lambda v: v[:4] != "adam"),
        ),
        (
            "params.optimizer ILIKE 'ADAM'",
            text_of("params", "optimizer", lambda v: v.lower() == "adam"),
        ),
        (
            "params.optimizer NOT ILIKE 'ADAM'",
            text_of("params", "optimizer", lambda v: v.lower() != "adam"),
        ),
        ("params.`batch size` = '32'", text_of("params", "batch size", lambda v: v == "32")),
        (
            "params.\"model/type\" LIKE 'res%'",
            text_of("params", "model/type", lambda v: v == "resnet"),
        ),
        ("param.model/type ILIKE 'res%'", text_of("params", "model/type", lambda v: True)),
        ("tags.team = 'vision'", text_of("tags", "team", lambda v: v == "vision")),
        ("tags.team ILIKE 'vision'", text_of("tags", "team", lambda v: v.lower() == "vision")),
        ("tags.team != 'vision'", text_of("tags", "team", lambda v: v != "vision")),
        ("tags.release.candidate = 'yes'", text_of("tags", "release.candidate", lambda v: True)),
        ("tag.\"mlflow.note\" LIKE 'f_rst'", text_of("tags", "mlflow.note", lambda v: True)),
    ],
)
def test_param_and_tag_comparison_matches_runs_whose_value_satisfies_it(
    engine: sa.Engine, text: str, predicate: Callable[[FakeRun], bool]
) -> None:
    assert search(engine, text) == where(predicate)


def test_like_is_case_sensitive(engine: sa.Engine) -> None:
    assert search(engine, "params.optimizer LIKE 'Adam'") == {"r3"}


def test_like_wildcards_can_be_escaped(engine: sa.Engine) -> None:
    assert search(engine, r"params.optimizer LIKE 'a\_b\%c'") == {"r5"}
    assert search(engine, r"params.optimizer LIKE 'adam\_%'") == {"r4"}


def test_like_treats_regex_characters_literally(engine: sa.Engine) -> None:
    assert search(engine, "attributes.artifact_uri LIKE 'file:///a/r_'") == ALL
    assert search(engine, "attributes.artifact_uri LIKE 'file:///a/r.'") == set()


def test_param_is_null_matches_runs_without_the_param(engine: sa.Engine) -> None:
    assert search(engine, "params.lr IS NULL") == {"r5"}
    assert search(engine, "params.lr IS NOT NULL") == {"r1", "r2", "r3", "r4"}


def test_comparison_on_a_missing_key_is_false(engine: sa.Engine) -> None:
    assert search(engine, "params.lr != 'nothing'") == {"r1", "r2", "r3", "r4"}
    assert search(engine, "tags.missing NOT IN ('x')") == set()


def test_unquoted_number_compares_params_numerically(engine: sa.Engine) -> None:
    assert search(engine, "params.lr > 0.005") == {"r1", "r2"}
    assert search(engine, "params.lr <= 0.01") == {"r1", "r3"}


def test_numeric_param_equality_ignores_spelling(engine: sa.Engine) -> None:
    assert search(engine, "params.lr = 0.001") == {"r3"}
    assert search(engine, "params.lr IN (1E-3, 0.1)") == {"r2", "r3"}


def test_quoted_number_compares_params_as_text(engine: sa.Engine) -> None:
    assert search(engine, "params.lr = '0.001'") == set()
    assert search(engine, "params.lr = '1e-3'") == {"r3"}


def test_numeric_comparison_skips_values_that_are_not_numbers(engine: sa.Engine) -> None:
    assert search(engine, "params.lr != 5") == {"r1", "r2", "r3"}
    assert search(engine, "params.optimizer < 1e300") == set()


def test_numbers_beyond_64_bits_compare_without_error(engine: sa.Engine) -> None:
    assert search(engine, "metrics.acc < 100000000000000000000") == {"r1", "r2", "r4"}
    assert search(engine, "attributes.start_time > -100000000000000000000") == ALL


def test_huge_numeric_param_compares_without_error(engine: sa.Engine) -> None:
    assert search(engine, "params.big > 1e300") == {"r5"}


@pytest.mark.parametrize(
    ("text", "predicate"),
    [
        ("attributes.run_name = 'alpha'", attribute("name", lambda v: v == "alpha")),
        ("attributes.name ILIKE 'g%'", attribute("name", lambda v: v[0] in "gG")),
        ("run_name LIKE 'eps\\%%'", attribute("name", lambda v: v.startswith("eps%"))),
        ("attributes.run_id = 'r2'", attribute("run_id", lambda v: v == "r2")),
        ("attr.run_uuid IN ('r1', 'r3')", attribute("run_id", lambda v: v in ("r1", "r3"))),
        ("run.id != 'r1'", attribute("run_id", lambda v: v != "r1")),
        ("attributes.status = 'finished'", attribute("status", lambda v: v == "FINISHED")),
        ("status NOT IN ('Running', 'killed')", lambda run: run.status[:2] in ("FI", "FA")),
        ("attributes.status LIKE 'f%'", attribute("status", lambda v: v[0] == "F")),
        ("attributes.start_time >= 3000", attribute("start_time", lambda v: v >= 3000)),
        ("attributes.end_time < 5100", attribute("end_time", lambda v: v < 5100)),
        ("attributes.end_time IS NULL", lambda run: run.end_time is None),
        ("attributes.duration > 1000", lambda r: (r.end_time or 0) - r.start_time > 1000),
        ("attributes.user = 'ann'", attribute("user_id", lambda v: v == "ann")),
        ("attributes.user_id = ''", attribute("user_id", lambda v: v == "")),
        ("attributes.experiment_id = 2", attribute("experiment_id", lambda v: v == 2)),
        ("attributes.experiment_id IN ('1')", attribute("experiment_id", lambda v: v == 1)),
        ("attributes.parent_run_id = 'r1'", attribute("parent_run_id", lambda v: v == "r1")),
        ("attributes.parent_run_id IS NULL", lambda run: run.parent_run_id is None),
        ("attributes.lifecycle_stage = 'DELETED'", lambda run: run.lifecycle_stage == "deleted"),
        ("attributes.description LIKE '%model'", lambda run: run.description.endswith("model")),
        ("attributes.artifact_uri = 'file:///a/r4'", attribute("run_id", lambda v: v == "r4")),
    ],
)  # fmt: skip
def test_attribute_comparison_matches_runs_whose_attribute_satisfies_it(
    engine: sa.Engine, text: str, predicate: Callable[[FakeRun], bool]
) -> None:
    assert search(engine, text) == where(predicate)


def test_not_of_a_comparison_on_a_missing_end_time_is_true(engine: sa.Engine) -> None:
    assert "r3" in search(engine, "not attributes.duration > 1000")
    assert "r3" in search(engine, "not attributes.parent_run_id = 'r1'")


def test_or_matches_runs_with_either_condition(engine: sa.Engine) -> None:
    assert search(engine, "metrics.acc > 0.95 or params.optimizer = 'sgd'") == {"r2", "r4"}


def test_and_matches_runs_with_both_conditions(engine: sa.Engine) -> None:
    assert search(engine, "tags.team = 'vision' and params.lr = '0.01'") == {"r1"}


def test_and_binds_tighter_than_or(engine: sa.Engine) -> None:
    text = "status = 'KILLED' or tags.team = 'vision' and user = 'bob'"
    assert search(engine, text) == {"r4"}
    assert search(engine, "(status = 'KILLED' or tags.team = 'vision') and user = 'ann'") == {
        "r1",
        "r3",
    }


def test_not_binds_tighter_than_and(engine: sa.Engine) -> None:
    assert search(engine, "not tags.team = 'vision' and params.lr IS NOT NULL") == {"r2", "r4"}


def test_not_matches_runs_without_the_key(engine: sa.Engine) -> None:
    assert search(engine, "not tags.team = 'vision'") == {"r2", "r4", "r5"}


def test_double_negation_cancels(engine: sa.Engine) -> None:
    assert search(engine, "not not tags.team = 'vision'") == {"r1", "r3"}


def test_keywords_and_prefixes_ignore_case(engine: sa.Engine) -> None:
    text = "METRICS.acc > 0.9 AnD NOT Params.optimizer In ('adam') Or TAGS.team Is Null"
    assert search(engine, text) == {"r4"}


def test_blank_filter_matches_every_run(engine: sa.Engine) -> None:
    assert search(engine, "  \n ") == ALL


@pytest.mark.parametrize(
    "text",
    [
        "params.optimizer = 'a'' OR 1=1 --'",
        "params.optimizer = 'x''; DROP TABLE runs; --'",
        "params.`x' OR '1'='1` = 'a'",
        'attributes.run_name = "alpha"" OR ""1""=""1"',
        "params.optimizer LIKE '%'' OR ''a''=''a'",
    ],
)
def test_sql_in_a_filter_is_only_data(engine: sa.Engine, text: str) -> None:
    assert search(engine, text) == set()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.runs)).scalar() == 5


def test_values_are_bound_parameters_not_sql_text() -> None:
    clause = filter_clause(parse_filter("params.secret = 'hunter2' and tags.`k'ey` = 'v'"))
    sql = str(sa.select(schema.runs.c.run_id).where(clause))
    assert "hunter2" not in sql
    assert "k'ey" not in sql


def test_clauses_compile_for_postgresql() -> None:
    from sqlalchemy.dialects import postgresql

    text = "params.lr > 0.01 and params.o LIKE 'a%' and metrics.m != 1 and not status = 'failed'"
    query = sa.select(schema.runs.c.run_id).where(filter_clause(parse_filter(text)))
    dialect = postgresql.base.PGDialect()  # type: ignore[no-untyped-call]
    sql = str(query.compile(dialect=dialect))
    assert "~" in sql
    assert "EXISTS" in sql
