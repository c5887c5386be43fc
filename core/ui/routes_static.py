"""Static files: our CSS and JavaScript modules, and plotly.js from the ``plotly`` package.

plotly.js is served from the file the ``plotly`` Python package ships (no CDN, no build
step) under a versioned URL, cached for a year, gzipped once in the background.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import mimetypes
import re
import threading
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from trialbook.extras import install_command

router = APIRouter()

STATIC_DIR = Path(__file__).parent / "static"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_YEAR = "public, max-age=31536000, immutable"


@lru_cache(maxsize=1)
def _assets() -> dict[str, tuple[bytes, str, str]]:
    """Every file of ``static/``: name to (content, media type, content digest)."""
    found = {}
    for path in sorted(STATIC_DIR.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            data = path.read_bytes()
            media = (
                _TYPES.get(path.suffix)
                or mimetypes.guess_type(path.name)[0]
                or "application/octet-stream"
            )
            found[path.name] = (data, media, hashlib.sha256(data).hexdigest()[:12])
    return found


def _asset(name: str) -> tuple[bytes, str, str] | None:
    return _assets().get(name)


def static_url(name: str) -> str:
    """The URL of a static file, versioned by its content."""
    found = _asset(name)
    return f"/static/ui/{name}" + (f"?v={found[2]}" if found else "")


@lru_cache(maxsize=1)
def plotly_path() -> Path:
    """Path of plotly.min.js in the installed ``plotly`` package."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"The plotly package is missing: {install_command('server')}")
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"


@lru_cache(maxsize=1)
def plotly_version() -> str:
    """plotly.js's version, read from its header comment."""
    with open(plotly_path(), "rb") as handle:
        head = handle.read(200).decode("ascii", errors="replace")
    found = re.search(r"plotly\.js v([0-9][0-9A-Za-z.+-]*)", head)
    return found.group(1) if found else str(plotly_path().stat().st_size)


def plotly_url() -> str:
    """The versioned URL of plotly.js."""
    return f"/static/ui/plotly-{plotly_version()}.min.js"


class _Plotly:
    """plotly.js bytes and their gzipped form, made once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.raw: bytes | None = None
        self.gzipped: bytes | None = None
        self.warming = False

    def load(self) -> bytes:
        with self._lock:
            if self.raw is None:
                self.raw = plotly_path().read_bytes()
            return self.raw

    def compress(self) -> None:
        data = self.load()
        if self.gzipped is None:
            self.gzipped = gzip.compress(data, compresslevel=6, mtime=0)


_plotly = _Plotly()


def warm_up() -> None:
    """Gzip plotly.js in a background thread (once per process), so no page waits for it."""
    if _plotly.warming:
        return
    _plotly.warming = True
    threading.Thread(target=_plotly.compress, name="trialbook-ui-gzip", daemon=True).start()


@router.get("/static/ui/plotly-{version}.min.js", include_in_schema=False)
def plotly_js(version: str, request: Request) -> Response:
    """plotly.js from the plotly package (gzipped when ready and accepted)."""
    if version != plotly_version():
        raise HTTPException(404, "Unknown plotly.js version")
    headers = {"Cache-Control": _YEAR, "Vary": "Accept-Encoding"}
    if _plotly.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(_plotly.gzipped, media_type=_TYPES[".js"], headers=headers)
    return Response(_plotly.load(), media_type=_TYPES[".js"], headers=headers)


@router.get("/static/ui/{name}", include_in_schema=False)
def asset(name: str, request: Request) -> Response:
    """One of our CSS or JavaScript files, revalidated by ETag."""
    found = _asset(name)
    if found is None:
        raise HTTPException(404, "No such file")
    data, media, digest = found
    etag = f'"{digest}"'
    cache = _YEAR if request.query_params.get("v") == digest else "no-cache"
    headers = {"ETag": etag, "Cache-Control": cache}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media, headers=headers)
