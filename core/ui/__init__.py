"""The trialbook web UI: browse, search, compare and chart runs in a browser.

::

    from trialbook.ui import serve
    serve("./.trialbook", port=5000, open_browser=True)     # or: trialbook ui

    app = create_app("sqlite:///runs.db")     # a FastAPI app, to mount or extend

Pages live at ``/``, ``/experiments/<id>``, ``/runs/<id>`` and ``/compare?runs=a,b``; the
JSON they load lives under ``/api/ui/`` (see :mod:`trialbook.ui.app`). Importing this
package imports neither FastAPI nor the store: both load when an app is created.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from trialbook.ui.security import LOCAL_HOSTS

if TYPE_CHECKING:
    from fastapi import FastAPI, Request

__all__ = ["create_app", "serve"]


def create_app(
    tracking_uri: str | None = None,
    allowed_hosts: Sequence[str] | None = LOCAL_HOSTS,
    may_write: Callable[[Request], bool] | None = None,
) -> FastAPI:
    """The UI as a FastAPI app over the store at ``tracking_uri`` (default: the current one).

    It answers only requests whose Host header is in ``allowed_hosts`` (default: the local
    names, so a DNS-rebinding page cannot read it); None answers any Host. ``may_write``
    says whether a request may edit runs and experiments (default: every request may).
    """
    from trialbook.ui.app import create_app as _create_app

    return _create_app(tracking_uri, allowed_hosts=allowed_hosts, may_write=may_write)


def serve(
    tracking_uri: str | None = None,
    host: str = "127.0.0.1",
    port: int = 5000,
    open_browser: bool = False,
    allowed_hosts: Sequence[str] | None = None,
) -> None:
    """Serve the UI with uvicorn until interrupted, optionally opening a browser tab.

    ``allowed_hosts``: the Host names answered (default: the local names when ``host`` is
    a loopback address, else any).
    """
    from trialbook.ui.app import serve as _serve

    _serve(
        tracking_uri,
        host=host,
        port=port,
        open_browser=open_browser,
        allowed_hosts=allowed_hosts,
    )
