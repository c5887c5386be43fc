"""The REST backend: the store of a ``trialbook server``, reached over HTTP.

:class:`~trialbook.store.rest.store.RestStore` implements the store interface with the
server's REST API; :mod:`~trialbook.store.rest.transport` sends the requests,
:mod:`~trialbook.store.rest.wire` and :mod:`~trialbook.store.rest.registry_wire` define the
JSON both sides speak, :mod:`~trialbook.store.rest.errors` how errors travel,
:mod:`~trialbook.store.rest.batching` how big batches are split,
:mod:`~trialbook.store.rest.registry` is the registry's client and
:mod:`~trialbook.store.rest.artifacts` the artifact repository. Importing this package
imports neither FastAPI nor httpx.
"""

from __future__ import annotations

API_PREFIX = "/api/v1"
"""Where the versioned REST API lives."""

ARTIFACTS_SCHEME = "trialbook-artifacts:"
"""How the API shows artifact locations: the server owns them, clients reach them through it."""

TOKEN_ENV = "TRIALBOOK_TRACKING_TOKEN"
"""The environment variable a client reads its API token from."""
