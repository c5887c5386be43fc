"""What a run recorded about its code and how to run it again, read from its tags and artifacts.

::

    recipe = read_recipe(run, TrackingClient().artifact_repository(run.info.run_id))
    recipe.missing()            # ["git commit (tag trialbook.source.git.commit)"] or []
    recipe.workdir, recipe.argv(sys.executable)
"""

from __future__ import annotations

import posixpath
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Protocol

from trialbook.entities import Run
from trialbook.tracking import reproducibility, requirements

_UNTRACKED_HEADER = "# Untracked files"


class ReadableArtifacts(Protocol):
    """What a recipe reads of a run's artifacts: a local or a tracking server's repository."""

    def exists(self, path: str) -> bool:
        """Whether an artifact file or folder exists at ``path``."""
        ...

    def open(self, path: str) -> IO[bytes]:
        """The artifact file at ``path``, opened for reading."""
        ...


@dataclass(frozen=True)
class Recipe:
    """The ingredients of a run's reproduction.

    Attributes:
        commit: Git commit the run's code was at, if recorded.
        branch: Git branch, if not a detached HEAD.
        remote: URL of the repository's remote (without credentials).
        dirty: Whether the working tree had uncommitted changes.
        git_path: The script's path relative to the repository root.
        script: The script's absolute path on the machine that ran it.
        command: The recorded command line (Python first); empty when not recorded.
        workdir: Folder to run in, relative to the repository root ('' for the root).
        args: The command's arguments after Python, adjusted to run from ``workdir``.
        has_diff: Whether the diff artifact exists.
        has_patch: Whether that diff changes any tracked file (else ``git apply`` is skipped).
        untracked: Untracked files listed in the diff's header (their contents are lost).
        has_requirements: Whether the package list artifact exists.
        left_out: Notes on the packages that list cannot install, and what to do instead.
        python_version: The run's Python version.
    """

    commit: str | None
    branch: str | None
    remote: str | None
    dirty: bool
    git_path: str | None
    script: str | None
    command: tuple[str, ...]
    workdir: str
    args: tuple[str, ...]
    has_diff: bool
    has_patch: bool
    untracked: tuple[str, ...]
    has_requirements: bool
    left_out: tuple[str, ...]
    python_version: str | None

    def missing(self) -> list[str]:
        """What a reproduction cannot do without, as readable names of the tags."""
        found = []
        if not self.commit:
            found.append(f"git commit (tag {reproducibility.GIT_COMMIT})")
        if not self.command:
            found.append(f"command line (tag {reproducibility.SOURCE_COMMAND})")
        return found

    def warnings(self) -> list[str]:
        """Reasons a reproduction may differ from the original run."""
        found = []
        if not self.git_path:
            found.append(
                f"No script inside the repository was recorded (tag {reproducibility.GIT_PATH}); "
                "the command runs from the repository root."
            )
        if self.dirty and not self.has_diff:
            found.append(
                f"The working tree was dirty but no {reproducibility.GIT_DIFF_ARTIFACT} was recorded; "
                "the code may differ from the run's."
            )
        if self.untracked:
            found.append(
                "Untracked files were present and are not recreated: " + ", ".join(self.untracked)
            )
        found += [f"{reproducibility.REQUIREMENTS_ARTIFACT} skips {note}" for note in self.left_out]
        current = "{}.{}.{}".format(*sys.version_info[:3])
        if self.python_version and self.python_version != current:
            found.append(f"The run used Python {self.python_version}; this is Python {current}.")
        return found

    def argv(self, python: str) -> list[str]:
        """The command to run from :attr:`workdir`, with ``python`` as the interpreter."""
        return [python, *self.args]

    def recorded_root(self) -> Path | None:
        """The repository root on the machine that ran the run, if it can be told."""
        if not self.script or not self.git_path:
            return None
        script = Path(self.script)
        parts = PurePosixPath(self.git_path).parts
        if script.parts[-len(parts) :] != parts:
            return None
        return Path(*script.parts[: -len(parts)])


def read_recipe(run: Run, artifacts: ReadableArtifacts) -> Recipe:
    """Read a run's :class:`Recipe` from its tags and its reproducibility artifacts."""
    tags = run.data.tags
    command = tuple(shlex.split(tags.get(reproducibility.SOURCE_COMMAND, "")))
    git_path = tags.get(reproducibility.GIT_PATH) or None
    workdir, args = locate(command[1:], git_path)
    diff = ""
    has_diff = artifacts.exists(reproducibility.GIT_DIFF_ARTIFACT)
    if has_diff:
        with artifacts.open(reproducibility.GIT_DIFF_ARTIFACT) as handle:
            diff = handle.read().decode("utf-8", errors="replace")
    packages = ""
    has_requirements = artifacts.exists(reproducibility.REQUIREMENTS_ARTIFACT)
    if has_requirements:
        with artifacts.open(reproducibility.REQUIREMENTS_ARTIFACT) as handle:
            packages = handle.read().decode("utf-8", errors="replace")
    return Recipe(
        commit=tags.get(reproducibility.GIT_COMMIT) or None,
        branch=tags.get(reproducibility.GIT_BRANCH) or None,
        remote=tags.get(reproducibility.GIT_REMOTE) or None,
        dirty=tags.get(reproducibility.GIT_DIRTY) == "true",
        git_path=git_path,
        script=tags.get(reproducibility.SOURCE_SCRIPT) or None,
        command=command,
        workdir=workdir,
        args=args,
        has_diff=has_diff,
        has_patch=diff.startswith("diff --git") or "\ndiff --git" in diff,
        untracked=untracked_files(diff),
        has_requirements=has_requirements,
        left_out=tuple(requirements.left_out(packages)),
        python_version=tags.get(reproducibility.PYTHON) or None,
    )


def locate(args: tuple[str, ...], git_path: str | None) -> tuple[str, tuple[str, ...]]:
    """Where to run the command from, and its arguments adjusted to work from there.

    The script argument as it was given (``args[0]``) tells the original working folder
    when it is a relative path that ends the script's path in the repository
    (``src/train.py`` run as ``train.py`` ran from ``src``). Otherwise the command runs from
    the script's own folder, with the script named relative to it.

    Args:
        args: The recorded command's arguments after the Python executable.
        git_path: The script's path relative to the repository root, if recorded.

    Returns:
        (working folder relative to the repository root, adjusted arguments).
    """
    if not git_path or not args:
        return "", args
    script = PurePosixPath(git_path)
    given = args[0].replace("\\", "/")
    if not posixpath.isabs(given) and ".." not in PurePosixPath(given).parts:
        parts = PurePosixPath(posixpath.normpath(given)).parts
        if parts and script.parts[-len(parts) :] == parts:
            workdir = PurePosixPath(*script.parts[: -len(parts)]).as_posix()
            return ("" if workdir == "." else workdir), args
    folder = script.parent.as_posix()
    return ("" if folder == "." else folder), (script.name, *args[1:])


def untracked_files(diff: str) -> tuple[str, ...]:
    """The untracked files listed in the header of a recorded diff."""
    if not diff.startswith(_UNTRACKED_HEADER):
        return ()
    found = []
    for line in diff.splitlines()[1:]:
        if not line.startswith("#   "):
            break
        found.append(line[4:])
    return tuple(found)
