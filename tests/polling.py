"""Waiting in tests for what happens on another thread or process: poll, with a deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

DEADLINE_S = 30.0


def eventually(condition: Callable[[], bool], what: str, seconds: float = DEADLINE_S) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {seconds} s: {what}")
        threading.Event().wait(0.02)
