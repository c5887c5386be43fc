"""Service threads that end when their work is done and can be asked to end now.

::

    thread = ServiceThread("trialbook-writer", loop, stop=writer.stop_thread)
    thread.start()
    thread.stop()        # finishes what is pending, then the thread ends

``stop()`` is what test suites' thread-leak checks call on a daemon thread they did not start
(Lightning's does, then asserts the thread is gone). Either thread starts again on demand.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

IDLE_EXIT_S = 1.0
"""A service thread with nothing to do ends after this long (a busy loop of runs reuses it)."""


class ServiceThread(threading.Thread):
    """A daemon thread whose owner knows how to end it cleanly."""

    def __init__(self, name: str, target: Callable[[], None], stop: Callable[[], None]) -> None:
        super().__init__(target=target, name=name, daemon=True)
        self._owner_stop = stop

    def stop(self) -> None:
        """Finish the pending work, then end this thread (it is started again when needed)."""
        self._owner_stop()
