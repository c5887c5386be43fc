"""A run's artifacts through the tracking server (no storage credentials on the client).

Same methods as :class:`trialbook.artifacts.ArtifactRepository`; uploads and downloads are
streamed, never loaded whole::

    repo = RestStore("http://host:5000").artifact_repository(run_id)
    repo.log_file("plot.png", "figures")
    with repo.open("figures/plot.png") as handle:
        head = handle.read(16)
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import posixpath
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from trialbook.artifacts.paths import (
    artifact_file_path,
    clean_artifact_path,
    file_upload,
    folder_uploads,
)
from trialbook.entities import FileInfo
from trialbook.errors import ArtifactNotFoundError
from trialbook.store.rest import API_PREFIX, ARTIFACTS_SCHEME

if TYPE_CHECKING:
    import httpx

    from trialbook.store.rest.transport import Transport

_OCTETS = {"content-type": "application/octet-stream"}
_BLOCK = 1 << 20


class HttpArtifactRepository:
    """The artifacts of one run, read and written through the server's REST API."""

    def __init__(self, http: Transport, run_id: str) -> None:
        self.http = http
        self.run_id = run_id
        self.root_uri = f"{ARTIFACTS_SCHEME}/runs/{run_id}/artifacts"
        self._base = f"/runs/{quote(run_id, safe='')}/artifacts"

    @property
    def needs_token(self) -> bool:
        """Whether requests carry an API token (``Authorization: Bearer``)."""
        return bool(self.http.token)

    def content_url(self, path: str) -> str:
        """The URL a plain HTTP client (``curl``) downloads the artifact file from."""
        rel = clean_artifact_path(path)
        return f"{self.http.base_url}{API_PREFIX}{self._base}/content?path={quote(rel, safe='/')}"

    def log_file(self, local_path: str | os.PathLike[str], artifact_path: str | None = None) -> str:
        """Upload a local file into ``artifact_path`` (a folder); return its artifact path.

        The server keeps it only when the size and SHA-256 it received are the ones sent.
        """
        source, rel = file_upload(local_path, artifact_path)
        digest = hashlib.sha256()
        with open(source, "rb") as handle:
            while block := handle.read(_BLOCK):
                digest.update(block)
        return self._upload(rel, lambda: open(source, "rb"), digest.hexdigest())

    def log_dir(
        self, local_dir: str | os.PathLike[str], artifact_path: str | None = None
    ) -> list[str]:
        """Upload a local folder's files into ``artifact_path``; return their artifact paths."""
        return [
            self.log_file(file, folder) for file, folder in folder_uploads(local_dir, artifact_path)
        ]

    def write_bytes(self, artifact_file: str, data: bytes) -> str:
        """Write ``data`` to the artifact file ``artifact_file``."""
        rel = artifact_file_path(artifact_file)
        return self._upload(rel, lambda: data, hashlib.sha256(data).hexdigest())

    def _upload(self, rel: str, content: Callable[[], Any], sha256: str) -> str:
        """PUT the body ``content()`` makes (called again for each retry) with its digest."""
        encoded = base64.b64encode(bytes.fromhex(sha256)).decode()
        headers = {**_OCTETS, "content-digest": f"sha-256=:{encoded}:"}  # RFC 9530
        self.http.send(
            "PUT", f"{self._base}/content", content=content, headers=headers, params={"path": rel}
        )
        return rel

    def list(self, path: str | None = None) -> list[FileInfo]:
        """The files and folders directly under ``path``, sorted by path."""
        rel = clean_artifact_path(path)
        found = self.http.call("GET", self._base, params={"path": rel})["files"]
        return [FileInfo(path=f["path"], is_dir=f["is_dir"], size=f["size"]) for f in found]

    def _info(self, path: str | None) -> dict[str, Any]:
        rel = clean_artifact_path(path)
        info: dict[str, Any] = self.http.call("GET", f"{self._base}/info", params={"path": rel})
        return info

    def exists(self, path: str) -> bool:
        """Whether a file or folder exists at ``path``."""
        return bool(self._info(path)["exists"])

    def size(self, path: str) -> int:
        """Size in bytes of an artifact file."""
        info = self._info(path)
        if not info["exists"] or info["is_dir"]:
            raise ArtifactNotFoundError(path)
        return int(info["size"])

    def open(self, path: str) -> IO[bytes]:
        """Open an artifact file for reading, streamed from the server."""
        rel = clean_artifact_path(path)
        if not rel:
            raise ArtifactNotFoundError(path)
        response = self.http.send("GET", f"{self._base}/content", params={"path": rel}, stream=True)
        return io.BufferedReader(_ResponseStream(response), buffer_size=_BLOCK)

    def download(self, path: str | None, dst: str | os.PathLike[str]) -> str:
        """Copy an artifact file or folder into the local folder ``dst``; return the local path."""
        rel = clean_artifact_path(path)
        info = self._info(rel)
        if not info["exists"]:
            raise ArtifactNotFoundError(rel)
        dst_dir = Path(dst)
        dst_dir.mkdir(parents=True, exist_ok=True)
        target = dst_dir / (posixpath.basename(rel) if rel else "artifacts")
        if info["is_dir"]:
            target.mkdir(parents=True, exist_ok=True)
            for entry in self.list(rel):
                if entry.is_dir:
                    self.download(entry.path, target)
                else:
                    self._fetch(entry.path, target / posixpath.basename(entry.path))
        else:
            self._fetch(rel, target)
        return str(target)

    def _fetch(self, rel: str, target: Path) -> None:
        partial = target.with_name(target.name + ".part")
        with self.open(rel) as source, open(partial, "wb") as sink:
            shutil.copyfileobj(source, sink, _BLOCK)
        partial.replace(target)

    def delete_all(self) -> None:
        """Remove every artifact of the run (on the server)."""
        self.http.call("POST", f"{self._base}/delete")


class _ResponseStream(io.RawIOBase):
    """A streamed HTTP response body as a readable raw stream."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._blocks: Iterator[bytes] = response.iter_bytes(_BLOCK)
        self._left = b""

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` with the next bytes of the body (0 at the end)."""
        while not self._left:
            try:
                self._left = next(self._blocks)
            except StopIteration:
                return 0
        count = min(len(buffer), len(self._left))
        buffer[:count] = self._left[:count]
        self._left = self._left[count:]
        return count

    def close(self) -> None:
        """Close the response."""
        if not self.closed:
            self._response.close()
        super().close()
