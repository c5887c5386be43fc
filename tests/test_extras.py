"""Install hints name the source trialbook was installed from, never PyPI."""

from __future__ import annotations

import json
import shlex
import sys
from importlib import metadata
from pathlib import Path

import pytest

from trialbook import extras


class FakeDistribution:
    def __init__(self, direct_url: dict[str, object] | None) -> None:
        self.direct_url = direct_url

    def read_text(self, name: str) -> str | None:
        assert name == "direct_url.json"
        return None if self.direct_url is None else json.dumps(self.direct_url)


def hint_for(monkeypatch: pytest.MonkeyPatch, direct_url: dict[str, object] | None) -> list[str]:
    monkeypatch.setattr(metadata, "distribution", lambda _name: FakeDistribution(direct_url))
    return shlex.split(extras.install_command("server"))


def test_an_editable_install_is_told_to_install_its_clone_with_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = tmp_path.as_uri()

    words = hint_for(monkeypatch, {"url": url, "dir_info": {"editable": True}})

    assert words == [sys.executable, "-m", "pip", "install", "-e", f"{tmp_path}[server]"]


def test_a_wheel_install_is_told_to_install_that_wheel_with_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wheel = tmp_path / "trialbook-0.1.0-py3-none-any.whl"

    words = hint_for(monkeypatch, {"url": wheel.as_uri(), "archive_info": {}})

    assert words[-1] == f"{wheel}[server]"
    assert "-e" not in words


def test_a_git_install_is_told_to_install_from_that_repository(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "https://example.com/org/trialbook.git"

    words = hint_for(monkeypatch, {"url": url, "vcs_info": {"vcs": "git", "commit_id": "abc"}})

    assert words[-1] == f"trialbook[server] @ git+{url}"


def test_an_index_install_is_told_to_install_the_extra_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert hint_for(monkeypatch, None)[-1] == "trialbook[server]"
