"""Artifacts, proxied: clients need no storage credentials, the server owns the locations::

    GET  /api/v1/runs/{id}/artifacts?path=              the entries directly under path
    GET  /api/v1/runs/{id}/artifacts/info?path=         {"exists", "is_dir", "size"}
    GET  /api/v1/runs/{id}/artifacts/content?path=      the file's bytes, streamed
    PUT  /api/v1/runs/{id}/artifacts/content?path=      upload (application/octet-stream;
                                                        whole or absent: see ``uploads``)
    POST /api/v1/runs/{id}/artifacts/delete             remove all of a run's artifacts

Paths go through :func:`trialbook.artifacts.clean_artifact_path` (no ``..``, absolute paths,
backslashes, URL-encoded tricks) and :class:`~trialbook.artifacts.ArtifactRepository`
refuses symlinks leading out of the run's folder. Files are served as opaque attachments
under a sandboxing Content-Security-Policy; the server never unpickles or imports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from trialbook.artifacts import ArtifactRepository, clean_artifact_path
from trialbook.entities import LifecycleStage
from trialbook.errors import ArtifactNotFoundError, DeletedRunError, InvalidArtifactPathError
from trialbook.server import API_PREFIX
from trialbook.server.auth import READ, WRITE
from trialbook.server.state import ServerState, State
from trialbook.server.uploads import Staging, announced_sha256

router = APIRouter(prefix=f"{API_PREFIX}/runs/{{run_id}}/artifacts", tags=["artifacts"])

Path_ = Annotated[str | None, Query(alias="path", max_length=1024)]
FILE_POLICY = "default-src 'none'; sandbox"
_BLOCK = 256 * 1024


def _writable(state: ServerState, run_id: str) -> ArtifactRepository:
    if state.store.get_run(run_id).info.lifecycle_stage is LifecycleStage.DELETED:
        raise DeletedRunError(run_id)
    repository = state.repository(run_id)
    repository.write_once = tuple(state.store.registry.model_folders(run_id))
    return repository


@router.get("", dependencies=[READ])
def list_artifacts(state: State, run_id: str, path: Path_ = None) -> dict[str, Any]:
    """Files and folders directly under ``path``."""
    entries = state.repository(run_id).list(clean_artifact_path(path))
    return {"files": [{"path": f.path, "is_dir": f.is_dir, "size": f.size} for f in entries]}


@router.get("/info", dependencies=[READ])
def artifact_info(state: State, run_id: str, path: Path_ = None) -> dict[str, Any]:
    """Whether ``path`` exists, whether it is a folder, and a file's size."""
    repo = state.repository(run_id)
    clean = clean_artifact_path(path)
    if not repo.exists(clean):
        return {"exists": False, "is_dir": False, "size": None}
    listed = repo.list(clean)
    is_file = len(listed) == 1 and not listed[0].is_dir and listed[0].path == clean and clean
    return {
        "exists": True,
        "is_dir": not is_file,
        "size": listed[0].size if is_file else None,
    }


@router.get("/content", dependencies=[READ])
def download_artifact(state: State, run_id: str, path: Path_ = None) -> StreamingResponse:
    """The file's bytes, streamed, as an attachment."""
    clean = clean_artifact_path(path)
    if not clean:
        raise ArtifactNotFoundError(path or "")
    repo = state.repository(run_id)
    size = repo.size(clean)
    handle = repo.open(clean)
    return StreamingResponse(
        _blocks(handle),
        media_type="application/octet-stream",
        headers={
            "Content-Length": str(size),
            "Content-Disposition": "attachment",
            "Content-Security-Policy": FILE_POLICY,
            "Cache-Control": "private, no-cache",
        },
    )


def _blocks(handle: Any) -> Iterator[bytes]:
    with handle:
        while block := handle.read(_BLOCK):
            yield block


@router.put(
    "/content",
    dependencies=[WRITE],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def upload_artifact(
    state: State, request: Request, run_id: str, path: Path_ = None
) -> dict[str, str]:
    """Store the body as the artifact file ``path`` (replacing one that exists).

    The file appears whole or not at all: the body goes to a part file in the
    destination's staging folder, is checked against the announced ``Content-Length`` and
    ``Content-Digest`` (sha-256), then renamed into place (see :mod:`trialbook.server.uploads`).
    """
    clean = clean_artifact_path(path)
    if not clean:
        raise InvalidArtifactPathError(path or "", "a file name is needed")
    declared = request.headers.get("content-length", "")
    size = int(declared) if declared.isdigit() else None
    sha256 = announced_sha256(request.headers.get("content-digest"))
    repo = await anyio.to_thread.run_sync(_writable, state, run_id)
    part = await anyio.to_thread.run_sync(Staging(state.destination).new_part)
    kept = False
    try:
        async for chunk in request.stream():
            if chunk:
                await part.write(chunk)
        await part.finish(clean, size, sha256)
        await anyio.to_thread.run_sync(repo.move_in, part.path, clean)
        kept = True
    finally:
        if not kept:  # Refused, failed or cut off: the part goes, nothing appears.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(part.discard)
    return {"path": clean}


@router.post("/delete", dependencies=[WRITE])
def delete_artifacts(state: State, run_id: str) -> dict[str, Any]:
    """Remove every artifact of a run."""
    _writable(state, run_id).delete_all()
    return {}
