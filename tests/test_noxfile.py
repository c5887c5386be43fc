"""The developer tooling decides right: dev.py's arguments, torch's source, the demo's reuse."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[1]


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_trialbook_{name}", ROOT / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pytest.importorskip("nox")
noxfile = load("noxfile")
dev = load("dev")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["demo"], ["-s", "demo"]),
        (["lint", "typecheck"], ["-s", "lint", "typecheck"]),
        (["tests", "--", "-k", "x"], ["-s", "tests", "--", "-k", "x"]),
        (["-l"], ["-l"]),
        ([], []),
    ],
)
def test_dev_turns_leading_words_into_nox_sessions(given: list[str], expected: list[str]) -> None:
    assert dev.nox_arguments(given) == expected


def test_a_local_cpu_torch_wheel_needs_no_extra_index(tmp_path: Path) -> None:
    (tmp_path / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").touch()

    assert noxfile.torch_source(str(tmp_path)) == ()


def test_without_a_local_cpu_wheel_torch_comes_from_pytorchs_cpu_index(tmp_path: Path) -> None:
    (tmp_path / "torch-2.13.0-cp311-cp311-manylinux_2_28_x86_64.whl").touch()

    assert noxfile.torch_source(str(tmp_path)) == ("--extra-index-url", noxfile.TORCH_CPU_INDEX)
    assert noxfile.torch_source("") == ("--extra-index-url", noxfile.TORCH_CPU_INDEX)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the files whose contents decide the demo's install."""
    for name in noxfile.DEMO_INPUTS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def stamp(venv: Path, digest: str) -> None:
    venv.mkdir(exist_ok=True)
    (venv / noxfile.DEMO_STAMP).write_text(digest + "\n")


def test_a_new_environment_needs_the_install(project: Path) -> None:
    assert noxfile.needs_install(project / ".venv", noxfile.install_digest(project))


def test_an_unchanged_project_reuses_the_environment(project: Path) -> None:
    stamp(project / ".venv", noxfile.install_digest(project, "-e", ".[sklearn]"))

    assert not noxfile.needs_install(
        project / ".venv", noxfile.install_digest(project, "-e", ".[sklearn]")
    )


@pytest.mark.parametrize("changed", ["pyproject.toml", ".ci/constraints.txt"])
def test_a_changed_requirement_file_reinstalls(project: Path, changed: str) -> None:
    stamp(project / ".venv", noxfile.install_digest(project))
    with (project / changed).open("a") as handle:
        handle.write("\n# changed\n")

    assert noxfile.needs_install(project / ".venv", noxfile.install_digest(project))


def test_other_install_arguments_reinstall(project: Path) -> None:
    stamp(project / ".venv", noxfile.install_digest(project, ".[sklearn]"))

    assert noxfile.needs_install(project / ".venv", noxfile.install_digest(project, ".[xgboost]"))


def test_dev_without_a_working_venv_module_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = tmp_path / "python3"
    failing.write_text('#!/bin/sh\nmkdir -p "$3/bin" && touch "$3/bin/python"\nexit 1\n')
    failing.chmod(0o755)
    monkeypatch.setattr(dev.sys, "executable", str(failing))

    with pytest.raises(SystemExit, match="apt install python3-venv"):
        dev.ensure_nox(tmp_path / ".venv")

    assert not (tmp_path / ".venv").exists()
