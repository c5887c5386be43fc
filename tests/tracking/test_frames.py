"""DataFrames of runs: the one built from run tables is the one built from Run entities."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import trialbook
from trialbook import TrackingClient
from trialbook.store.base import RunTables
from trialbook.tracking.frames import runs_to_frame, tables_to_frame


def _log_mixed_runs() -> None:
    """Runs with sparse keys, a NaN and an infinite metric, tags, and one still running."""
    for i in range(7):
        with trialbook.start_run(run_name=f"run-{i}"):
            trialbook.log_param("lr", i / 10)
            if i % 2:
                trialbook.log_param(f"only-{i}", "x")
                trialbook.set_tag("kind", "odd")
            trialbook.log_metric("acc", math.nan if i == 3 else i / 7)
            if i % 3 == 0:
                trialbook.log_metric("loss", math.inf if i == 0 else float(i))
    trialbook.start_run(run_name="running")
    trialbook.log_metric("acc", 0.5)


@pytest.mark.parametrize("page_size", [1000, 3])
def test_a_frame_from_run_tables_equals_the_frame_from_runs(page_size: int) -> None:
    _log_mixed_runs()
    trialbook.flush()  # the runs' background captures too: they add tags
    client = TrackingClient()
    store = client.store
    assert isinstance(store, RunTables)
    experiment_id = trialbook.active_run().info.experiment_id
    pages = []
    token = None
    while True:
        page = store.search_run_table([experiment_id], max_results=page_size, page_token=token)
        pages.append(page)
        token = page.next_page_token
        if token is None:
            break
    runs = client.search_runs([experiment_id]).runs
    expected = runs_to_frame(runs)
    pd.testing.assert_frame_equal(tables_to_frame(pages), expected)
    pd.testing.assert_frame_equal(trialbook.search_runs([experiment_id]), expected)
    assert len(pages) == math.ceil(len(runs) / page_size)
