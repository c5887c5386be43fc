"""Where a run came from: source, machine, git state, packages and seeds.

Two halves, so that starting a run stays fast::

    tags = capture_fast()                  # microseconds, no subprocess: on the caller's path
    capture = capture_slow(Path.cwd())     # git, packages, seeds: in a background thread
    capture.tags, capture.artifacts        # {"trialbook.source.git.commit": ...}, {path: text}

Set ``TRIALBOOK_DISABLE_CONTEXT=1`` to turn capture off (callers check :func:`disabled`).

Tag keys are module constants. ``trialbook.source.*`` says what ran (script, command line,
git state); ``trialbook.user``, ``.host``, ``.pid``, ``.python`` and ``.platform`` say where;
``trialbook.package.<name>`` holds one installed ML package's version per tag (searchable,
unlike one JSON blob); ``trialbook.seed.<source>`` holds a seed read without side effects.

Neither function raises: each part that fails is skipped.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from trialbook.tracking import requirements

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "DISABLE_ENV_VAR",
    "GIT_BRANCH",
    "GIT_COMMIT",
    "GIT_DIFF_ARTIFACT",
    "GIT_DIRTY",
    "GIT_PATH",
    "GIT_REMOTE",
    "HOST",
    "ML_PACKAGES",
    "PACKAGE_TAG_PREFIX",
    "PID",
    "PLATFORM",
    "PYTHON",
    "REQUIREMENTS_ARTIFACT",
    "SEED_LIGHTNING",
    "SEED_PYTHONHASHSEED",
    "SEED_TAG_PREFIX",
    "SEED_TORCH",
    "SOURCE_COMMAND",
    "SOURCE_SCRIPT",
    "USER",
    "Capture",
    "capture_fast",
    "capture_seeds",
    "capture_slow",
    "disabled",
    "strip_url_credentials",
]

_log = logging.getLogger(__name__)

DISABLE_ENV_VAR = "TRIALBOOK_DISABLE_CONTEXT"
"""Env var that turns capture off when set to ``1``, ``true`` or ``yes`` (any case)."""

# Fast tags (capture_fast).
SOURCE_SCRIPT = "trialbook.source.script"
"""The entry-point script: ``sys.argv[0]``, as a real absolute path when it is a file."""
SOURCE_COMMAND = "trialbook.source.command"
"""The command line, ``shlex.join([sys.executable, *sys.argv])``."""
USER = "trialbook.user"
HOST = "trialbook.host"
PID = "trialbook.pid"
PYTHON = "trialbook.python"
"""Python version, e.g. ``3.11.7``."""

# Slow tags (capture_slow).
PLATFORM = "trialbook.platform"
"""The operating system, release and machine (``Linux-6.1.0-x86_64-with-glibc2.36``), captured late."""
GIT_COMMIT = "trialbook.source.git.commit"
GIT_BRANCH = "trialbook.source.git.branch"
"""Absent on a detached HEAD."""
GIT_DIRTY = "trialbook.source.git.dirty"
"""``"true"`` when ``git status`` shows changes, untracked (not ignored) files included."""
GIT_REMOTE = "trialbook.source.git.remote"
"""URL of ``origin`` (else of the first remote), without user names or passwords."""
GIT_PATH = "trialbook.source.git.path"
"""The script's path relative to the repository root, with ``/`` separators."""
PACKAGE_TAG_PREFIX = "trialbook.package."
"""Followed by the normalised distribution name, e.g. ``trialbook.package.scikit-learn``."""
SEED_TAG_PREFIX = "trialbook.seed."
SEED_PYTHONHASHSEED = SEED_TAG_PREFIX + "pythonhashseed"
"""The ``PYTHONHASHSEED`` env var."""
SEED_LIGHTNING = SEED_TAG_PREFIX + "lightning"
"""The ``PL_GLOBAL_SEED`` env var that Lightning's ``seed_everything`` sets."""
SEED_TORCH = SEED_TAG_PREFIX + "torch"
"""``torch.initial_seed()``, read only when the program has already imported torch."""

