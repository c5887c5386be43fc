"""The built-in ``rest`` plugin: ``http(s)://`` URIs name a ``trialbook server``."""

from __future__ import annotations

from collections.abc import Callable

from trialbook.errors import InvalidUriError
from trialbook.plugins.hookspecs import hookimpl
from trialbook.store.backend import StoreBackend
from trialbook.store.base import TrackingStore


class RestBackend(StoreBackend):
    """Opens :class:`~trialbook.store.rest.store.RestStore` stores."""

    schemes = ("http", "https")

    def open(self, uri: str, artifact_root: str | None = None) -> TrackingStore:
        """A client of the server at ``uri`` (the server decides where artifacts go)."""
        from trialbook.store.rest.store import RestStore

        if artifact_root is not None:
            raise InvalidUriError(uri, "a tracking server keeps its own artifact root")
        return RestStore(uri)


@hookimpl(trylast=True)
def trialbook_register_stores(register: Callable[[StoreBackend], None]) -> None:
    """Register the REST backend."""
    register(RestBackend())
