"""Fixtures shared by the integration tests: strict autolog, every patch reverted after a test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import trialbook
from trialbook.plugins import manager
from trialbook.tracking import fluent


@pytest.fixture(autouse=True)
def strict_autolog(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our own autologging errors fail the test instead of becoming warnings."""
    monkeypatch.setenv("TRIALBOOK_AUTOLOG_STRICT", "1")


@pytest.fixture(autouse=True)
def revert_autolog() -> Iterator[None]:
    """Undo every integration's patches and end stray runs after each test."""
    yield
    trialbook.autolog(disable=True)
    for integration in manager.integrations().values():
        integration.overrides.clear()
    fluent.reset()


@pytest.fixture
def client() -> trialbook.TrackingClient:
    """A client on the test's own store."""
    return trialbook.TrackingClient()
