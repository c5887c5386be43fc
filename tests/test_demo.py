"""The README's main job: ``examples/demo.py`` trains with autolog into the default store."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import trialbook

DEMO = Path(__file__).parents[1] / "examples" / "demo.py"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the demo ran in, with no tracking URI set: its runs are in ./.trialbook."""
    pytest.importorskip("sklearn")
    pytest.importorskip("xgboost")
    folder = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIALBOOK_")}
    done = subprocess.run(
        [sys.executable, str(DEMO)], cwd=folder, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return folder


def client_of(folder: Path) -> trialbook.TrackingClient:
    return trialbook.TrackingClient(str(folder / ".trialbook"))


def test_demo_logs_a_finished_run_per_framework(demo_folder: Path) -> None:
    client = client_of(demo_folder)
    (demo,) = [e for e in client.search_experiments() if e.name == "demo"]
    runs = client.search_runs([demo.experiment_id]).runs
    frameworks = {run.data.tags.get("trialbook.autolog") for run in runs}
    expected = {"sklearn", "xgboost"}
    if importlib.util.find_spec("lightning") is not None:
        expected.add("lightning")
    assert expected <= frameworks
    assert {run.info.status for run in runs} == {trialbook.RunStatus.FINISHED}


def test_demo_registers_a_champion_that_loads_and_predicts(demo_folder: Path) -> None:
    client = client_of(demo_folder)
    champion = client.get_model_version_by_alias("demo-classifier", "champion")
    trialbook.set_tracking_uri(str(demo_folder / ".trialbook"))
    model = trialbook.load_model("models:/demo-classifier@champion")
    source = client.get_run(champion.run_id)
    assert source.data.tags["trialbook.autolog"] == "sklearn"
    assert model.predict([[0.0] * 20]).shape == (1,)
