"""Serving the app with uvicorn, in one process or several (``--workers``).

::

    serve(ServerConfig("postgresql://tb@db/trialbook", "s3://bucket/trialbook", port=5000))

With several workers uvicorn imports the app in each process: the configuration travels in
the ``TRIALBOOK_SERVER_CONFIG`` environment variable and :func:`app_from_environment`
rebuilds it there.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from trialbook.store.rest.limits import Limits
from trialbook.ui.security import hosts_to_answer

if TYPE_CHECKING:
    from fastapi import FastAPI

CONFIG_ENV = "TRIALBOOK_SERVER_CONFIG"


@dataclass(frozen=True)
class ServerConfig:
    """Everything ``trialbook server`` was started with."""

    backend_store_uri: str
    artifacts_destination: str
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 1
    auth: bool = False
    allowed_hosts: list[str] | None = None
    """None: the local names when bound to localhost, else any Host."""
    cors_origins: list[str] = field(default_factory=list)
    limits: dict[str, int] = field(default_factory=dict)
    """Overrides of :class:`~trialbook.store.rest.limits.Limits` fields, by name."""

    def hosts(self) -> list[str] | None:
        """The Host headers to answer (None: any)."""
        return hosts_to_answer(self.host, self.allowed_hosts)


def build_app(config: ServerConfig) -> FastAPI:
    """The app for a configuration."""
    from trialbook.server.app import create_server_app

    return create_server_app(
        config.backend_store_uri,
        config.artifacts_destination,
        auth=config.auth,
        allowed_hosts=config.hosts(),
        cors_origins=config.cors_origins,
        limits=Limits(**config.limits),
    )


def app_from_environment() -> FastAPI:
    """The app described by ``TRIALBOOK_SERVER_CONFIG`` (a uvicorn factory for workers)."""
    return build_app(ServerConfig(**json.loads(os.environ[CONFIG_ENV])))


def serve(config: ServerConfig) -> None:
    """Serve until interrupted (SIGINT or SIGTERM stop it gracefully).

    First, the parts of uploads a previous run of the server left (killed mid-upload) are
    removed: they were never visible as artifacts.
    """
    import uvicorn

    from trialbook.server.state import normalise_destination
    from trialbook.server.uploads import clean_staging

    clean_staging(normalise_destination(config.artifacts_destination))

    options: dict[str, object] = {
        "host": config.host,
        "port": config.port,
        "log_level": "warning",
        "timeout_graceful_shutdown": 10,
        "proxy_headers": False,
    }
    if config.workers > 1:
        os.environ[CONFIG_ENV] = json.dumps(asdict(config))
        uvicorn.run(
            "trialbook.server.run:app_from_environment",
            factory=True,
            workers=config.workers,
            **options,  # type: ignore[arg-type]
        )
    else:
        uvicorn.run(build_app(config), **options)  # type: ignore[arg-type]
