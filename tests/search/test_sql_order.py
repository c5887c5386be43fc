"""Order-by items sort runs in SQL, with runs missing the key last in both directions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from trialbook.search import parse_order_by
from trialbook.store.sql import schema
from trialbook.store.sql.search import order_clauses, tie_breakers

# run_id, name, start_time, end_time, acc (None: missing, "nan": NaN), min acc, lr, tag t
ROWS = [
    ("o1", "c", 1000, 2000, 0.5, 0.1, "0.1", "b"),
    ("o2", "a", 2000, None, "nan", None, "0.01", None),
    ("o3", "e", 3000, 3500, 0.9, 0.3, None, "a"),
    ("o4", "b", 4000, 9000, None, None, "0.2", None),
    ("o5", "d", 5000, 5001, 0.9, 0.2, "0.1", None),
]


def _insert(conn: sa.Connection) -> None:
    conn.execute(
        schema.experiments.insert().values(
            experiment_id=1, name="e", artifact_location="a", creation_time=0, last_update_time=0
        )
    )
    for run_id, name, start, end, acc, low, lr, tag in ROWS:
        conn.execute(
            schema.runs.insert().values(
                run_id=run_id, experiment_id=1, name=name, status="FINISHED", start_time=start,
                end_time=end, artifact_uri="a",
            )
        )  # fmt: skip
        if acc is not None:
            nan = acc == "nan"
            conn.execute(
                schema.latest_metrics.insert().values(
                    run_id=run_id, key="acc", value=0.0 if nan else acc, is_nan=nan, step=0,
                    timestamp=0, min_value=low, max_value=None, count=1,
                )
            )  # fmt: skip
        if lr is not None:
            conn.execute(schema.params.insert().values(run_id=run_id, key="lr", value=lr))
        if tag is not None:
            conn.execute(schema.tags.insert().values(run_id=run_id, key="t", value=tag))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def engine(request: pytest.FixtureRequest, make_engine: Any) -> Iterator[sa.Engine]:
    """Tables holding ROWS, in SQLite memory or in a throwaway PostgreSQL schema."""
    with make_engine(request, _insert) as engine:
        yield engine


def ordered(engine: sa.Engine, *items: str) -> list[str]:
    query = sa.select(schema.runs.c.run_id).order_by(
        *order_clauses(parse_order_by(items)), *tie_breakers()
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def test_tie_breakers_put_newest_runs_first(engine: sa.Engine) -> None:
    assert ordered(engine) == ["o5", "o4", "o3", "o2", "o1"]


def test_metric_descending_puts_nan_then_missing_last(engine: sa.Engine) -> None:
    assert ordered(engine, "metrics.acc DESC") == ["o5", "o3", "o1", "o2", "o4"]


def test_metric_ascending_puts_nan_then_missing_last(engine: sa.Engine) -> None:
    assert ordered(engine, "metrics.acc") == ["o1", "o5", "o3", "o2", "o4"]


def test_min_of_a_metric_orders_by_its_history(engine: sa.Engine) -> None:
    assert ordered(engine, "min(metrics.acc) asc") == ["o1", "o5", "o3", "o4", "o2"]


def test_param_descending_puts_missing_last(engine: sa.Engine) -> None:
    assert ordered(engine, "params.lr desc") == ["o4", "o5", "o1", "o2", "o3"]


def test_param_ascending_puts_missing_last(engine: sa.Engine) -> None:
    assert ordered(engine, "params.lr ASC") == ["o2", "o5", "o1", "o4", "o3"]


def test_tag_puts_missing_last_in_both_directions(engine: sa.Engine) -> None:
    assert ordered(engine, "tags.t") == ["o3", "o1", "o5", "o4", "o2"]
    assert ordered(engine, "tags.t DESC") == ["o1", "o3", "o5", "o4", "o2"]


def test_nullable_attribute_puts_missing_last_in_both_directions(engine: sa.Engine) -> None:
    assert ordered(engine, "attributes.end_time") == ["o1", "o3", "o5", "o4", "o2"]
    assert ordered(engine, "attributes.end_time desc") == ["o4", "o5", "o3", "o1", "o2"]


def test_duration_orders_by_elapsed_time(engine: sa.Engine) -> None:
    assert ordered(engine, "attributes.duration") == ["o5", "o3", "o1", "o4", "o2"]


def test_bare_attribute_name_orders_by_it(engine: sa.Engine) -> None:
    assert ordered(engine, "run_name") == ["o2", "o4", "o1", "o5", "o3"]


def test_later_keys_break_ties_of_earlier_ones(engine: sa.Engine) -> None:
    assert ordered(engine, "params.lr", "metrics.acc DESC") == ["o2", "o5", "o1", "o4", "o3"]
