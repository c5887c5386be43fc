from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trialbook.cli.main import cli
from trialbook.extras import install_command


def test_ui_serves_the_chosen_store_host_and_port(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[dict[str, Any]] = []
    fake = types.ModuleType("trialbook.ui")
    fake.serve = lambda **kwargs: calls.append(kwargs)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "trialbook.ui", fake)
    store = tmp_path / "served"

    result = runner.invoke(
        cli, ["ui", "--backend-store-uri", str(store), "--host", "0.0.0.0", "--port", "5050"]
    )

    assert result.exit_code == 0, result.output
    assert calls == [
        {
            "tracking_uri": str(store),
            "host": "0.0.0.0",
            "port": 5050,
            "open_browser": False,
            "allowed_hosts": None,
        }
    ]


def test_ui_defaults_to_the_tracking_uri_and_localhost(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, isolated_store: Path
) -> None:
    calls: list[dict[str, Any]] = []
    fake = types.ModuleType("trialbook.ui")
    fake.serve = lambda **kwargs: calls.append(kwargs)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "trialbook.ui", fake)

    runner.invoke(cli, ["ui"])

    assert calls == [
        {
            "tracking_uri": str(isolated_store),
            "host": "127.0.0.1",
            "port": 5000,
            "open_browser": False,
            "allowed_hosts": None,
        }
    ]


def test_ui_passes_the_allowed_hosts_on(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, isolated_store: Path
) -> None:
    calls: list[dict[str, Any]] = []
    fake = types.ModuleType("trialbook.ui")
    fake.serve = lambda **kwargs: calls.append(kwargs)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "trialbook.ui", fake)

    runner.invoke(cli, ["ui", "--allowed-hosts", "tb.example.com, localhost"])

    assert calls[0]["allowed_hosts"] == ["tb.example.com", "localhost"]


def test_ui_without_the_server_extra_says_what_to_install(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "trialbook.ui", None)

    result = runner.invoke(cli, ["ui"])

    assert result.exit_code == 1
    assert install_command("server") in result.stderr


def test_ui_missing_a_server_dependency_says_what_to_install(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def serve(**_kwargs: Any) -> None:
        raise ModuleNotFoundError("No module named 'uvicorn'", name="uvicorn")

    fake = types.ModuleType("trialbook.ui")
    fake.serve = serve  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "trialbook.ui", fake)

    result = runner.invoke(cli, ["ui"])

    assert result.exit_code == 1
    assert install_command("server") in result.stderr