GIT_DIFF_ARTIFACT = "reproducibility/git.diff"
"""``git diff HEAD``, staged and unstaged, headed by the untracked files; when dirty."""
REQUIREMENTS_ARTIFACT = "reproducibility/requirements.txt"
"""Every installed distribution, for ``pip install -r`` elsewhere: see :mod:`.requirements`."""

ML_PACKAGES: tuple[str, ...] = (
    "numpy", "pandas", "scipy", "scikit-learn", "torch", "torchvision", "lightning",
    "pytorch-lightning", "xgboost", "lightgbm", "catboost", "tensorflow", "keras", "jax",
    "jaxlib", "transformers", "datasets", "accelerate", "optuna", "statsmodels",
)  # fmt: skip
"""Distributions whose versions become ``trialbook.package.*`` tags when installed."""

GIT_TIMEOUT_SECONDS = 5.0
"""Limit for each git subprocess; one that takes longer is killed and its part skipped."""
MAX_DIFF_CHARS = 5_000_000
"""Longer diffs are cut to this many characters, with a note at the end."""

_TRUTHY = frozenset({"1", "true", "yes"})
_SEED_ENV_VARS = (("PYTHONHASHSEED", SEED_PYTHONHASHSEED), ("PL_GLOBAL_SEED", SEED_LIGHTNING))
_NAME_SEPARATORS = re.compile(r"[-_.]+")


@dataclass(frozen=True)
class Capture:
    """What :func:`capture_slow` found.

    Attributes:
        tags: Run tags, keyed by the constants of this module.
        artifacts: Text artifacts, keyed by their path relative to the run's artifact root.
    """

    tags: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)


def disabled() -> bool:
    """True when ``TRIALBOOK_DISABLE_CONTEXT`` is ``1``, ``true`` or ``yes`` (any case)."""
    return os.environ.get(DISABLE_ENV_VAR, "").strip().lower() in _TRUTHY


def capture_fast() -> dict[str, str]:
    """Return the tags that cost microseconds: script, command line, user, host, pid, Python.

    No subprocess and no file reads beyond a ``stat`` of the script. Modules that only this
    function needs are imported on its first call, which keeps ``import trialbook`` cheap.
    """
    import shlex

    argv = list(getattr(sys, "argv", None) or [])
    tags: dict[str, str] = {}
    script = _script_path(argv)
    if script:
        tags[SOURCE_SCRIPT] = script
    tags[SOURCE_COMMAND] = shlex.join([sys.executable or "python", *argv])
    tags[USER] = _user()
    host = _host()
    if host:
        tags[HOST] = host
    tags[PID] = str(os.getpid())
    tags[PYTHON] = "{}.{}.{}".format(*sys.version_info[:3])
    return tags


def capture_slow(workdir: Path) -> Capture:
    """Return platform, git state, package versions and seeds; meant for a background thread.

    Args:
        workdir: Directory whose git repository is described (usually the current one).
    """
    parts: tuple[Callable[[], Capture], ...] = (
        _capture_platform,
        lambda: _capture_git(workdir),
        _capture_packages,
        lambda: Capture(tags=capture_seeds()),
    )
    tags: dict[str, str] = {}
    artifacts: dict[str, str] = {}
    for part in parts:
        found = _guarded(part)
        tags.update(found.tags)
        artifacts.update(found.artifacts)
    return Capture(tags=tags, artifacts=artifacts)


def capture_seeds() -> dict[str, str]:
    """Return the seeds readable without patching or importing anything.

    ``PYTHONHASHSEED`` and Lightning's ``PL_GLOBAL_SEED`` from the environment, and
    ``torch.initial_seed()`` only if torch is already in ``sys.modules``.
    """
    tags = {key: os.environ[var] for var, key in _SEED_ENV_VARS if os.environ.get(var)}
    torch = sys.modules.get("torch")
    initial_seed = getattr(torch, "initial_seed", None)
    if callable(initial_seed):
        try:
            tags[SEED_TORCH] = str(initial_seed())
        except (RuntimeError, TypeError, ValueError):
            pass
    return tags


