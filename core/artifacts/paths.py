"""Validation of artifact paths: relative, '/'-separated, never leaving the artifact root."""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
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


def folder_uploads(
    local_dir: str | os.PathLike[str], artifact_path: str | None
) -> list[tuple[Path, str | None]]:
    """(local file, artifact folder) for every file under ``local_dir``, in a stable order.

    Raises NotADirectoryError when ``local_dir`` is not a folder.
    """
    source = Path(local_dir)
    if not source.is_dir():
        raise NotADirectoryError(f"No folder at {str(source)!r} to log as artifacts.")
    base = clean_artifact_path(artifact_path)
    uploads = []
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        parent = file.parent.relative_to(source).as_posix()
        folder = "/".join(p for p in (base, "" if parent == "." else parent) if p)
        uploads.append((file, folder or None))
    return uploads


def file_upload(local_path: str | os.PathLike[str], artifact_path: str | None) -> tuple[Path, str]:
    """(local file, its artifact path) for logging one file into the folder ``artifact_path``.

    Raises FileNotFoundError when ``local_path`` is not a file.
    """
    source = Path(local_path)
    if not source.is_file():
        raise FileNotFoundError(f"No file at {str(source)!r} to log as an artifact.")
    rel = "/".join(p for p in (clean_artifact_path(artifact_path), source.name) if p)
    return source, clean_artifact_path(rel)


def artifact_file_path(path: str) -> str:
    """``path`` cleaned, refusing the root itself: writing needs a file name."""
    rel = clean_artifact_path(path)
    if not rel:
        raise InvalidArtifactPathError(path, "a file name is needed")
    return rel
