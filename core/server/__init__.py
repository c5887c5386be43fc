"""The trialbook tracking server.

Run a server (``trialbook server``), then point any process at it::

    TRIALBOOK_TRACKING_URI=http://127.0.0.1:5000 python train.py

:func:`trialbook.server.app.create_server_app` builds the ASGI app (FastAPI): the REST API
under ``/api/v1`` (spec at ``/api/v1/openapi.json``) and the web UI beside it.
:class:`trialbook.store.rest.store.RestStore` (the REST backend, in
:mod:`trialbook.store.rest`) is the store that talks to it.
Importing this package imports neither FastAPI nor httpx.
"""

from __future__ import annotations

from trialbook.store.rest import API_PREFIX, ARTIFACTS_SCHEME, TOKEN_ENV

__all__ = ["API_PREFIX", "ARTIFACTS_SCHEME", "TOKEN_ENV"]
