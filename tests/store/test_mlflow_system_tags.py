"""MLflow's system tag names in a search select the runs trialbook's own attributes and tags do,
on every backend (the ``store`` fixture: SQLite, PostgreSQL, REST client)."""

from __future__ import annotations

import pytest

from trialbook.store.base import Batch, TrackingStore
from trialbook.testing.store_contract import new_run


def found(store: TrackingStore, experiment_id: str, filter_string: str) -> set[str]:
    return {r.info.run_id for r in store.search_runs([experiment_id], filter_string).runs}


@pytest.mark.parametrize(
    ("mlflow_filter", "own_filter"),
    [
        ("tags.mlflow.parentRunId = '{parent}'", "attributes.parent_run_id = '{parent}'"),
        ("tags.`mlflow.runName` = 'child'", "attributes.run_name = 'child'"),
        ("tags.mlflow.user = 'ann'", "attributes.user_id = 'ann'"),
        (
            "tags.mlflow.source.name LIKE '%train.py'",
            "tags.trialbook.source.script LIKE '%train.py'",
        ),
        ("tags.mlflow.source.git.commit = 'abc123'", "tags.trialbook.source.git.commit = 'abc123'"),
    ],
)
def test_mlflow_system_tag_selects_the_runs_of_its_trialbook_counterpart(
    store: TrackingStore, mlflow_filter: str, own_filter: str
) -> None:
    parent = new_run(store, user_id="bob")
    child = new_run(store, parent_run_id=parent, user_id="ann")
    store.update_run(child, run_name="child")
    other = new_run(store, user_id="bob")
    store.write_batch(
        Batch(
            tags=[
                (child, "trialbook.source.script", "/home/ann/train.py"),
                (child, "trialbook.source.git.commit", "abc123"),
                (other, "trialbook.source.script", "/home/bob/eval.py"),
            ]
        )
    )
    experiment_id = store.get_run(parent).info.experiment_id

    selected = found(store, experiment_id, mlflow_filter.format(parent=parent))

    assert selected == {child}
    assert selected == found(store, experiment_id, own_filter.format(parent=parent))
