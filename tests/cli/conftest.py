"""Fixtures for the command-line tests: a runner with plain wide output, fluent state reset."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from trialbook.tracking import fluent, reproducibility


@pytest.fixture(autouse=True)
def plain_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """No colour and the CLI's own piped width, whatever the terminal running pytest says."""
    for name in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def no_context_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs are complete when they end: no capture thread adds tags while a test compares.

    Tests about the captured context (trialbook.* tags, reproduce) delete the variable.
    """
    monkeypatch.setenv(reproducibility.DISABLE_ENV_VAR, "1")


@pytest.fixture(autouse=True)
def reset_fluent() -> Iterator[None]:
    """End stray runs and forget the experiment and trackers of the test's store."""
    yield
    fluent.reset()


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner."""
    return CliRunner()
