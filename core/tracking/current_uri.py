"""The tracking URI in force when a call names none, shared by the client and the fluent API.

``trialbook.set_tracking_uri`` sets it; unset, it is ``TRIALBOOK_TRACKING_URI``, else the
folder ``./.trialbook``.
"""

from __future__ import annotations

from trialbook.store.factory import default_tracking_uri

_uri: str | None = None


def current_uri() -> str:
    """The tracking URI in use."""
    return _uri if _uri is not None else default_tracking_uri()


def set_current_uri(uri: str | None) -> None:
    """Use ``uri`` from now on (None: back to the environment's or the default)."""
    global _uri
    _uri = uri
