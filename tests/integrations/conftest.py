"""Fixtures shared by the integration tests: strict autolog, every patch reverted after a test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

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


THREAD_STOP_DEADLINE_S = 10.0
"""How long trialbook's threads may take to stop once nothing is pending."""


def _lingering_trialbook_threads() -> list[str]:
    """Names of trialbook's threads still alive after each got the deadline to stop."""
    import threading
    import time

    deadline = time.monotonic() + THREAD_STOP_DEADLINE_S
    for thread in threading.enumerate():
        if thread.name.startswith("trialbook"):
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("trialbook"))


@pytest.fixture
def lingering_trialbook_threads() -> Callable[[], list[str]]:
    """``lingering_trialbook_threads()``: trialbook's threads that did not stop in time."""
    return _lingering_trialbook_threads
