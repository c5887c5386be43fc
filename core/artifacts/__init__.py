"""Artifact storage: paths checked to stay inside a run's root, files on any fsspec filesystem."""

from __future__ import annotations

from trialbook.artifacts.paths import clean_artifact_path
from trialbook.artifacts.protocols import RunArtifacts, ServedArtifacts
from trialbook.artifacts.repository import ArtifactRepository

__all__ = ["ArtifactRepository", "RunArtifacts", "ServedArtifacts", "clean_artifact_path"]
