"""examples/xgboost_quickstart.py runs offline and logs what its docstring promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import trialbook

pytest.importorskip("xgboost")
pytestmark = [pytest.mark.xgboost, pytest.mark.slow]

EXAMPLE = Path(__file__).parents[3] / "examples" / "xgboost_quickstart.py"


def test_the_quickstart_logs_four_runs_and_reloads_a_booster(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], cwd=tmp_path, check=True, capture_output=True, text=True
    )
    assert "Reloaded Booster" in done.stdout
    trialbook.set_experiment("xgboost-quickstart")
    runs = trialbook.search_runs(output_format="list")
    assert len(runs) == 4
    assert all(run.info.status is trialbook.RunStatus.FINISHED for run in runs)
