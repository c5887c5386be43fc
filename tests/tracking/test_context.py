from __future__ import annotations

import importlib.metadata
import os
import shlex
import shutil
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest

from trialbook.tracking import reproducibility, requirements
from trialbook.tracking.reproducibility import (
    GIT_BRANCH,
    GIT_COMMIT,
    GIT_DIFF_ARTIFACT,
    GIT_DIRTY,
    GIT_PATH,
    GIT_REMOTE,
    HOST,
    PACKAGE_TAG_PREFIX,
    PID,
    PLATFORM,
    PYTHON,
    REQUIREMENTS_ARTIFACT,
    SEED_LIGHTNING,
    SEED_PYTHONHASHSEED,
    SEED_TORCH,
    SOURCE_COMMAND,
    SOURCE_SCRIPT,
    USER,
    capture_fast,
    capture_slow,
    disabled,
    strip_url_credentials,
)

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git executable")
GIT_PREFIX = "trialbook.source.git."


def git_tags(tags: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in tags.items() if key.startswith(GIT_PREFIX)}


@pytest.fixture(autouse=True)
def no_cached_versions() -> None:
    """Each test scans installed packages afresh (the scan is cached per process)."""
    reproducibility._packages_cache = None


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the user's git config out, and stop git looking above the test's directory."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git: Callable[..., str]) -> Path:
    """A git repository with one commit of ``train.py``, which is the running script."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    (root / "train.py").write_text("print('train')\n")
    git(root, "add", "train.py")
    git(root, "commit", "-q", "-m", "first")
    monkeypatch.setattr(sys, "argv", [str(root / "train.py"), "--lr", "0.1"])
    monkeypatch.chdir(root)
    return root


# Git


@needs_git
def test_commit_matches_git_rev_parse_head(repo: Path, git: Callable[..., str]) -> None:
    tags = capture_slow(repo).tags
    assert tags[GIT_COMMIT] == git(repo, "rev-parse", "HEAD").strip()


@needs_git
def test_branch_is_the_checked_out_branch(repo: Path) -> None:
    assert capture_slow(repo).tags[GIT_BRANCH] == "main"


@needs_git
def test_detached_head_gives_no_branch_tag(repo: Path, git: Callable[..., str]) -> None:
    git(repo, "checkout", "-q", "--detach")
    assert GIT_BRANCH not in capture_slow(repo).tags


@needs_git
def test_clean_checkout_is_not_dirty(repo: Path) -> None:
    assert capture_slow(repo).tags[GIT_DIRTY] == "false"


@needs_git
def test_clean_checkout_has_no_diff_artifact(repo: Path) -> None:
    assert GIT_DIFF_ARTIFACT not in capture_slow(repo).artifacts


@needs_git
def test_modified_file_makes_the_checkout_dirty(repo: Path) -> None:
    (repo / "train.py").write_text("print('changed')\n")
    assert capture_slow(repo).tags[GIT_DIRTY] == "true"


@needs_git
def test_untracked_file_makes_the_checkout_dirty(repo: Path) -> None:
    (repo / "notes.txt").write_text("scratch\n")
    assert capture_slow(repo).tags[GIT_DIRTY] == "true"


@needs_git
def test_diff_artifact_contains_an_unstaged_change(repo: Path) -> None:
    (repo / "train.py").write_text("print('changed')\n")
    diff = capture_slow(repo).artifacts[GIT_DIFF_ARTIFACT]
    assert "-print('train')" in diff
    assert "+print('changed')" in diff


@needs_git
def test_diff_artifact_contains_a_staged_change(repo: Path, git: Callable[..., str]) -> None:
    (repo / "model.py").write_text("LAYERS = 3\n")
    git(repo, "add", "model.py")
    diff = capture_slow(repo).artifacts[GIT_DIFF_ARTIFACT]
    assert "+LAYERS = 3" in diff


@needs_git
def test_diff_artifact_lists_untracked_files(repo: Path) -> None:
    (repo / "notes.txt").write_text("scratch\n")
    diff = capture_slow(repo).artifacts[GIT_DIFF_ARTIFACT]
    assert "#   notes.txt" in diff


@needs_git
def test_diff_of_a_subdirectory_workdir_covers_the_whole_repository(repo: Path) -> None:
    (repo / "train.py").write_text("print('changed')\n")
    sub = repo / "sub"
    sub.mkdir()
    diff = capture_slow(sub).artifacts[GIT_DIFF_ARTIFACT]
    assert "+print('changed')" in diff


@needs_git
def test_remote_url_has_credentials_stripped(repo: Path, git: Callable[..., str]) -> None:
    git(repo, "remote", "add", "origin", "https://alice:s3cret@example.com/org/repo.git")
    tags = capture_slow(repo).tags
    assert tags[GIT_REMOTE] == "https://example.com/org/repo.git"
    assert not any("s3cret" in value for value in tags.values())


@needs_git
def test_origin_is_preferred_over_other_remotes(repo: Path, git: Callable[..., str]) -> None:
    git(repo, "remote", "add", "fork", "https://example.com/fork/repo.git")
    git(repo, "remote", "add", "origin", "https://example.com/org/repo.git")
    assert capture_slow(repo).tags[GIT_REMOTE] == "https://example.com/org/repo.git"


@needs_git
def test_repository_without_remote_gives_no_remote_tag(repo: Path) -> None:
    assert GIT_REMOTE not in capture_slow(repo).tags


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:token@host.com/org/repo.git", "https://host.com/org/repo.git"),
        ("https://ghp_token@host.com/org/repo.git", "https://host.com/org/repo.git"),
        ("http://user:pw@host.com:8080/repo", "http://host.com:8080/repo"),
        ("ssh://git:pw@host.com/org/repo.git", "ssh://git@host.com/org/repo.git"),
        ("ssh://git@host.com/org/repo.git", "ssh://git@host.com/org/repo.git"),
        ("git@host.com:org/repo.git", "git@host.com:org/repo.git"),
        ("https://host.com/org/repo.git", "https://host.com/org/repo.git"),
        ("/srv/git/repo.git", "/srv/git/repo.git"),
    ],
)
def test_strip_url_credentials_keeps_everything_but_secrets(url: str, expected: str) -> None:
    assert strip_url_credentials(url) == expected


@needs_git
def test_script_path_is_relative_to_the_repository_root(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "src").mkdir()
    (repo / "src" / "fit.py").write_text("")
    monkeypatch.setattr(sys, "argv", [str(repo / "src" / "fit.py")])
    assert capture_slow(repo / "src").tags[GIT_PATH] == "src/fit.py"


@needs_git
def test_script_outside_the_repository_gives_no_path_tag(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("")
    monkeypatch.setattr(sys, "argv", [str(outside)])
    assert GIT_PATH not in capture_slow(repo).tags


@needs_git
def test_directory_outside_any_repository_gives_no_git_tags(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert git_tags(capture_slow(plain).tags) == {}


def test_missing_git_executable_gives_no_git_tags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert git_tags(capture_slow(tmp_path).tags) == {}


def test_missing_workdir_gives_no_git_tags(tmp_path: Path) -> None:
    assert git_tags(capture_slow(tmp_path / "gone").tags) == {}


@pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script as a fake git")
def test_hanging_git_is_abandoned_after_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_git = bin_dir / "git"
    sleep = shutil.which("sleep")
    if sleep is None:
        pytest.skip("needs the sleep executable")
    fake_git.write_text(f"#!/bin/sh\nexec {shlex.quote(sleep)} 30\n")
    fake_git.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(reproducibility, "GIT_TIMEOUT_SECONDS", 0.2)
    assert git_tags(capture_slow(tmp_path).tags) == {}


# Packages and platform


def test_requirements_list_pytest_with_its_version(tmp_path: Path) -> None:
    requirements = capture_slow(tmp_path).artifacts[REQUIREMENTS_ARTIFACT]
    assert f"pytest=={importlib.metadata.version('pytest')}" in requirements.splitlines()


def test_requirements_are_sorted_case_insensitively(tmp_path: Path) -> None:
    lines = capture_slow(tmp_path).artifacts[REQUIREMENTS_ARTIFACT].splitlines()
    names = [line.split("==")[0] for line in lines if "==" in line and not line.startswith("#")]
    assert names == sorted(names, key=str.lower)


@needs_git
def test_clone_of_names_the_remote_commit_and_subfolder(
    repo: Path, git: Callable[..., str]
) -> None:
    git(repo, "remote", "add", "origin", "https://user:secret@example.com/org/tools.git")
    (repo / "pkg").mkdir()
    head = git(repo, "rev-parse", "HEAD").strip()

    assert reproducibility._clone_of(repo / "pkg") == (
        "https://example.com/org/tools.git",
        head,
        "pkg",
    )
    assert reproducibility._clone_of(repo) == ("https://example.com/org/tools.git", head, "")


@needs_git
def test_clone_of_a_repository_without_a_remote_is_none(repo: Path) -> None:
    assert reproducibility._clone_of(repo) is None


def test_installed_ml_package_gets_a_version_tag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reproducibility, "ML_PACKAGES", ("pytest",))
    tags = capture_slow(tmp_path).tags
    assert tags[PACKAGE_TAG_PREFIX + "pytest"] == importlib.metadata.version("pytest")


def test_missing_ml_package_gets_no_tag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reproducibility, "ML_PACKAGES", ("no-such-package-for-trialbook",))
    tags = capture_slow(tmp_path).tags
    assert not any(key.startswith(PACKAGE_TAG_PREFIX) for key in tags)


def test_platform_is_captured_by_the_slow_capture_only(tmp_path: Path) -> None:
    assert PLATFORM in capture_slow(tmp_path).tags
    assert PLATFORM not in capture_fast()


def test_failing_part_is_skipped_and_the_others_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_distributions() -> NoReturn:
        raise ValueError("corrupt metadata")

    monkeypatch.setattr(importlib.metadata, "distributions", broken_distributions)
    captured = capture_slow(tmp_path)
    assert REQUIREMENTS_ARTIFACT not in captured.artifacts
    assert PLATFORM in captured.tags


# Seeds


def test_pythonhashseed_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONHASHSEED", "123")
    assert capture_slow(tmp_path).tags[SEED_PYTHONHASHSEED] == "123"


def test_lightning_global_seed_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PL_GLOBAL_SEED", "42")
    assert capture_slow(tmp_path).tags[SEED_LIGHTNING] == "42"


def test_torch_seed_is_read_when_torch_is_already_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_torch = types.ModuleType("torch")
    fake_torch.__dict__["initial_seed"] = lambda: 1234
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    assert capture_slow(tmp_path).tags[SEED_TORCH] == "1234"


def test_torch_is_not_imported_to_read_a_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    tags = capture_slow(tmp_path).tags
    assert SEED_TORCH not in tags
    assert "torch" not in sys.modules


# Fast capture


def test_fast_capture_has_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ["train.py", "--name", "two words"]
    monkeypatch.setattr(sys, "argv", argv)
    assert capture_fast()[SOURCE_COMMAND] == shlex.join([sys.executable, *argv])


def test_fast_capture_resolves_a_relative_script_to_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "train.py").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["train.py"])
    assert capture_fast()[SOURCE_SCRIPT] == os.path.realpath(tmp_path / "train.py")


def test_fast_capture_keeps_an_argv0_that_is_not_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["-c"])
    assert capture_fast()[SOURCE_SCRIPT] == "-c"


def test_fast_capture_has_user_host_pid_and_python() -> None:
    tags = capture_fast()
    assert tags[USER]
    assert tags[HOST]
    assert tags[PID] == str(os.getpid())
    assert tags[PYTHON] == "{}.{}.{}".format(*sys.version_info[:3])


def test_fast_capture_starts_no_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_subprocess(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError("capture_fast started a subprocess")

    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    assert capture_fast()[SOURCE_COMMAND]


# Opt-out


@pytest.mark.parametrize("value", ["1", "true", "YES", " yes "])
def test_truthy_env_var_disables_capture(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALBOOK_DISABLE_CONTEXT", value)
    assert disabled()


@pytest.mark.parametrize("value", ["", "0", "false", "no"])
def test_falsey_env_var_keeps_capture_on(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALBOOK_DISABLE_CONTEXT", value)
    assert not disabled()


def test_unset_env_var_keeps_capture_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIALBOOK_DISABLE_CONTEXT", raising=False)
    assert not disabled()


def test_package_scan_is_reused_until_sys_path_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scans = []
    real = requirements.installed_packages

    def counting() -> object:
        scans.append(1)
        return real()

    monkeypatch.setattr(requirements, "installed_packages", counting)
    capture_slow(tmp_path)
    capture_slow(tmp_path)
    assert len(scans) == 1
    monkeypatch.syspath_prepend(str(tmp_path))
    capture_slow(tmp_path)
    assert len(scans) == 2
