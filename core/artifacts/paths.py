"""Validation of artifact paths: relative, '/'-separated, never leaving the artifact root."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

from trialbook.errors import InvalidArtifactPathError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_artifact_path(path: str | None) -> str:
    """Return ``path`` normalised (``""`` for the root) or raise InvalidArtifactPathError.

    Rejects absolute paths, backslashes, ``..`` components (also when URL-encoded once or
    twice), drive letters and control characters.
    """
    if path is None:
        return ""
    if not isinstance(path, str):
        raise InvalidArtifactPathError(repr(path), "artifact paths are strings")
    decoded = path
    for _ in range(3):
        decoded = unquote(decoded)
    for candidate in (path, decoded):
        if _CONTROL.search(candidate):
            raise InvalidArtifactPathError(path, "control characters are not allowed")
        if "\\" in candidate:
            raise InvalidArtifactPathError(path, "backslashes are not allowed")
        if candidate.startswith("/") or re.match(r"^[A-Za-z]:", candidate):
            raise InvalidArtifactPathError(path, "absolute paths are not allowed")
        if ".." in candidate.split("/"):
            raise InvalidArtifactPathError(path, "'..' would leave the run's artifacts")
        if "://" in candidate:
            raise InvalidArtifactPathError(path, "URLs are not artifact paths")
    normal = posixpath.normpath(path)
    return "" if normal == "." else normal
