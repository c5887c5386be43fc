"""``trialbook.register_model``: promote a logged model to a numbered version of a named model.

::

    info = trialbook.log_model(clf, "model")
    version = trialbook.register_model(info.model_uri, "fraud", tags={"data": "2026-11"})
    trialbook.load_model(f"models:/fraud/{version.version}")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialbook.registry.entities import ModelVersion


def register_model(
    model_uri: str,
    name: str,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
) -> ModelVersion:
    """Register the model logged at ``model_uri`` as the next version of ``name``.

    The registered model is created on its first registration. Concurrent registrations (other
    threads, processes or machines) get distinct, consecutive version numbers.

    Args:
        model_uri: A logged model, ``runs:/<run_id>/<path>`` (``ModelInfo.model_uri``).
        name: The registered model's name (no ``/`` or ``@``).
        tags: Tags of the new version.
        description: The new version's description.

    Raises:
        RunNotFoundError: the run does not exist.
        InvalidUriError: ``model_uri`` is malformed or holds no logged model.
    """
    from trialbook.tracking.client import TrackingClient

    return TrackingClient().register_model(model_uri, name, tags, description)
