"""A run's tags sorted for the page: where it came from, what it ran on, and the user's own.

::

    info = reproducibility(run.data.tags)
    info.source        # [("Git commit", "3f2a..."), ("Command", "python train.py ..."), ...]
    info.packages      # [("numpy", "2.1.0"), ...]

``trialbook.*`` tags are written by trialbook (see :mod:`trialbook.tracking.reproducibility`); the
others are the user's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from trialbook.tracking import reproducibility as capture

SYSTEM_PREFIX = "trialbook."

_SOURCE = (
    ("Git commit", capture.GIT_COMMIT),
    ("Branch", capture.GIT_BRANCH),
    ("Uncommitted changes", capture.GIT_DIRTY),
    ("Remote", capture.GIT_REMOTE),
    ("Script in repository", capture.GIT_PATH),
    ("Script", capture.SOURCE_SCRIPT),
)
_ENVIRONMENT = (
    ("Python", capture.PYTHON),
    ("Platform", capture.PLATFORM),
    ("Host", capture.HOST),
    ("User", capture.USER),
    ("Process id", capture.PID),
)
_WEB_REMOTE = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._~/-]+$")


@dataclass(frozen=True)
class Reproducibility:
    """A run's tags, grouped."""

    source: list[tuple[str, str]] = field(default_factory=list)
    command: str | None = None
    commit_url: str | None = None
    environment: list[tuple[str, str]] = field(default_factory=list)
    packages: list[tuple[str, str]] = field(default_factory=list)
    seeds: list[tuple[str, str]] = field(default_factory=list)
    other: list[tuple[str, str]] = field(default_factory=list)
    user_tags: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_source(self) -> bool:
        """Whether anything is known about the code that ran."""
        return bool(self.source or self.command)


def reproducibility(tags: Mapping[str, str]) -> Reproducibility:
    """Group a run's tags into source, environment, packages, seeds, other and user tags."""
    used = {key for _, key in _SOURCE + _ENVIRONMENT}
    used.add(capture.SOURCE_COMMAND)
    packages, seeds, other, user = [], [], [], []
    for key in sorted(tags):
        value = tags[key]
        if key.startswith(capture.PACKAGE_TAG_PREFIX):
            packages.append((key[len(capture.PACKAGE_TAG_PREFIX) :], value))
        elif key.startswith(capture.SEED_TAG_PREFIX):
            seeds.append((key[len(capture.SEED_TAG_PREFIX) :], value))
        elif key.startswith(SYSTEM_PREFIX):
            if key not in used:
                other.append((key, value))
        else:
            user.append((key, value))
    return Reproducibility(
        source=[(label, tags[key]) for label, key in _SOURCE if key in tags],
        command=tags.get(capture.SOURCE_COMMAND),
        commit_url=commit_url(tags.get(capture.GIT_REMOTE), tags.get(capture.GIT_COMMIT)),
        environment=[(label, tags[key]) for label, key in _ENVIRONMENT if key in tags],
        packages=packages,
        seeds=seeds,
        other=other,
        user_tags=user,
    )


def commit_url(remote: str | None, commit: str | None) -> str | None:
    """A web link to the commit for https remotes of GitHub-like hosts, else None."""
    if not remote or not commit or not re.fullmatch(r"[0-9a-f]{7,64}", commit):
        return None
    if remote.startswith("git@") and ":" in remote:
        host, _, path = remote[len("git@") :].partition(":")
        remote = f"https://{host}/{path}"
    remote = remote.removesuffix(".git").rstrip("/")
    if not _WEB_REMOTE.match(remote):
        return None
    return f"{remote}/commit/{commit}"
