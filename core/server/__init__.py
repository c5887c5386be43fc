"""The trialbook tracking server and its client.

Run a server (``trialbook server``), then point any process at it::

    TRIALBOOK_TRACKING_URI=http://127.0.0.1:5000 python train.py

:func:`trialbook.server.app.create_server_app` builds the ASGI app (FastAPI): the REST API
under ``/api/v1`` (spec at ``/api/v1/openapi.json``) and the web UI beside it.
:class:`trialbook.server.rest_store.RestStore` is the :class:`~trialbook.store.base.TrackingStore`
that talks to it; ``trialbook.store.uri.get_store`` builds one for ``http(s)://`` URIs.
Importing this package imports neither FastAPI nor httpx.
"""

from __future__ import annotations

API_PREFIX = "/api/v1"
"""Where the versioned REST API lives."""

ARTIFACTS_SCHEME = "trialbook-artifacts:"
"""How the API shows artifact locations: the server owns them, clients reach them through it."""

TOKEN_ENV = "TRIALBOOK_TRACKING_TOKEN"
"""The environment variable a client reads its API token from."""
