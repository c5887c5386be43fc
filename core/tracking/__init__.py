"""Tracking: the fluent API, the client, buffered writing and run lifecycle.

``trialbook.tracking.MlflowClient`` (MLflow's spelling) is
:class:`~trialbook.tracking.client.TrackingClient`.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("MlflowClient", "TrackingClient"):
        from trialbook.tracking import client

        return getattr(client, name)
    raise AttributeError(f"module 'trialbook.tracking' has no attribute {name!r}")