def strip_url_credentials(url: str) -> str:
    """Drop secrets from a URL: ``https://user:token@host/x`` becomes ``https://host/x``.

    HTTP(S) URLs lose the whole user part (tokens often sit in the user name); other schemes
    keep the user name but lose the password. scp-like ``git@host:org/repo`` is unchanged.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    keep_user = user and parts.scheme.lower() not in ("http", "https")
    netloc = f"{user}@{hostport}" if keep_user else hostport
    return urlunsplit(parts._replace(netloc=netloc))


def _guarded(part: Callable[[], Capture]) -> Capture:
    """Run one capture part; this is the module's single catch-all boundary.

    Parts catch the failures they expect (no git, timeouts, missing files). Anything else
    (a broken distribution's metadata, an odd torch build) must not break the run or kill
    the background thread, so it is logged at debug level and the part is skipped.
    """
    try:
        return part()
    except Exception:  # noqa: BLE001 - the safety boundary: our failure must not reach the user
        _log.debug("trialbook: skipped a context capture part", exc_info=True)
        return Capture()


def _script_path(argv: list[str]) -> str:
    if not argv or not argv[0]:
        return ""
    script = argv[0]
    try:
        if os.path.isfile(script):
            return os.path.realpath(script)
    except (OSError, ValueError):
        pass
    return script


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


def _host() -> str:
    if sys.platform == "win32":
        import socket

        try:
            return socket.gethostname()
        except OSError:
            return ""
    else:
        return os.uname().nodename  # what socket.gethostname() gives, without importing socket


@functools.cache
def _platform() -> str:
    """Like ``platform.platform()`` (``Linux-6.1.0-x86_64-with-glibc2.36``) without a subprocess.

    ``platform.platform()`` runs ``uname -p``; see :func:`_git` for why subprocesses started
    from this background thread must not search PATH.
    """
    import platform

    uname = platform.uname()
    parts = [uname.system, uname.release, uname.machine]
    if uname.system == "Darwin":
        parts = ["macOS", platform.mac_ver()[0], uname.machine]
    elif uname.system == "Linux":
        library, version = platform.libc_ver()
        if library:
            parts.append(f"with-{library}{version}")
    return "-".join(part for part in parts if part)


def _capture_platform() -> Capture:
    return Capture(tags={PLATFORM: _platform()})


def _git(workdir: Path, *args: str) -> str | None:
    """Run git in ``workdir``; return its stdout, or None if it failed or timed out."""
    import shutil
    import subprocess

    # An absolute path: given a bare "git", subprocess searches PATH through
    # ``os.get_exec_path``, which enters ``warnings.catch_warnings``. That swaps process-wide
    # state and, from this background thread, can undo the user's own ``catch_warnings``.
    git = shutil.which("git")
    if git is None:
        return None
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(
            [git, "-c", "core.fsmonitor=false", *args],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


def _capture_git(workdir: Path) -> Capture:
    root = _git(workdir, "rev-parse", "--show-toplevel")
    if root is None:
        return Capture()
    status = _git(workdir, "status", "--porcelain=v2", "--branch", "-z")
    if status is None:
        return Capture()
    tags: dict[str, str] = {}
    artifacts: dict[str, str] = {}
    commit, branch, changed, untracked = _parse_status(status)
    if commit:
        tags[GIT_COMMIT] = commit
    if branch:
        tags[GIT_BRANCH] = branch
    dirty = changed or bool(untracked)
    tags[GIT_DIRTY] = "true" if dirty else "false"
    remote = _remote_url(workdir)
    if remote:
        tags[GIT_REMOTE] = strip_url_credentials(remote)
    relative = _relative_script(root.strip())
    if relative:
        tags[GIT_PATH] = relative
    if dirty and commit:
        diff = _git(workdir, "diff", "HEAD", "--no-color", "--no-ext-diff", "--no-textconv")
        if diff is not None:
            artifacts[GIT_DIFF_ARTIFACT] = _diff_text(diff, untracked)
    return Capture(tags=tags, artifacts=artifacts)


def _parse_status(status: str) -> tuple[str, str, bool, list[str]]:
    """Read ``git status --porcelain=v2 --branch -z``: commit, branch, changes, untracked."""
    commit = branch = ""
    changed = False
    untracked: list[str] = []
    records = iter(status.split("\0"))
    for record in records:
        if record.startswith("# branch.oid "):
            oid = record.removeprefix("# branch.oid ")
            commit = "" if oid == "(initial)" else oid
        elif record.startswith("# branch.head "):
            head = record.removeprefix("# branch.head ")
            branch = "" if head == "(detached)" else head
        elif record.startswith("? "):
            untracked.append(record[2:])
        elif record[:2] in ("1 ", "u "):
            changed = True
        elif record.startswith("2 "):
            changed = True
            next(records, None)  # a rename's original path is its own record
    return commit, branch, changed, untracked


def _remote_url(workdir: Path) -> str:
    listing = _git(workdir, "config", "--get-regexp", r"^remote\..*\.url$")
    if not listing:
        return ""
    urls: dict[str, str] = {}
    for line in listing.splitlines():
        key, _, url = line.partition(" ")
        name = key.removeprefix("remote.").removesuffix(".url")
        urls.setdefault(name, url.strip())
    return urls.get("origin") or next(iter(urls.values()), "")


def _relative_script(root: str) -> str:
    script = _script_path(list(getattr(sys, "argv", None) or []))
    if not script or not os.path.isabs(script):
        return ""
    try:
        relative = Path(script).relative_to(os.path.realpath(root))
    except ValueError:
        return ""
    return str(PurePosixPath(*relative.parts))


def _diff_text(diff: str, untracked: list[str]) -> str:
    header = ""
    if untracked:
        listed = "".join(f"#   {path}\n" for path in untracked)
        header = f"# Untracked files (contents not included):\n{listed}\n"
    text = header + diff
    if len(text) > MAX_DIFF_CHARS:
        text = text[:MAX_DIFF_CHARS] + f"\n# trialbook: diff cut at {MAX_DIFF_CHARS} chars\n"
    return text


def _capture_packages() -> Capture:
    versions = _installed_versions()
    tags = {
        PACKAGE_TAG_PREFIX + name: versions[name][1]
        for name in map(_normalise, ML_PACKAGES)
        if name in versions
    }
    text = requirements.requirements_text(_installed_packages(), _clone_of)
    return Capture(tags=tags, artifacts={REQUIREMENTS_ARTIFACT: text})


def _clone_of(folder: Path) -> tuple[str, str, str] | None:
    """The remote (credentials stripped), HEAD commit and subfolder of the clone at ``folder``."""
    root = _git(folder, "rev-parse", "--show-toplevel")
    commit = _git(folder, "rev-parse", "HEAD")
    remote = _remote_url(folder) if root and commit else ""
    if not (root and commit and remote):
        return None
    inside = os.path.relpath(folder.resolve(), Path(root.strip()).resolve())
    subdirectory = "" if inside == "." else PurePosixPath(Path(inside)).as_posix()
    return strip_url_credentials(remote), commit.strip(), subdirectory


_packages_cache: (
    tuple[tuple[tuple[str, float], ...], list[requirements.InstalledPackage]] | None
) = None


def _path_state() -> tuple[tuple[str, float], ...]:
    """``sys.path`` with each folder's mtime: installing or removing a package changes it."""
    state = []
    for entry in sys.path:
        try:
            state.append((entry, os.stat(entry or ".").st_mtime))
        except OSError:
            state.append((entry, -1.0))
    return tuple(state)


def _installed_packages() -> list[requirements.InstalledPackage]:
    """Every importable distribution (the first on ``sys.path`` wins, as for imports).

    Reading every distribution's metadata costs tens of milliseconds of CPU, which each run
    would pay in the background while the user's code runs, so the result is kept until
    ``sys.path`` or one of its folders changes.
    """
    global _packages_cache
    state = _path_state()
    cached = _packages_cache
    if cached is not None and cached[0] == state:
        return cached[1]
    found = requirements.installed_packages()
    _packages_cache = (state, found)
    return found


def _installed_versions() -> Mapping[str, tuple[str, str]]:
    """Map each normalised distribution name to its (declared name, version)."""
    return {_normalise(p.name): (p.name, p.version) for p in _installed_packages()}


def _normalise(name: str) -> str:
    """PEP 503 normalisation: ``Scikit_Learn`` -> ``scikit-learn``."""
    return _NAME_SEPARATORS.sub("-", name).lower()
