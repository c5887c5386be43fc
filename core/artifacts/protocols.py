"""What every run's artifact storage offers, wherever the files are.

:class:`~trialbook.artifacts.ArtifactRepository` keeps them on a filesystem (local or any
fsspec URL); a backend that serves artifacts itself (:class:`~trialbook.store.ArtifactService`,
such as a tracking server's) returns its own kind. Consumers type against these protocols.
"""

from __future__ import annotations

import os
from typing import IO, Protocol, runtime_checkable

from trialbook.entities import FileInfo


@runtime_checkable
class RunArtifacts(Protocol):
    """The artifacts of one run: write, list, read and delete them by artifact path."""

    root_uri: str
    """Where the run's artifacts are (its artifact URI)."""

    def log_file(self, local_path: str | os.PathLike[str], artifact_path: str | None = None) -> str:
        """Copy a local file into the folder ``artifact_path``; return its artifact path."""
        ...

    def log_dir(
        self, local_dir: str | os.PathLike[str], artifact_path: str | None = None
    ) -> list[str]:
        """Copy a local folder's files into ``artifact_path``; return their artifact paths."""
        ...

    def write_bytes(self, artifact_file: str, data: bytes) -> str:
        """Write ``data`` to the artifact file ``artifact_file``; return its artifact path."""
        ...

    def list(self, path: str | None = None) -> list[FileInfo]:
        """The files and folders directly under ``path``, sorted by path."""
        ...

    def exists(self, path: str) -> bool:
        """Whether a file or folder exists at ``path``."""
        ...

    def size(self, path: str) -> int:
        """Size in bytes of an artifact file."""
        ...

    def open(self, path: str) -> IO[bytes]:
        """Open an artifact file for reading."""
        ...

    def download(self, path: str | None, dst: str | os.PathLike[str]) -> str:
        """Copy an artifact file or folder into the local folder ``dst``; return the local path."""
        ...

    def delete_all(self) -> None:
        """Delete every artifact of the run."""
        ...


@runtime_checkable
class ServedArtifacts(RunArtifacts, Protocol):
    """Artifacts a server serves over HTTP, so a plain HTTP client can fetch each file."""

    @property
    def needs_token(self) -> bool:
        """Whether requests must carry an API token (``Authorization: Bearer``)."""
        ...

    def content_url(self, path: str) -> str:
        """The URL a plain HTTP client (``curl``) downloads the artifact file from."""
        ...
