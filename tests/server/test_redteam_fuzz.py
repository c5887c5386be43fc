"""A bounded fuzz of the search grammar through the server's API (issue 12's red team).

Filters are built from the grammar's pieces (fields, operators, values with ``%``, quotes
and NUL, ``and``/``or``/``not``, long OR chains, deep nesting) and a little noise; every one
must answer 200 or a 4xx, never a 5xx, within a generous budget.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def new_run(api: Any) -> tuple[str, str]:
    experiment_id = api.post("/api/v1/experiments/get-or-create", json={"name": "e"}).json()[
        "experiment_id"
    ]
    answer = api.post(
        "/api/v1/runs", json={"experiment_id": experiment_id, "run_name": "r", "start_time": 1}
    )
    assert answer.status_code == 200, answer.text
    return str(experiment_id), str(answer.json()["info"]["run_id"])


def search(api: Any, experiment_id: str, filter_string: str, **more: Any) -> Any:
    body = {"experiment_ids": [experiment_id], "filter_string": filter_string, **more}
    return api.post("/api/v1/runs/search", json=body)


FUZZ_BUDGET_S = 20.0
"""Generous: a filter on a handful of runs answers in milliseconds."""

_fields = st.sampled_from(
    [
        "metrics.acc",
        "max(metrics.acc)",
        "min(metrics.loss)",
        "params.p",
        "tags.t",
        "tags.`a b`",
        'params."x.y"',
        "attributes.run_name",
        "run_name",
        "status",
        "start_time",
        "duration",
        "experiment_id",
        "run_id",
        "attributes.nope",
        "metrics.",
        "bogus(metrics.acc)",
    ]
)
_text = st.text(alphabet="ab%_'\"\\`() .,x\u00e9\x00", max_size=12)
_values = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=False).map(repr),
    _text.map(lambda t: "'" + t.replace("'", "''") + "'"),
    _text.map(lambda t: "'" + "%" * len(t) + t + "'"),
    _text,
)
_comparisons = st.one_of(
    st.tuples(_fields, st.sampled_from(["=", "!=", "<>", "<", "<=", ">", ">=", "=="]), _values),
    st.tuples(_fields, st.sampled_from(["LIKE", "ILIKE", "NOT LIKE", "not ilike"]), _values),
    st.tuples(_fields, st.sampled_from(["IN", "NOT IN"]), st.lists(_values, max_size=4)).map(
        lambda c: (c[0], c[1], "(" + ", ".join(c[2]) + ")")
    ),
    st.tuples(_fields, st.sampled_from(["IS NULL", "IS NOT NULL", "is null"]), st.just("")),
).map(" ".join)
_filters = st.recursive(
    _comparisons,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" and ", " or ", " AND ", " Or "]), inner).map("".join),
        inner.map(lambda f: f"not {f}"),
        inner.map(lambda f: f"({f})"),
        st.integers(1, 200).map(lambda n: "not " * n + "run_name = 'r'"),
        st.integers(1, 200).map(lambda n: "(" * n + "run_name = 'r'" + ")" * n),
        st.integers(1, 3000).map(lambda n: " or ".join(["run_name = 'r'"] * n)),
        st.integers(1, 60).map(
            lambda n: "(run_name = 'a' and (" * n + "run_name = 'r'" + ") or run_name = 'b')" * n
        ),
    ),
    max_leaves=12,
) | st.text(max_size=40)


def test_fuzzed_filters_answer_200_or_4xx_within_a_budget(db_api: Any) -> None:
    api = db_api
    experiment_id, run_id = new_run(api)
    batch = {
        "params": [[run_id, "p", "1"]],
        "tags": [[run_id, "t", "x%y"]],
        "series": [],
    }
    assert api.post("/api/v1/batches", json=batch).status_code == 200
    pool = ThreadPoolExecutor(max_workers=1)

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(filter_string=_filters, order=st.lists(_fields, max_size=3))
    def check(filter_string: str, order: list[str]) -> None:
        answer = pool.submit(search, api, experiment_id, filter_string, order_by=order).result(
            timeout=FUZZ_BUDGET_S
        )
        assert answer.status_code == 200 or 400 <= answer.status_code < 500, (
            filter_string,
            answer.status_code,
            answer.text[:300],
        )

    try:
        check()
    finally:
        pool.shutdown(wait=True)
