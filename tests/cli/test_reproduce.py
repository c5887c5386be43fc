from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import trialbook
from trialbook.cli.main import cli
from trialbook.cli.recipe import locate, untracked_files
from trialbook.cli.reproduce import REPRODUCES_ENV, REPRODUCES_TAG
from trialbook.entities import Run, ViewType
from trialbook.tracking import reproducibility, requirements

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git executable")

SCRIPT = textwrap.dedent(
    """
    import sys

    import trialbook

    trialbook.set_experiment("repro")
    with trialbook.start_run() as run:
        trialbook.log_param("lr", 0.1)
        trialbook.log_param("argv", " ".join(sys.argv[1:]))
        trialbook.log_metric("loss", 0.5)
    print(run.info.run_id)
    """
)


@pytest.fixture
def recorded_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git: Callable[..., str]) -> Run:
    """A run logged by a script in a git repository with an uncommitted change (lr 0.1->0.7)."""
    monkeypatch.delenv(reproducibility.DISABLE_ENV_VAR)
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    script = repo / "src" / "train.py"
    script.write_text(SCRIPT)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "train")
    script.write_text(SCRIPT.replace("0.1", "0.7"))
    done = subprocess.run(
        [sys.executable, "train.py", "--epochs", "3"],
        cwd=repo / "src",
        capture_output=True,
        text=True,
        check=True,
    )
    return trialbook.TrackingClient().get_run(done.stdout.strip())


@needs_git
def test_reproduce_prints_the_commit_diff_and_command(runner: CliRunner, recorded_run: Run) -> None:
    tags = recorded_run.data.tags

    result = runner.invoke(cli, ["runs", "reproduce", recorded_run.info.run_id])

    assert result.exit_code == 0, result.output
    assert "git worktree add --detach ../trialbook-reproduce-" in result.output
    assert tags[reproducibility.GIT_COMMIT] in result.output
    assert f"git apply {recorded_run.info.artifact_uri}/{reproducibility.GIT_DIFF_ARTIFACT}" in (
        result.output
    )
    assert (
        f"pip install -r {recorded_run.info.artifact_uri}/{reproducibility.REQUIREMENTS_ARTIFACT}"
        in (result.output)
    )
    assert "cd src" in result.output
    assert "python train.py --epochs 3" in result.output
    assert f"{REPRODUCES_ENV}={recorded_run.info.run_id}" in result.output


@needs_git
def test_reproduce_warns_about_packages_the_requirements_cannot_install(
    runner: CliRunner, recorded_run: Run
) -> None:
    client = trialbook.TrackingClient()
    text = (
        "numpy==2.1.0\n"
        f"{requirements.NOT_INSTALLED}tools==0.1 was installed from file:///src/tools, which is "
        "not a git clone with a remote: install it from a copy of that folder\n"
    )
    client.log_text(recorded_run.info.run_id, text, reproducibility.REQUIREMENTS_ARTIFACT)

    result = runner.invoke(cli, ["runs", "reproduce", recorded_run.info.run_id])

    assert result.exit_code == 0, result.output
    assert "skips tools==0.1 was installed from file:///src/tools" in result.stderr


@needs_git
def test_reproduce_execute_logs_a_new_run_tagged_as_a_reproduction(
    runner: CliRunner, recorded_run: Run, tmp_path: Path
) -> None:
    old_id = recorded_run.info.run_id

    result = runner.invoke(
        cli, ["runs", "reproduce", old_id, "--execute", "--worktree-dir", str(tmp_path / "wt")]
    )

    assert result.exit_code == 0, result.output
    client = trialbook.TrackingClient()
    ids = [e.experiment_id for e in client.search_experiments(ViewType.ALL)]
    copies = client.search_runs(ids, f"tags.{REPRODUCES_TAG} = '{old_id}'").runs
    assert len(copies) == 1
    assert copies[0].info.run_id in result.output
    assert copies[0].data.params == recorded_run.data.params


@needs_git
def test_reproduce_execute_checks_out_the_recorded_commit(
    runner: CliRunner, recorded_run: Run, tmp_path: Path, git: Callable[..., str]
) -> None:
    worktree = tmp_path / "wt"

    runner.invoke(
        cli,
        [
            "runs",
            "reproduce",
            recorded_run.info.run_id,
            "--execute",
            "--worktree-dir",
            str(worktree),
        ],
    )

    head = git(worktree, "rev-parse", "HEAD").strip()
    assert head == recorded_run.data.tags[reproducibility.GIT_COMMIT]


@needs_git
def test_reproduce_execute_refuses_a_folder_that_is_not_empty(
    runner: CliRunner, recorded_run: Run, tmp_path: Path
) -> None:
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "file").write_text("x")

    result = runner.invoke(
        cli,
        [
            "runs",
            "reproduce",
            recorded_run.info.run_id,
            "--execute",
            "--worktree-dir",
            str(occupied),
        ],
    )

    assert result.exit_code == 1
    assert "is not empty" in result.stderr


def test_reproduce_without_git_info_exits_1_naming_what_is_missing(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(reproducibility.DISABLE_ENV_VAR, "1")
    with trialbook.start_run() as run:
        pass

    result = runner.invoke(cli, ["runs", "reproduce", run.info.run_id])

    assert result.exit_code == 1
    assert f"no git commit (tag {reproducibility.GIT_COMMIT})" in result.stderr
    assert "Traceback" not in result.output


def test_start_run_tags_the_run_it_reproduces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REPRODUCES_ENV, "0123456789abcdef0123456789abcdef")

    with trialbook.start_run() as run:
        pass

    tags = trialbook.TrackingClient().get_run(run.info.run_id).data.tags
    assert tags[REPRODUCES_TAG] == "0123456789abcdef0123456789abcdef"


def test_start_run_leaves_child_runs_of_a_reproduction_untagged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(REPRODUCES_ENV, "0123456789abcdef0123456789abcdef")

    with trialbook.start_run(), trialbook.start_run(nested=True) as child:
        pass

    assert REPRODUCES_TAG not in trialbook.TrackingClient().get_run(child.info.run_id).data.tags


def test_locate_runs_from_the_folder_the_script_was_named_from() -> None:
    assert locate(("train.py", "--x"), "src/train.py") == ("src", ("train.py", "--x"))
    assert locate(("src/train.py",), "src/train.py") == ("", ("src/train.py",))


def test_locate_runs_an_absolute_script_from_its_own_folder() -> None:
    assert locate(("/home/me/repo/src/train.py", "-v"), "src/train.py") == (
        "src",
        ("train.py", "-v"),
    )


def test_locate_without_a_script_path_runs_from_the_root_unchanged() -> None:
    assert locate(("/venv/bin/pytest", "-q"), None) == ("", ("/venv/bin/pytest", "-q"))


def test_untracked_files_are_read_from_the_diff_header() -> None:
    diff = "# Untracked files (contents not included):\n#   a.txt\n#   b/c.py\n\ndiff --git a"

    assert untracked_files(diff) == ("a.txt", "b/c.py")
