"""``trialbook runs reproduce`` for a run logged to a tracking server."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

import trialbook
from trialbook.cli.main import cli
from trialbook.cli.reproduce import REPRODUCES_TAG
from trialbook.entities import Run, ViewType
from trialbook.tracking import reproducibility

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git executable")

SCRIPT = textwrap.dedent(
    """
    import trialbook

    trialbook.set_experiment("remote-repro")
    with trialbook.start_run() as run:
        trialbook.log_param("lr", 0.1)
    print(run.info.run_id)
    """
)


@pytest.fixture
def recorded_run(
    server_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git: Callable[..., str]
) -> Run:
    """A run logged to the server by a script in git with an uncommitted change (0.1->0.7)."""
    monkeypatch.delenv(reproducibility.DISABLE_ENV_VAR, raising=False)
    repo = tmp_path / "repo"
    repo.mkdir()
    script = repo / "train.py"
    script.write_text(SCRIPT)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "train")
    script.write_text(SCRIPT.replace("0.1", "0.7"))
    done = subprocess.run(
        [sys.executable, "train.py"], cwd=repo, capture_output=True, text=True, check=True
    )
    return trialbook.TrackingClient().get_run(done.stdout.strip())


def test_printed_steps_download_the_diff_from_the_server(recorded_run: Run) -> None:
    result = CliRunner().invoke(cli, ["runs", "reproduce", recorded_run.info.run_id])

    assert result.exit_code == 0, result.output
    fetch = re.search(r"curl -fsSL -o git\.diff '?(\S+?)'?\n", result.output)
    assert fetch is not None, result.output
    assert "git apply git.diff" in result.output
    diff = httpx.get(fetch.group(1)).raise_for_status().text
    assert '+    trialbook.log_param("lr", 0.7)' in diff


def test_execute_reruns_the_recorded_code_and_logs_to_the_server(
    recorded_run: Run, tmp_path: Path
) -> None:
    old_id = recorded_run.info.run_id

    result = CliRunner().invoke(
        cli, ["runs", "reproduce", old_id, "--execute", "--worktree-dir", str(tmp_path / "wt")]
    )

    assert result.exit_code == 0, result.output
    client = trialbook.TrackingClient()
    ids = [e.experiment_id for e in client.search_experiments(ViewType.ALL)]
    (copy,) = client.search_runs(ids, f"tags.{REPRODUCES_TAG} = '{old_id}'").runs
    assert copy.data.params["lr"] == "0.7"


def test_both_artifact_repositories_offer_every_operation_consumers_use(
    server_uri: str, tmp_path: Path
) -> None:
    from trialbook.artifacts import ArtifactRepository, RunArtifacts, ServedArtifacts

    with trialbook.start_run() as run:
        pass
    served = trialbook.TrackingClient().artifact_repository(run.info.run_id)
    local = ArtifactRepository(str(tmp_path / "artifacts"))
    assert isinstance(served, ServedArtifacts)
    assert isinstance(local, RunArtifacts)
    assert not isinstance(local, ServedArtifacts)
    assert local.is_local
    served.write_bytes("notes/a.txt", b"hello")
    assert [f.path for f in served.list("notes")] == ["notes/a.txt"]
    assert served.content_url("notes/a.txt").endswith("/content?path=notes/a.txt")
    assert served.needs_token is False
