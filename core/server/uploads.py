"""Artifact uploads that are either whole or absent, whatever happens to the server.

An upload streams into a part file in the destination's staging folder
(``<destination>/.uploads``, never the system temp folder, and on the same filesystem as the
artifacts), is flushed to disk, checked against the size and SHA-256 the client announced
(``Content-Length``, ``Content-Digest: sha-256=:<base64>:`` as in RFC 9530), and only then
moved to its name by one rename. A server killed mid-upload leaves a part file, never a
truncated artifact; :func:`clean_staging` removes such parts when a server starts. Several
servers may share one destination, so a part is named after the host and process receiving
it: a starting server removes the parts of processes of its host that are gone, and any
part unchanged for :data:`STALE_PART_S` (another host's server that stopped)::

    part = Staging(destination).new_part()
    async for chunk in request.stream():
        await part.write(chunk)
    await part.finish(size=..., sha256=...)     # raises UploadMismatchError
    repo.move_in(part.path, "model/model.pkl")
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import socket
import time
import uuid
from typing import IO, Any

import anyio

from trialbook.store.rest.errors import ServerError

log = logging.getLogger(__name__)

STAGING_FOLDER = ".uploads"
"""Where parts of uploads live, under the artifact destination."""
_PART_SUFFIX = ".part"
STALE_PART_S = 3600.0
"""A part file unchanged for this long belongs to an upload that ended without finishing."""


class UploadMismatchError(ServerError):
    """What arrived is not what the client announced (size or digest); nothing was kept."""

    def __init__(self, path: str, what: str, announced: str, received: str) -> None:
        self.path = path
        super().__init__(
            f"The upload of {path!r} does not match its announced {what} (announced "
            f"{announced}, received {received}); nothing was written. Send it again.",
            400,
        )


def announced_sha256(header: str | None) -> str | None:
    """The hex SHA-256 of a ``Content-Digest`` header (None when it has no sha-256 entry)."""
    for entry in (header or "").split(","):
        name, _, value = entry.strip().partition("=")
        if name.strip().lower() != "sha-256":
            continue
        value = value.strip()
        if not (value.startswith(":") and value.endswith(":")):
            raise ServerError(f"Content-Digest {header!r} is malformed; use sha-256=:<base64>:")
        try:
            raw = base64.b64decode(value[1:-1], validate=True)
        except binascii.Error:
            raise ServerError(
                f"Content-Digest {header!r} is not base64; use sha-256=:<base64>:"
            ) from None
        return raw.hex()
    return None


class Staging:
    """The staging folder of an artifact destination (a local folder or an fsspec URL)."""

    def __init__(self, destination: str) -> None:
        import fsspec.core

        fs, root = fsspec.core.url_to_fs(destination)
        self.fs: Any = fs
        self.folder = f"{root.rstrip('/')}/{STAGING_FOLDER}"
        protocol = fs.protocol
        self.local = "file" in ((protocol,) if isinstance(protocol, str) else protocol)

    def new_part(self) -> Part:
        """A new, empty part file, named ``<host>~<pid>~<random>.part``."""
        self.fs.makedirs(self.folder, exist_ok=True)
        name = f"{socket.gethostname()}~{os.getpid()}~{uuid.uuid4().hex}{_PART_SUFFIX}"
        return Part(self, f"{self.folder}/{name}")

    def clean(self) -> int:
        """Remove the part files of uploads that can no longer finish; return how many.

        A part whose process on this host is gone, or any part unchanged for
        :data:`STALE_PART_S`; never a part another live server is receiving.
        """
        if not self.fs.exists(self.folder):
            return 0
        oldest = time.time() - STALE_PART_S
        parts = [
            path
            for path in self.fs.ls(self.folder, detail=False)
            if path.endswith(_PART_SUFFIX)
            and (_owner_gone(path) or self.fs.modified(path).timestamp() < oldest)
        ]
        for path in parts:
            self.fs.rm(path)
        return len(parts)


class Part:
    """One upload being received: written, hashed and counted as it arrives."""

    def __init__(self, staging: Staging, path: str) -> None:
        self.staging = staging
        self.path = path
        self.size = 0
        self._hash = hashlib.sha256()
        self._handle: IO[bytes] = staging.fs.open(path, "wb")

    def _write(self, chunk: bytes) -> None:
        self._handle.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    async def write(self, chunk: bytes) -> None:
        """Append ``chunk`` (in a worker thread: disk and hash stay off the event loop)."""
        await anyio.to_thread.run_sync(self._write, chunk)

    def _close(self) -> None:
        self._handle.flush()
        if self.staging.local:
            os.fsync(self._handle.fileno())
        self._handle.close()

    async def finish(self, name: str, size: int | None, sha256: str | None) -> None:
        """Flush to disk and check the announced size and digest (None: not announced)."""
        await anyio.to_thread.run_sync(self._close)
        if size is not None and size != self.size:
            raise UploadMismatchError(name, "size", f"{size} bytes", f"{self.size} bytes")
        digest = self._hash.hexdigest()
        if sha256 is not None and sha256 != digest:
            raise UploadMismatchError(name, "SHA-256", sha256, digest)

    def discard(self) -> None:
        """Close and remove the part (the upload failed or was refused)."""
        try:
            if not self._handle.closed:
                self._handle.close()
            if self.staging.fs.exists(self.path):
                self.staging.fs.rm(self.path)
        except OSError as err:  # The next start removes it.
            log.warning("trialbook server: could not remove upload part %s: %s", self.path, err)


def _owner_gone(path: str) -> bool:
    """Whether the part's name says it was received by a process of this host now gone."""
    host, _, rest = path.rsplit("/", 1)[-1].partition("~")
    pid, _, _ = rest.partition("~")
    if host != socket.gethostname() or not pid.isdigit() or os.name == "nt":
        return False  # Another host's (or an old-style) part: only its age tells.
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def clean_staging(destination: str) -> None:
    """Remove the parts of uploads a stopped server left under ``destination``."""
    removed = Staging(destination).clean()
    if removed:
        log.warning("trialbook server: removed %d incomplete upload(s) left by a stop", removed)
