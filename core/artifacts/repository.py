"""Artifact storage on any fsspec filesystem.

::

    repo = ArtifactRepository("s3://bucket/exp/1/run/artifacts")   # or a local path
    repo.log_file("plot.png", "figures")
    [f.path for f in repo.list("figures")]

On a local filesystem, small files identical to another run's are stored once
(:mod:`trialbook.artifacts.shared`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from trialbook.artifacts import shared
from trialbook.artifacts.paths import (
    artifact_file_path,
    clean_artifact_path,
    file_upload,
    folder_uploads,
)
from trialbook.entities import FileInfo
from trialbook.errors import (
    ArtifactNotFoundError,
    ArtifactWriteError,
    InvalidArtifactPathError,
    WriteOnceArtifactError,
)

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_DENIED_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


class ArtifactRepository:
    """The artifacts under one root URL (a run's artifact URI)."""

    def __init__(self, root_uri: str) -> None:
        self.root_uri = root_uri
        root = local_root(root_uri)
        self._fs: Any = None
        if root is None:
            import fsspec.core

            self._fs, root = fsspec.core.url_to_fs(root_uri)
        self.root: str = root.rstrip("/")
        self._local = self._fs is None or bool({"file", "local"} & set(_protocols(self._fs)))
        self._blobs = shared.blob_folder(self.root) if self._local else None
        self.write_once: tuple[str, ...] = ()
        """Folders no write may enter (those of registered model versions)."""

    @property
    def is_local(self) -> bool:
        """Whether the artifacts are files on this machine's disk (``root`` is their folder)."""
        return self._local

    @property
    def fs(self) -> Any:
        """The fsspec filesystem of the root (on a local disk, imported on first use: writes
        need none, and a fresh process's first autologged fit should not pay for it)."""
        if self._fs is None:
            from fsspec.implementations.local import LocalFileSystem

            self._fs = LocalFileSystem()
        return self._fs

    def _full(self, path: str | None) -> str:
        rel = clean_artifact_path(path)
        full = f"{self.root}/{rel}" if rel else self.root
        if self._local:
            root_real = os.path.realpath(self.root)
            real = os.path.realpath(full)
            if real != root_real and not real.startswith(root_real + os.sep):
                raise InvalidArtifactPathError(
                    path or "", "it resolves outside the artifacts (symlink)"
                )
        return full

    def log_file(self, local_path: str | os.PathLike[str], artifact_path: str | None = None) -> str:
        """Copy a local file into ``artifact_path`` (a folder); return its artifact path."""
        source, rel = file_upload(local_path, artifact_path)
        self._check_writable(rel)
        target = self._full(rel)
        if self._local:
            with self._local_write(rel, target, source):
                shared.write_file(target, source, self._blobs)
            return rel
        self.fs.makedirs(self.fs._parent(target), exist_ok=True)
        self.fs.put_file(str(source), target)
        return rel

    @contextlib.contextmanager
    def _local_write(self, rel: str, target: str, source: Path | None = None) -> Iterator[None]:
        """Turn a full disk or an unwritable folder into :class:`ArtifactWriteError`.

        The write itself never leaves part of a file (temporary file, then rename); folders
        it created for the file and left empty are removed too, so nothing of it is listed.
        """
        try:
            yield
        except OSError as err:
            if err.errno not in _FULL_ERRNOS and err.errno not in _DENIED_ERRNOS:
                raise
            if err.errno in _DENIED_ERRNOS and source is not None and err.filename == str(source):
                raise  # The file to log cannot be read: not the store's fault.
            _remove_empty_folders(os.path.dirname(target), self.root)
            raise ArtifactWriteError(rel, self.root, err) from err

    def _check_writable(self, rel: str) -> None:
        for folder in self.write_once:
            if rel == folder or rel.startswith(folder.rstrip("/") + "/"):
                raise WriteOnceArtifactError(rel, folder)

    def log_dir(
        self, local_dir: str | os.PathLike[str], artifact_path: str | None = None
    ) -> list[str]:
        """Copy a local folder's files into ``artifact_path``; return their artifact paths."""
        return [
            self.log_file(file, folder) for file, folder in folder_uploads(local_dir, artifact_path)
        ]

    def write_bytes(self, artifact_file: str, data: bytes) -> str:
        """Write ``data`` to the artifact file ``artifact_file``."""
        rel = artifact_file_path(artifact_file)
        self._check_writable(rel)
        target = self._full(rel)
        if self._local:
            with self._local_write(rel, target):
                shared.write_bytes(target, data, self._blobs)
            return rel
        self.fs.makedirs(self.fs._parent(target), exist_ok=True)
        with self.fs.open(target, "wb") as handle:
            handle.write(data)
        return rel

    def move_in(self, source: str, artifact_file: str) -> str:
        """Move ``source``, a file on this repository's filesystem, to ``artifact_file``.

        On a local disk this is one atomic rename (readers see the old file or the new one,
        never part of one) and the folder is synced; an object store shows the object once
        it is whole. Return the artifact path.
        """
        rel = artifact_file_path(artifact_file)
        self._check_writable(rel)
        target = self._full(rel)
        parent = self.fs._parent(target)
        self.fs.makedirs(parent, exist_ok=True)
        if not self._local:
            self.fs.mv(source, target)
            return rel
        os.replace(source, target)
        folder = os.open(parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
        shared.adopt(target, self._blobs)
        return rel

    def list(self, path: str | None = None) -> list[FileInfo]:
        """The files and folders directly under ``path``, sorted by path."""
        rel = clean_artifact_path(path)
        full = self._full(rel)
        if not self.fs.exists(full):
            return []
        if not self.fs.isdir(full):
            return [FileInfo(path=rel, is_dir=False, size=self.fs.size(full))]
        found = []
        for entry in self.fs.ls(full, detail=True):
            name = entry["name"].rstrip("/").rsplit("/", 1)[-1]
            child = f"{rel}/{name}" if rel else name
            is_dir = entry["type"] == "directory"
            found.append(
                FileInfo(path=child, is_dir=is_dir, size=None if is_dir else entry.get("size"))
            )
        return sorted(found, key=lambda f: f.path)

    def exists(self, path: str) -> bool:
        """Whether a file or folder exists at ``path``."""
        return bool(self.fs.exists(self._full(path)))

    def open(self, path: str) -> IO[bytes]:
        """Open an artifact file for reading (streamed; large files are not loaded whole)."""
        full = self._full(path)
        if not self.fs.isfile(full):
            raise ArtifactNotFoundError(path)
        return self.fs.open(full, "rb")  # type: ignore[no-any-return]

    def size(self, path: str) -> int:
        """Size in bytes of an artifact file."""
        full = self._full(path)
        if not self.fs.isfile(full):
            raise ArtifactNotFoundError(path)
        return int(self.fs.size(full))

    def download(self, path: str | None, dst: str | os.PathLike[str]) -> str:
        """Copy an artifact file or folder into the local folder ``dst``; return the local path."""
        rel = clean_artifact_path(path)
        full = self._full(rel)
        if not self.fs.exists(full):
            raise ArtifactNotFoundError(rel)
        dst_dir = Path(dst)
        dst_dir.mkdir(parents=True, exist_ok=True)
        name = rel.rsplit("/", 1)[-1] if rel else "artifacts"
        target = dst_dir / name
        if self.fs.isdir(full):
            target.mkdir(parents=True, exist_ok=True)
            for info in self.list(rel):
                child = info.path.rsplit("/", 1)[-1]
                if info.is_dir:
                    self.download(info.path, target)
                else:
                    self.fs.get_file(self._full(info.path), str(target / child))
        else:
            self.fs.get_file(full, str(target))
        return str(target)

    def delete_all(self) -> None:
        """Remove every artifact under the root (used when purging runs), and unused blobs."""
        if self._local:
            used = shared.blobs_of(self.root, self._blobs)
            shutil.rmtree(self.root, ignore_errors=True)
            shared.delete_unused(used)
        elif self.fs.exists(self.root):
            self.fs.rm(self.root, recursive=True)


def delete_unused_blobs(experiment_location: str) -> int:
    """Delete the shared blobs of an experiment's folder that no run uses; return how many."""
    import fsspec.core

    fs, folder = fsspec.core.url_to_fs(experiment_location)
    if "file" not in _protocols(fs):
        return 0
    return shared.sweep(folder)


def local_root(root_uri: str) -> str | None:
    """The local folder of an absolute POSIX path or ``file://`` URI, as fsspec gives it
    (without importing fsspec); None for anything else, which fsspec resolves."""
    path = root_uri.removeprefix("file://")
    if os.sep != "/" or not path.startswith("/") or "::" in path or "://" in path:
        return None
    return path


def _remove_empty_folders(folder: str, root: str) -> None:
    """Remove ``folder`` and its parents up to ``root`` (excluded) while they are empty."""
    while folder.startswith(root + os.sep):
        try:
            os.rmdir(folder)
        except OSError:
            return  # Not empty (other artifacts), or gone.
        folder = os.path.dirname(folder)


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)
