"""The README's main job: ``examples/demo.py`` trains with autolog into the default store."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import trialbook

DEMO = Path(__file__).parents[1] / "examples" / "demo.py"

pytestmark = pytest.mark.slow


def clean_env() -> dict[str, str]:
    """The environment without trialbook's settings: the default store, ./.trialbook."""
    return {k: v for k, v in os.environ.items() if not k.startswith("TRIALBOOK_")}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A folder the demo ran in, with no tracking URI set, and what the demo printed."""
    pytest.importorskip("sklearn")
    pytest.importorskip("xgboost")
    folder = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [sys.executable, str(DEMO)], cwd=folder, env=clean_env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return folder, done.stdout


@pytest.fixture(scope="module")
def demo_folder(demo_run: tuple[Path, str]) -> Path:
    """The folder the demo ran in: its runs are in ./.trialbook."""
    return demo_run[0]


def printed_commands(output: str) -> list[str]:
    """The commands the demo suggests after "Look further", without their comments."""
    lines = output.split("Look further", 1)[1].splitlines()[1:]
    return [line.split("#")[0].strip() for line in lines if line.startswith("  ")]


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


def test_every_command_the_demo_prints_works_as_printed(demo_run: tuple[Path, str]) -> None:
    folder, output = demo_run
    commands = [c for c in printed_commands(output) if not c.endswith(" ui")]

    assert len(commands) >= 4
    for command in commands:
        done = subprocess.run(
            command, shell=True, cwd=folder, env=clean_env(), capture_output=True, text=True
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"


def test_the_ui_command_the_demo_prints_serves_the_demos_runs(demo_run: tuple[Path, str]) -> None:
    pytest.importorskip("uvicorn")
    folder, output = demo_run
    (ui,) = [c for c in printed_commands(output) if c.endswith(" ui")]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with subprocess.Popen(
        f"exec {ui} --port {port}",
        shell=True,
        cwd=folder,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    ) as server:
        try:
            page = poll_page(f"http://127.0.0.1:{port}/", server)
        finally:
            server.terminate()
    assert "demo" in page


def poll_page(url: str, server: subprocess.Popen[bytes]) -> str:
    """The page at ``url`` once the server answers; fails if it exits or a minute passes."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(response.read().decode("utf-8"))
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within a minute")
