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

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app", "serve"]


def create_app(tracking_uri: str | None = None) -> FastAPI:
    """The UI as a FastAPI app over the store at ``tracking_uri`` (default: the current one)."""
    from trialbook.ui.app import create_app as _create_app

    return _create_app(tracking_uri)


def serve(
    tracking_uri: str | None = None,
    host: str = "127.0.0.1",
    port: int = 5000,
    open_browser: bool = False,
) -> None:
    """Serve the UI with uvicorn until interrupted, optionally opening a browser tab."""
    from trialbook.ui.app import serve as _serve

    _serve(tracking_uri, host=host, port=port, open_browser=open_browser)
