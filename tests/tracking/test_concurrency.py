"""Many processes logging into one SQLite store at once, starting from no store at all."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import trialbook

WORKERS = 16
POINTS = 200


def worker(args: tuple[str, int]) -> str:
    store, index = args
    os.environ["TRIALBOOK_TRACKING_URI"] = store
    os.environ["TRIALBOOK_DISABLE_CONTEXT"] = "1"
    trialbook.set_experiment("sweep")
    with trialbook.start_run(run_name=f"worker-{index}") as run:
        trialbook.log_params({"index": index, "lr": 0.01 * index})
        for step in range(POINTS):
            trialbook.log_metric("loss", 1.0 / (step + 1), step=step)
        trialbook.set_tag("worker", index)
    return run.info.run_id


@pytest.mark.slow
def test_sixteen_workers_starting_on_a_missing_store_lose_nothing(tmp_path: Path) -> None:
    store = tmp_path / "fresh-store"
    assert not store.exists()
    # An executor (unlike multiprocessing.Pool) raises BrokenProcessPool if a worker dies.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
        run_ids = list(pool.map(worker, [(str(store), i) for i in range(WORKERS)], timeout=240))
    trialbook.set_tracking_uri(store)
    experiments = trialbook.search_experiments()
    assert [e.name for e in experiments] == ["sweep"]
    frame = trialbook.search_runs(experiment_names=["sweep"])
    assert sorted(frame["run_id"]) == sorted(run_ids)
    assert set(frame["status"]) == {"FINISHED"}
    client = trialbook.TrackingClient()
    for run_id in run_ids:
        assert len(client.get_metric_history(run_id, "loss")) == POINTS
