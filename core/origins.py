"""Where an installed distribution came from, read from its PEP 610 ``direct_url.json``::

    origin = origin_of(metadata.distribution("trialbook").read_text("direct_url.json"))
    origin.kind, origin.url        # "editable", "file:///home/me/trialbook"

Standard library only, and no other trialbook module: the requirements capture
(:mod:`trialbook.tracking.requirements`) and the install hints (:mod:`trialbook.extras`) use it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

__all__ = ["Origin", "local_path", "origin_of"]


@dataclass(frozen=True)
class Origin:
    """Where a distribution was installed from (PEP 610).

    Attributes:
        kind: ``index`` (no direct URL), ``editable`` or ``directory`` (a local folder),
            ``vcs`` or ``archive`` (a wheel or sdist file or URL).
        url: The direct URL, None for an index install.
        vcs: ``git``, ``hg``, ... for a VCS install.
        commit: The installed commit of a VCS install.
    """

    kind: str
    url: str | None = None
    vcs: str | None = None
    commit: str | None = None


def origin_of(direct_url: str | None) -> Origin:
    """Parse the text of a ``direct_url.json`` (None: installed from an index)."""
    if direct_url is None:
        return Origin("index")
    try:
        data = json.loads(direct_url)
    except ValueError:
        return Origin("index")
    url = data.get("url") if isinstance(data, dict) else None
    if not isinstance(url, str):
        return Origin("index")
    if isinstance(data.get("vcs_info"), dict):
        vcs_info = data["vcs_info"]
        return Origin("vcs", url, str(vcs_info.get("vcs", "git")), vcs_info.get("commit_id"))
    if isinstance(data.get("dir_info"), dict):
        editable = data["dir_info"].get("editable") is True
        return Origin("editable" if editable else "directory", url)
    return Origin("archive", url)


def local_path(url: str) -> Path | None:
    """The path of a ``file:`` URL, None for other schemes."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    if sys.platform == "win32":
        return Path(url2pathname(parts.path))
    return Path(unquote(parts.path))
