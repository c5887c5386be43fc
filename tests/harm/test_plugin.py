"""``pytest -p trialbook.testing.harm``: autologging on in every process of a test run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

INNER_TEST = """
import json, os
from pathlib import Path

import trialbook
from trialbook.autolog.api import global_config


def test_record_{index}():
    with trialbook.start_run():  # creates the store
        trialbook.log_param("index", {index})
    config = global_config()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    Path(os.environ["EVIDENCE"], f"{{worker}}-{index}.json").write_text(json.dumps({{
        "enabled": not config.disable,
        "strict": config.strict,
        "silent": config.silent,
        "uri": trialbook.get_tracking_uri(),
    }}))
"""


def run_inner(tmp_path: Path, *args: str) -> list[dict[str, object]]:
    """Run two inner tests with the plugin and ``args``; what each saw."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "pytest.ini").write_text("[pytest]\n")
    for index in range(2):
        (suite / f"test_inner_{index}.py").write_text(
            textwrap.dedent(INNER_TEST.format(index=index))
        )
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "TRIALBOOK_"))}
    env["EVIDENCE"] = str(evidence)
    command = [sys.executable, "-m", "pytest", "-p", "trialbook.testing.harm", "-q", *args]
    done = subprocess.run(
        [*command, str(suite)], cwd=suite, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [json.loads(path.read_text()) for path in sorted(evidence.iterdir())]


def test_autolog_is_on_lenient_and_silent_in_the_tests(tmp_path: Path) -> None:
    seen = run_inner(tmp_path, "-p", "no:xdist")
    assert [(s["enabled"], s["strict"], s["silent"]) for s in seen] == [(True, False, True)] * 2


def _store_folder(uri: str) -> Path:
    """The folder of a local store from its canonical URI (``sqlite:///<folder>/trialbook.db``)."""
    database = Path(uri.removeprefix("sqlite:///"))
    assert database.name == "trialbook.db", uri
    return database.parent


def test_each_xdist_worker_logs_into_its_own_temporary_store_removed_afterwards(
    tmp_path: Path,
) -> None:
    pytest.importorskip("xdist")
    seen = run_inner(tmp_path, "-n", "2", "--dist", "each")
    assert all(s["enabled"] for s in seen)
    folders = {_store_folder(s["uri"]) for s in seen}
    assert len(folders) == 2
    assert not any(folder.exists() for folder in folders)  # each existed: a run was logged


def test_stores_are_kept_in_the_given_folder(tmp_path: Path) -> None:
    kept = tmp_path / "stores"
    seen = run_inner(tmp_path, "-p", "no:xdist", f"--trialbook-store={kept}")
    assert {_store_folder(s["uri"]) for s in seen} == {kept / "main"}
    assert (kept / "main").is_dir()
