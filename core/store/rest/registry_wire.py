"""Registered models and versions as JSON, the same on both ends of the REST API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialbook.registry.entities import ModelVersion, RegisteredModel


def model_json(model: RegisteredModel) -> dict[str, Any]:
    """A registered model."""
    return {
        "name": model.name,
        "creation_timestamp": model.creation_timestamp,
        "last_updated_timestamp": model.last_updated_timestamp,
        "description": model.description,
        "tags": dict(model.tags),
        "aliases": dict(model.aliases),
        "latest_version": model.latest_version,
    }


def model_from_json(data: Mapping[str, Any]) -> RegisteredModel:
    """The model :func:`model_json` describes."""
    latest = data.get("latest_version")
    return RegisteredModel(
        name=data["name"],
        creation_timestamp=int(data["creation_timestamp"]),
        last_updated_timestamp=int(data["last_updated_timestamp"]),
        description=data.get("description") or "",
        tags=dict(data.get("tags") or {}),
        aliases={k: int(v) for k, v in (data.get("aliases") or {}).items()},
        latest_version=None if latest is None else int(latest),
    )


def version_json(version: ModelVersion) -> dict[str, Any]:
    """A model version."""
    return {
        "name": version.name,
        "version": version.version,
        "creation_timestamp": version.creation_timestamp,
        "last_updated_timestamp": version.last_updated_timestamp,
        "run_id": version.run_id,
        "artifact_path": version.artifact_path,
        "source": version.source,
        "description": version.description,
        "tags": dict(version.tags),
        "aliases": list(version.aliases),
        "model_digest": version.model_digest,
    }


def version_from_json(data: Mapping[str, Any]) -> ModelVersion:
    """The version :func:`version_json` describes."""
    return ModelVersion(
        name=data["name"],
        version=int(data["version"]),
        creation_timestamp=int(data["creation_timestamp"]),
        last_updated_timestamp=int(data["last_updated_timestamp"]),
        run_id=data["run_id"],
        artifact_path=data["artifact_path"],
        description=data.get("description") or "",
        tags=dict(data.get("tags") or {}),
        aliases=tuple(data.get("aliases") or ()),
        model_digest=data.get("model_digest"),
    )
