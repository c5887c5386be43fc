"""The tracking URI in force when a call names none, shared by the client and the fluent API.

``trialbook.set_tracking_uri`` sets it; unset, it is ``TRIALBOOK_TRACKING_URI``, else the
folder ``./.trialbook``. It is shown with its scheme (:func:`canonical`): a folder reads as
``sqlite:///folder/trialbook.db``, the database the folder stands for.
"""

from __future__ import annotations

import os

from trialbook.errors import InvalidUriError
from trialbook.store.factory import default_tracking_uri

_uri: str | None = None
_canonical: dict[tuple[str, str], str] = {}
_CANONICAL_LIMIT = 1000


def current_uri() -> str:
    """The tracking URI in use, with its scheme."""
    return canonical(_uri if _uri is not None else default_tracking_uri())


def canonical(uri: str) -> str:
    """``uri`` with its scheme, as its store backend spells it; unchanged when no backend
    opens it (using it then raises the error that says so)."""
    key = (uri, _cwd())  # A relative folder means another store in another folder.
    found = _canonical.get(key)
    if found is None:
        from trialbook.store.factory import canonical_uri

        try:
            found = canonical_uri(uri)
        except InvalidUriError:
            return uri
        if len(_canonical) >= _CANONICAL_LIMIT:
            _canonical.clear()
        _canonical[key] = found
    return found


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:  # The working folder was deleted: only absolute URIs still mean anything.
        return ""


def set_current_uri(uri: str | None) -> None:
    """Use ``uri`` from now on (None: back to the environment's or the default)."""
    global _uri
    _uri = uri
