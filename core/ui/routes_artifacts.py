"""JSON and files of a run's artifacts: listings, bounded previews, downloads.

::

    GET /api/ui/runs/{id}/artifacts?path=models
    GET /api/ui/runs/{id}/artifacts/preview?path=metrics.csv
    GET /api/ui/runs/{id}/artifacts/raw?path=plot.png[&download=1]

Paths are checked by :func:`trialbook.artifacts.clean_artifact_path` (no ``..``, no absolute
paths, no symlinks out of the run's folder). Files are streamed, never loaded whole. Only
images are served inline, under a sandboxing Content-Security-Policy (an SVG opened by
itself cannot run its scripts); every other file is an attachment of an opaque type.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from trialbook.artifacts import RunArtifacts, clean_artifact_path
from trialbook.errors import ArtifactNotFoundError
from trialbook.ui.previews import IMAGE_TYPES, artifact_preview, entry_json, extension
from trialbook.ui.security import FILE_POLICY
from trialbook.ui.state import UIState, ui_state

router = APIRouter(prefix="/api/ui")

State = Annotated[UIState, Depends(ui_state)]

_BLOCK = 256 * 1024


@router.get("/runs/{run_id}/artifacts")
def artifacts(state: State, run_id: str, path: str = "") -> dict[str, Any]:
    """The files and folders directly under ``path``."""
    clean = clean_artifact_path(path)
    repo = state.artifacts(run_id)
    entries = [entry_json(info) for info in repo.list(clean)]
    if clean and not entries and not repo.exists(clean):
        raise ArtifactNotFoundError(clean)
    entries.sort(key=lambda e: (not e["is_dir"], e["name"].lower()))
    return {"path": clean, "entries": entries}


@router.get("/runs/{run_id}/artifacts/preview")
def preview(state: State, run_id: str, path: str) -> dict[str, Any]:
    """A bounded preview of a file (text, table, image...) or of a folder (model card)."""
    clean = clean_artifact_path(path)
    repo = state.artifacts(run_id)
    if clean and not repo.exists(clean):
        raise ArtifactNotFoundError(clean)
    return artifact_preview(repo, clean)


@router.get("/runs/{run_id}/artifacts/raw")
def raw(state: State, run_id: str, path: str, download: bool = False) -> StreamingResponse:
    """The file's bytes, streamed: images inline (sandboxed), everything else as a download."""
    clean = clean_artifact_path(path)
    if not clean:
        raise ArtifactNotFoundError(path)
    repo = state.artifacts(run_id)
    size = repo.size(clean)
    media = IMAGE_TYPES.get(extension(clean))
    inline = media is not None and not download
    headers = {
        "Content-Length": str(size),
        "Content-Disposition": content_disposition(
            "inline" if inline else "attachment", posixpath.basename(clean)
        ),
        "Content-Security-Policy": FILE_POLICY,
        "Cache-Control": "private, no-cache",
    }
    return StreamingResponse(
        _stream(repo, clean),
        media_type=media if inline else "application/octet-stream",
        headers=headers,
    )


def _stream(repo: RunArtifacts, path: str) -> Iterator[bytes]:
    with repo.open(path) as handle:
        while block := handle.read(_BLOCK):
            yield block


def content_disposition(kind: str, filename: str) -> str:
    """A Content-Disposition header with an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", filename) or "artifact"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
