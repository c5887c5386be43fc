"""The recorded requirements file installs elsewhere, or says why a package cannot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from trialbook.origins import Origin, origin_of
from trialbook.tracking.requirements import (
    NOT_INSTALLED,
    InstalledPackage,
    installed_packages,
    left_out,
    requirements_text,
)

CLONE = ("https://github.com/org/tools.git", "0123456789abcdef0123456789abcdef01234567", "")


def no_clone(_folder: Path) -> None:
    return None


def a_clone(_folder: Path) -> tuple[str, str, str]:
    return CLONE


def package_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith(("#", "--"))]


def test_an_index_install_has_no_direct_url() -> None:
    assert origin_of(None) == Origin("index")


def test_an_editable_install_is_read_from_direct_url() -> None:
    text = json.dumps({"url": "file:///src/tools", "dir_info": {"editable": True}})

    assert origin_of(text) == Origin("editable", "file:///src/tools")


def test_a_vcs_install_keeps_its_commit() -> None:
    text = json.dumps(
        {"url": "https://github.com/org/x", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}
    )

    assert origin_of(text) == Origin("vcs", "https://github.com/org/x", "git", "abc123")


def test_an_unreadable_direct_url_counts_as_an_index_install() -> None:
    assert origin_of("{not json") == Origin("index")


def test_a_pytorch_cpu_build_brings_the_index_that_serves_it() -> None:
    text = requirements_text([InstalledPackage("torch", "2.13.0+cpu", Origin("index"))], no_clone)

    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text.splitlines()
    assert [str(Requirement(line.split(" #")[0])) for line in package_lines(text)] == [
        "torch==2.13.0+cpu"
    ]


def test_a_cuda_build_brings_its_own_index() -> None:
    packages = [InstalledPackage("torchvision", "0.28.0+cu121", Origin("index"))]

    text = requirements_text(packages, no_clone)

    assert "--extra-index-url https://download.pytorch.org/whl/cu121" in text.splitlines()


def test_another_local_version_is_left_out_with_what_to_do() -> None:
    packages = [
        InstalledPackage("numpy", "2.1.0", Origin("index")),
        InstalledPackage("homebrew", "1.0+mine", Origin("index")),
    ]

    text = requirements_text(packages, no_clone)

    assert package_lines(text) == ["numpy==2.1.0"]
    (note,) = left_out(text)
    assert note.startswith("homebrew==1.0+mine is a local build (+mine)")
    assert "--extra-index-url" not in text


def test_an_editable_install_from_a_clone_becomes_its_git_url_and_commit() -> None:
    packages = [InstalledPackage("tools", "0.1.0", Origin("editable", "file:///src/tools"))]

    text = requirements_text(packages, a_clone)

    (line,) = package_lines(text)
    requirement = Requirement(line.split(" #")[0])
    assert requirement.name == "tools"
    assert requirement.url == f"git+{CLONE[0]}@{CLONE[1]}"


def test_an_editable_install_from_a_subfolder_of_a_clone_names_the_subfolder() -> None:
    packages = [InstalledPackage("plug", "0.1.0", Origin("editable", "file:///src/tools/plug"))]

    text = requirements_text(packages, lambda _folder: (CLONE[0], CLONE[1], "plug"))

    (line,) = package_lines(text)
    assert Requirement(line.split(" #")[0]).url == f"git+{CLONE[0]}@{CLONE[1]}#subdirectory=plug"


def test_an_scp_like_remote_becomes_an_ssh_url_pip_takes() -> None:
    packages = [InstalledPackage("tools", "0.1.0", Origin("directory", "file:///src/tools"))]

    text = requirements_text(packages, lambda _f: ("git@github.com:org/tools.git", "abc", ""))

    (line,) = package_lines(text)
    assert line.startswith("tools @ git+ssh://git@github.com/org/tools.git@abc")


def test_an_editable_install_without_a_clone_is_left_out_naming_its_folder() -> None:
    packages = [InstalledPackage("tools", "0.1.0", Origin("editable", "file:///src/tools"))]

    text = requirements_text(packages, no_clone)

    assert package_lines(text) == []
    (note,) = left_out(text)
    assert note.startswith("tools==0.1.0 was installed from file:///src/tools")
    assert "not a git clone with a remote" in note


def test_a_vcs_install_is_written_as_its_url_and_commit() -> None:
    origin = Origin("vcs", "https://github.com/org/x", "git", "abc123")

    text = requirements_text([InstalledPackage("x", "1.0", origin)], no_clone)

    assert package_lines(text) == ["x @ git+https://github.com/org/x@abc123"]


def test_a_remote_archive_is_written_as_its_url() -> None:
    origin = Origin("archive", "https://example.com/x-1.0-py3-none-any.whl")

    text = requirements_text([InstalledPackage("x", "1.0", origin)], no_clone)

    assert package_lines(text) == ["x @ https://example.com/x-1.0-py3-none-any.whl"]


def test_a_local_wheel_of_a_public_version_is_pinned_naming_the_file() -> None:
    origin = Origin("archive", "file:///opt/wheels/x-1.0-py3-none-any.whl")

    text = requirements_text([InstalledPackage("x", "1.0", origin)], no_clone)

    (line,) = package_lines(text)
    assert line.startswith("x==1.0  #")
    assert "/opt/wheels/x-1.0-py3-none-any.whl" in line


def test_every_line_is_one_pip_reads(tmp_path: Path) -> None:
    text = requirements_text(installed_packages(), no_clone)

    for line in package_lines(text):
        Requirement(line.split(" #")[0])
    assert not [
        line
        for line in text.splitlines()
        if line.startswith("#") and "==" in line and not line.startswith(NOT_INSTALLED)
    ]


@pytest.mark.parametrize("name", ["pytest", "pluggy"])
def test_the_installed_list_has_the_test_tools(name: str) -> None:
    assert name in {package.name.lower() for package in installed_packages()}


def test_a_clone_of_a_folder_is_left_out_naming_the_folder_and_commit() -> None:
    packages = [InstalledPackage("tools", "0.1.0", Origin("editable", "file:///src/tools"))]

    text = requirements_text(packages, lambda _f: ("/srv/git/tools", "abc123", ""))

    assert package_lines(text) == []
    (note,) = left_out(text)
    assert "a clone of the folder /srv/git/tools at commit abc123" in note
