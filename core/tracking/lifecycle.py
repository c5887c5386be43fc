"""Ending runs that the user did not end: at interpreter exit and on SIGTERM.

A run started without ``with`` ends FINISHED when the interpreter exits cleanly, FAILED after an
uncaught exception (KILLED after an uncaught KeyboardInterrupt), and KILLED on SIGTERM, each
time after everything buffered has been written.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType, TracebackType

from trialbook.entities import RunStatus

_installed = False
_exit_status = RunStatus.FINISHED
_end_all: Callable[[RunStatus], None] | None = None


def install(end_all: Callable[[RunStatus], None]) -> None:
    """Arrange for ``end_all(status)`` to run at exit and on SIGTERM (idempotent)."""
    global _installed, _end_all
    _end_all = end_all
    if _installed:
        return
    _installed = True
    atexit.register(_at_exit)
    previous_hook = sys.excepthook

    def excepthook(
        kind: type[BaseException], value: BaseException, traceback: TracebackType | None
    ) -> None:
        global _exit_status
        _exit_status = RunStatus.KILLED if issubclass(kind, KeyboardInterrupt) else RunStatus.FAILED
        previous_hook(kind, value, traceback)

    sys.excepthook = excepthook
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread and signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _on_sigterm)


def _at_exit() -> None:
    if _end_all is not None:
        _end_all(_exit_status)


def _on_sigterm(signum: int, _frame: FrameType | None) -> None:
    if _end_all is not None:
        _end_all(RunStatus.KILLED)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
