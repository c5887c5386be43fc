"""Lightning's own thread-leak check passes around an autologged ``Trainer.fit``.

Lightning's test suite ends every test with a fixture that compares ``threading.enumerate()``
before and after: a new thread must be a daemon with a ``stop()`` (or ``exit()``) that ends it
at once, or the test fails with "Test left zombie thread". These tests do the same.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

import trialbook

pytestmark = [
    pytest.mark.lightning,
    pytest.mark.filterwarnings("ignore:`isinstance\\(treespec, LeafSpec\\)` is deprecated"),
]


def check_threads_like_lightning(before: set[threading.Thread]) -> None:
    """What Lightning's ``thread_police_duuu_daaa_duuu_daaa`` fixture does after each test."""
    for thread in set(threading.enumerate()) - before:
        stop = getattr(thread, "stop", None) or getattr(thread, "exit", None)
        if not (thread.daemon and callable(stop)):
            raise AssertionError(f"Test left zombie thread: {thread}")
        stop()
        assert not thread.is_alive()


@pytest.fixture(autouse=True)
def capture_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reproducibility capture on, as users have it: its thread may outlive the fit."""
    monkeypatch.delenv("TRIALBOOK_DISABLE_CONTEXT", raising=False)


def test_autologged_fit_passes_lightnings_thread_leak_check(
    lit: SimpleNamespace, fast: dict[str, Any], lingering_trialbook_threads: Any
) -> None:
    # An earlier test's idle threads (they end within a second) would count as "before" and
    # escape the check: start from none, as the first test of a Lightning run does.
    assert lingering_trialbook_threads() == []
    before = set(threading.enumerate())
    trialbook.autolog()
    lit.pl.Trainer(**fast).fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    check_threads_like_lightning(before)
    run = trialbook.last_active_run()
    assert run is not None
    stored = trialbook.TrackingClient().get_run(run.info.run_id)
    assert "trialbook.platform" in stored.data.tags  # stop() let the capture finish
    assert stored.data.metrics  # and wrote every metric


def test_no_trialbook_thread_is_left_once_an_autologged_fit_is_done(
    lit: SimpleNamespace, fast: dict[str, Any]
) -> None:
    trialbook.autolog()
    lit.pl.Trainer(**fast).fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    deadline = time.monotonic() + 30
    while any(t.name.startswith("trialbook-") for t in threading.enumerate()):
        assert time.monotonic() < deadline, f"threads left: {threading.enumerate()}"
        threading.Event().wait(0.02)
