"""The installed distributions as a requirements file that installs elsewhere too.

``name==version`` is not enough: a PyTorch CPU build (``torch==2.13.0+cpu``) exists only on
PyTorch's own index, and a package installed from a clone (``pip install -e .``) may exist
nowhere else. Each distribution's origin comes from its PEP 610 ``direct_url.json``::

    packages = installed_packages()
    text = requirements_text(packages, describe_folder)   # for ``pip install -r``

Rules: an index install is pinned (``name==version``); a PyTorch local build adds the index
that serves it (``--extra-index-url https://download.pytorch.org/whl/cpu``); another local
version or a folder without a git remote is a ``# not installed:`` comment that says what to
do (:func:`left_out` reads them back); a local file with a public version is pinned; a folder that is a git clone becomes ``name @ git+<remote>@<commit>``; a VCS
install keeps its URL and commit; a remote archive keeps its URL. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from trialbook.origins import Origin, local_path, origin_of

__all__ = [
    "NOT_INSTALLED",
    "PYTORCH_INDEX",
    "FolderSource",
    "InstalledPackage",
    "installed_packages",
    "left_out",
    "requirements_text",
]

PYTORCH_INDEX = "https://download.pytorch.org/whl/{label}"
"""PyTorch's index for one build label (``cpu``, ``cu121``, ``rocm6.1``, ``xpu``)."""
PYTORCH_PACKAGES = frozenset({"torch", "torchvision", "torchaudio", "torchtext", "torchdata"})
"""Distributions PyTorch's indexes serve in local builds (``2.13.0+cpu``)."""

HEADER = (
    "# The distributions installed when the run started, written by trialbook.\n"
    "# Install them into a new virtual environment with: pip install -r requirements.txt\n"
)

NOT_INSTALLED = "# not installed: "
"""Starts the comment line of a distribution the file cannot install, saying what to do."""

_PYTORCH_LABEL = re.compile(r"^(cpu|cu\d+|rocm[\d.]+|xpu)$")
_SCP_LIKE = re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?P<path>.+)$")
_NAME_SEPARATORS = re.compile(r"[-_.]+")

FolderSource = Callable[[Path], "tuple[str, str, str] | None"]
"""Given a folder: the (remote URL, HEAD commit, folder relative to the clone's root, with
``/`` separators, empty at the root) of the git clone holding it, or None."""


@dataclass(frozen=True)
class InstalledPackage:
    """One installed distribution: its declared name, version and origin."""

    name: str
    version: str
    origin: Origin


def installed_packages() -> list[InstalledPackage]:
    """Every distribution importable now; the first on ``sys.path`` wins, as for imports."""
    from importlib import metadata

    found: dict[str, InstalledPackage] = {}
    for dist in metadata.distributions():
        try:
            meta: metadata.PackageMetadata | None = dist.metadata
            direct_url = dist.read_text("direct_url.json")
        except OSError:
            continue
        if meta is None or "Name" not in meta or "Version" not in meta:
            continue
        key = _normalise(meta["Name"])
        if key not in found:
            found[key] = InstalledPackage(meta["Name"], meta["Version"], origin_of(direct_url))
    return list(found.values())


def requirements_text(packages: Iterable[InstalledPackage], folder_source: FolderSource) -> str:
    """A requirements file for ``packages``, sorted by name case-insensitively."""
    indexes: set[str] = set()
    lines = []
    for package in sorted(packages, key=lambda p: p.name.lower()):
        line, index = _requirement(package, folder_source)
        lines.append(line)
        if index is not None:
            indexes.add(index)
    options = "".join(f"--extra-index-url {index}\n" for index in sorted(indexes))
    return HEADER + options + "".join(f"{line}\n" for line in lines)


def left_out(text: str) -> list[str]:
    """The notes on distributions a requirements file from :func:`requirements_text` skips."""
    return [
        line[len(NOT_INSTALLED) :] for line in text.splitlines() if line.startswith(NOT_INSTALLED)
    ]


def _requirement(package: InstalledPackage, folder_source: FolderSource) -> tuple[str, str | None]:
    """One line for ``package``, and the extra index it needs."""
    name, version, origin = package.name, package.version, package.origin
    pin = f"{name}=={version}"
    if origin.kind == "vcs" and origin.url is not None:
        commit = f"@{origin.commit}" if origin.commit else ""
        return f"{name} @ {origin.vcs}+{origin.url}{commit}", None
    if origin.kind in ("editable", "directory") and origin.url is not None:
        folder = local_path(origin.url)
        clone = folder_source(folder) if folder is not None else None
        if clone is not None:
            remote, commit, subdirectory = clone
            url = _pip_git_url(remote)
            if url is None:
                return (
                    f"{NOT_INSTALLED}{pin} was installed from {folder}, a clone of the folder "
                    f"{remote} at commit {commit}: install it from a clone of that commit",
                    None,
                )
            where = f"#subdirectory={subdirectory}" if subdirectory else ""
            note = f"  # was installed from the folder {folder}; local changes not included"
            return f"{name} @ git+{url}@{commit}{where}{note}", None
        return (
            f"{NOT_INSTALLED}{pin} was installed from {origin.url}, which is not a git "
            "clone with a remote: install it from a copy of that folder (pip install <folder>)",
            None,
        )
    if origin.kind == "archive" and origin.url is not None:
        path = local_path(origin.url)
        if path is None:
            return f"{name} @ {origin.url}", None
        if "+" not in version:
            return f"{pin}  # was installed from the file {path}", None
    label = version.partition("+")[2]
    if not label:
        return pin, None
    if _normalise(name) in PYTORCH_PACKAGES and _PYTORCH_LABEL.match(label):
        index = PYTORCH_INDEX.format(label=label)
        return f"{pin}  # a PyTorch {label} build, from {index}", index
    return (
        f"{NOT_INSTALLED}{pin} is a local build (+{label}), not on PyPI: install it from the "
        "index or file it came from",
        None,
    )


def _pip_git_url(remote: str) -> str | None:
    """A git remote as pip takes it (``git@host:org/repo`` as ``ssh://git@host/org/repo``).

    None for a remote that is a folder: it exists on this machine only.
    """
    scp = _SCP_LIKE.match(remote)
    if scp and "://" not in remote:
        return f"ssh://{scp['user']}@{scp['host']}/{scp['path']}"
    if "://" not in remote or remote.startswith("file:"):
        return None
    return remote


def _normalise(name: str) -> str:
    """PEP 503 normalisation: ``Scikit_Learn`` -> ``scikit-learn``."""
    return _NAME_SEPARATORS.sub("-", name).lower()
