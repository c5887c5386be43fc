"""How to add an optional extra to this trialbook installation, as a pip command.

trialbook is installed from a clone or from a wheel built from one, not from PyPI, so
``pip install 'trialbook[server]'`` is no advice. :func:`install_command` names the source
this installation came from (its PEP 610 ``direct_url.json``) and this interpreter::

    install_command("server")
    # "/home/me/proj/.venv/bin/python -m pip install -e '/home/me/trialbook[server]'"
"""

from __future__ import annotations

import shlex
import sys
from importlib import metadata

from trialbook.origins import local_path, origin_of

__all__ = ["install_command"]

DISTRIBUTION = "trialbook"


def install_command(extra: str) -> str:
    """The command that installs ``extra`` (``server``, ``lightning``, ...) for this Python."""
    try:
        origin = origin_of(metadata.distribution(DISTRIBUTION).read_text("direct_url.json"))
    except metadata.PackageNotFoundError:  # imported from a source tree, not installed
        origin = origin_of(None)
    path = local_path(origin.url) if origin.url is not None else None
    if path is not None:  # a clone (editable or not) or a wheel file on this machine
        target = f"{path}[{extra}]"
    elif origin.url is not None:
        scheme = f"{origin.vcs}+" if origin.kind == "vcs" else ""
        target = f"{DISTRIBUTION}[{extra}] @ {scheme}{origin.url}"
    else:
        target = f"{DISTRIBUTION}[{extra}]"
    editable = "-e " if origin.kind == "editable" else ""
    pip = f"{shlex.quote(sys.executable)} -m pip install"
    return f"{pip} {editable}{shlex.quote(target)}"
