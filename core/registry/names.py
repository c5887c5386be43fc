"""Rules for model names, version numbers and aliases, the ``models:/`` and ``runs:/`` URIs.

::

    parse_models_uri("models:/fraud/3")          # ModelReference("fraud", version=3)
    parse_models_uri("models:/fraud@champion")   # ModelReference("fraud", alias="champion")
    parse_models_uri("models:/fraud/latest")     # ModelReference("fraud", latest=True)

Names are 1-256 characters without ``/``, ``@``, control characters or surrounding spaces,
so that every name fits in a ``models:/`` URI. A folder is a logged model when it holds
:data:`METADATA_FILE`. Aliases are 1-255 letters, digits, ``_`` and
``-`` starting with a letter or ``_``; ``latest`` and ``v<digits>`` are reserved, so an
alias can never be mistaken for a version.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trialbook.artifacts import ArtifactRepository
from trialbook.artifacts.paths import clean_artifact_path
from trialbook.entities import LifecycleStage
from trialbook.errors import DeletedRunError, InvalidUriError, InvalidValueError
from trialbook.validation import check_text

if TYPE_CHECKING:
    from trialbook.entities import Run

METADATA_FILE = "trialbook-model.json"
"""The file that makes a folder a logged model (its flavor, files and their digests)."""

MODELS_SCHEME = "models:/"
LATEST = "latest"
NAME_LENGTH = 256
ALIAS_LENGTH = 255
_ALIAS = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_RESERVED_ALIAS = re.compile(r"latest|v[0-9]+", re.IGNORECASE)
_FORBIDDEN_IN_NAME = re.compile(r"[/@\x00-\x1f\x7f]")


def check_name(name: object, key: str = "name") -> str:
    """A valid registered model name, or :class:`InvalidValueError`."""
    if not isinstance(name, str) or not name:
        raise InvalidValueError(key, name, "a registered model name is a non-empty string")
    if len(name) > NAME_LENGTH:
        raise InvalidValueError(key, name, f"names are at most {NAME_LENGTH} characters")
    if name != name.strip():
        raise InvalidValueError(key, name, "names cannot start or end with whitespace")
    if name in (".", ".."):
        raise InvalidValueError(
            key, name, "'.' and '..' cannot be names (URLs would read them as folders)"
        )
    if _FORBIDDEN_IN_NAME.search(name):
        raise InvalidValueError(
            key,
            name,
            "names cannot contain '/', '@' or control characters (they end up in "
            "models:/<name>/<version> URIs)",
        )
    return check_text(key, name)


def check_version(version: object) -> int:
    """A version number (a positive int, or its decimal text), or :class:`InvalidValueError`."""
    if isinstance(version, bool):
        raise InvalidValueError("version", version, "a version is a positive integer")
    if isinstance(version, str) and version.strip().isdigit():
        version = int(version.strip())
    if not isinstance(version, int) or not 0 < version < 2**31:
        raise InvalidValueError("version", version, "a version is a positive integer")
    return version


def check_alias(alias: object) -> str:
    """A valid alias, or :class:`InvalidValueError` saying why not."""
    if not isinstance(alias, str) or not _ALIAS.fullmatch(alias) or len(alias) > ALIAS_LENGTH:
        raise InvalidValueError(
            "alias",
            alias,
            f"aliases are 1-{ALIAS_LENGTH} letters, digits, '_' and '-', starting with a "
            "letter or '_' (e.g. 'champion')",
        )
    if _RESERVED_ALIAS.fullmatch(alias):
        raise InvalidValueError(
            "alias", alias, "'latest' and 'v<number>' are reserved: they read as versions"
        )
    return alias


@dataclass(frozen=True)
class ModelReference:
    """What a ``models:/`` URI points at: one version, an alias, or the latest version."""

    name: str
    version: int | None = None
    alias: str | None = None
    latest: bool = False


def parse_models_uri(uri: str) -> ModelReference:
    """``models:/<name>/<version>``, ``models:/<name>@<alias>`` or ``models:/<name>/latest``."""
    usage = "expected models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/latest"
    if not uri.startswith(MODELS_SCHEME):
        raise InvalidUriError(uri, usage)
    rest = uri[len(MODELS_SCHEME) :].lstrip("/")
    if "/" in rest:
        name, _, selector = rest.partition("/")
        if not name or not selector or "/" in selector:
            raise InvalidUriError(uri, usage)
        if selector.lower() == LATEST:
            return ModelReference(name, latest=True)
        if not selector.isdigit():
            raise InvalidUriError(
                uri, f"{selector!r} is not a version number; {usage} (stages are not supported)"
            )
        return ModelReference(name, version=int(selector))
    name, at, alias = rest.partition("@")
    if not at or not name or not alias:
        raise InvalidUriError(uri, usage)
    return ModelReference(name, alias=alias)


def parse_runs_uri(uri: str) -> tuple[str, str]:
    """``runs:/<run_id>/<path>`` to (run_id, path)."""
    if not uri.startswith("runs:/"):
        raise InvalidUriError(uri, "expected runs:/<run_id>/<path>")
    run_id, _, path = uri[len("runs:/") :].lstrip("/").partition("/")
    if not run_id or not path:
        raise InvalidUriError(uri, "expected runs:/<run_id>/<path>")
    return run_id, clean_artifact_path(path)


def model_digest(repository: ArtifactRepository, path: str) -> str:
    """The sha256 of the metadata file of the model logged at ``path``: what a version pins.

    The metadata lists every file's sha256, so this one digest covers the whole model.
    """
    digest = hashlib.sha256()
    with repository.open(f"{path}/{METADATA_FILE}") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def logged_model_source(run: Run, artifact_path: str) -> tuple[str, str]:
    """The cleaned path of the model logged in ``run`` at ``artifact_path``, and its digest.

    What every registry checks before a new version may point at a model.

    Raises:
        InvalidUriError: the path is empty, or holds no logged model (no :data:`METADATA_FILE`).
        DeletedRunError: the run is deleted.
    """
    path = clean_artifact_path(artifact_path)
    source = f"runs:/{run.info.run_id}/{path}"
    if not path:
        raise InvalidUriError(source, "name the model's folder in the run's artifacts")
    if run.info.lifecycle_stage is LifecycleStage.DELETED:
        raise DeletedRunError(run.info.run_id)
    repository = ArtifactRepository(run.info.artifact_uri)
    if not repository.exists(f"{path}/{METADATA_FILE}"):
        raise InvalidUriError(
            source,
            f"no logged model there (no {METADATA_FILE}); log one with "
            "trialbook.log_model(model, name) and register its model_uri",
        )
    return path, model_digest(repository, path)
