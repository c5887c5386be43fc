"""Many processes logging into one SQLite store at once, starting from no store at all."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import trialbook

WORKERS = 16
POINTS = 200

WORKER = textwrap.dedent(
    f"""
    import sys
    import trialbook

    index = int(sys.argv[1])
    trialbook.set_experiment("sweep")
    with trialbook.start_run(run_name=f"worker-{{index}}") as run:
        trialbook.log_params({{"index": index, "lr": 0.01 * index}})
        for step in range({POINTS}):
            trialbook.log_metric("loss", 1.0 / (step + 1), step=step)
        trialbook.set_tag("worker", index)
    print(run.info.run_id)
    """
)


@pytest.mark.slow
def test_sixteen_workers_starting_on_a_missing_store_lose_nothing(tmp_path: Path) -> None:
    store = tmp_path / "fresh-store"
    assert not store.exists()
    env = {**os.environ, "TRIALBOOK_TRACKING_URI": str(store), "TRIALBOOK_DISABLE_CONTEXT": "1"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(i)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(WORKERS)
    ]
    run_ids = []
    for process in workers:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err
        assert "locked" not in err
        run_ids.append(out.strip())
    trialbook.set_tracking_uri(store)
    assert [e.name for e in trialbook.search_experiments()] == ["sweep"]
    frame = trialbook.search_runs(experiment_names=["sweep"])
    assert sorted(frame["run_id"]) == sorted(run_ids)
    assert set(frame["status"]) == {"FINISHED"}
    client = trialbook.TrackingClient()
    for run_id in run_ids:
        assert len(client.get_metric_history(run_id, "loss")) == POINTS
