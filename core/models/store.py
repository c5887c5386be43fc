"""``log_model`` and ``load_model``: a model folder with its files and a metadata record.

::

    info = trialbook.log_model(clf, "model")
    same = trialbook.load_model(info.model_uri)        # "runs:/<run_id>/model"

The metadata (``trialbook-model.json``) records the flavor, the class, the Python and
framework versions, each file's size and sha256, the signature and input example when given
(:mod:`trialbook.models.signature`), and the source of classes stored by value
(``by_value``: classes of the training script, :mod:`trialbook.models.byvalue`). ``load_model`` refuses files whose hash
changed and warns when versions differ. Loading unpickles or imports code from the model:
load only models from sources you trust.
"""

from __future__ import annotations

import hashlib
import json
import platform
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialbook.artifacts import clean_artifact_path
from trialbook.errors import (
    InvalidUriError,
    ModelIntegrityError,
    PinnedModelMismatchError,
    TrialbookError,
)
from trialbook.registry.names import METADATA_FILE, parse_runs_uri

if TYPE_CHECKING:
    from trialbook.models.signature import ModelSignature
    from trialbook.registry.entities import ModelVersion

FORMAT_VERSION = 1


@dataclass(frozen=True)
class ModelInfo:
    """What :func:`log_model` stored (and the registered version, when it registered one)."""

    model_uri: str
    run_id: str
    artifact_path: str
    flavor: str
    metadata: dict[str, Any]
    signature: ModelSignature | None = None
    registered_model_version: int | None = None

    @property
    def flavors(self) -> dict[str, Any]:
        """``{flavor: {}}``, the shape of MLflow's ``ModelInfo.flavors``."""
        return {self.flavor: {}}


@dataclass(frozen=True)
class LoadedModel:
    """A model loaded from its folder, with its metadata."""

    model: Any
    metadata: dict[str, Any]
    folder: Path

    @property
    def signature(self) -> ModelSignature | None:
        """The signature stored with the model, if any."""
        return signature_of(self.metadata)


def signature_of(metadata: dict[str, Any]) -> ModelSignature | None:
    """The :class:`ModelSignature` recorded in a model's metadata, or None."""
    from trialbook.models.signature import ModelSignature  # deferred: `import trialbook` stays lean

    recorded = metadata.get("signature")
    return ModelSignature.from_dict(recorded) if isinstance(recorded, dict) else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _flavor_for(model: Any, flavor: str | None) -> Any:
    from trialbook.plugins.manager import model_flavors

    flavors = model_flavors()
    if flavor is not None:
        for candidate in flavors:
            if candidate.name == flavor:
                return candidate
        known = ", ".join(f.name for f in flavors)
        raise TrialbookError(f"Unknown model flavor {flavor!r}; registered flavors: {known}.")
    for candidate in flavors:
        if candidate.handles(model):
            return candidate
    raise TrialbookError(f"No model flavor can save a {type(model).__name__}.")  # pragma: no cover


def save_model_folder(
    model: Any,
    folder: Path,
    flavor: str | None = None,
    extra: dict[str, Any] | None = None,
    *,
    signature: ModelSignature | None = None,
    input_example: Any = None,
) -> dict[str, Any]:
    """Save ``model`` into ``folder`` with its metadata; return the metadata.

    ``input_example`` (a few rows: DataFrame, array, dict or list) is saved as
    ``input_example.json``; without a ``signature`` the input schema is inferred from it.
    """
    from trialbook.models import byvalue, examples
    from trialbook.models.signature import ModelSignature, infer_schema

    chosen = _flavor_for(model, flavor)
    folder.mkdir(parents=True, exist_ok=True)
    with byvalue.recording() as by_value:
        chosen.save(model, folder)
    described: dict[str, Any] = {}
    if input_example is not None:
        example = examples.input_example(input_example, rows=examples.INPUT_EXAMPLE_ROWS)
        if example is None:
            raise TrialbookError(
                f"input_example must be a DataFrame, an array, a dict or a list of rows; got a "
                f"{type(input_example).__name__}."
            )
        described["input_example"] = examples.write_input_example(example, folder)
        if signature is None:
            signature = ModelSignature(infer_schema(input_example))
    if signature is not None:
        described["signature"] = signature.to_metadata()
    if by_value:
        described["by_value"] = by_value
    files = {
        p.relative_to(folder).as_posix(): {"sha256": _sha256(p), "size": p.stat().st_size}
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    cls = type(model)
    metadata: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "flavor": chosen.name,
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "python_version": platform.python_version(),
        "versions": chosen.versions(model),
        "files": files,
        "size": sum(f["size"] for f in files.values()),
        "created": int(time.time() * 1000),
        **described,
        **(extra or {}),
    }
    (folder / METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True))
    return metadata


def log_model(
    model: Any,
    name: str,
    *,
    flavor: str | None = None,
    run_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    registered_model_name: str | None = None,
) -> ModelInfo:
    """Save ``model`` under the artifact folder ``name`` of the active run (or ``run_id``).

    Args:
        model: The model; the first registered flavor that handles it saves it.
        name: The artifact folder, e.g. ``"model"``.
        flavor: A flavor's name, to choose it instead.
        run_id: The run (default: the active run, started if there is none).
        metadata: More fields for the model's metadata.
        signature: The model's inputs and outputs (:func:`trialbook.models.infer_signature`).
        input_example: A few input rows saved with the model (its input schema is inferred
            when ``signature`` is not given).
        registered_model_name: Also register the model as the next version of this name.
    """
    from trialbook.tracking import fluent
    from trialbook.tracking.client import TrackingClient

    artifact_path = clean_artifact_path(name)
    if not artifact_path:
        raise InvalidUriError(name, "log_model needs a non-empty name")
    run_id = run_id or fluent.current_run_id()
    client = TrackingClient()
    with tempfile.TemporaryDirectory(prefix="trialbook-model-") as tmp:
        folder = Path(tmp) / "model"
        recorded = save_model_folder(
            model,
            folder,
            flavor,
            {"run_id": run_id, "artifact_path": artifact_path, **(metadata or {})},
            signature=signature,
            input_example=input_example,
        )
        client.log_artifacts(run_id, folder, artifact_path)
    model_uri = f"runs:/{run_id}/{artifact_path}"
    registered = None
    if registered_model_name is not None:
        registered = client.register_model(model_uri, registered_model_name).version
    return ModelInfo(
        model_uri=model_uri,
        run_id=run_id,
        artifact_path=artifact_path,
        flavor=recorded["flavor"],
        metadata=recorded,
        signature=signature_of(recorded),
        registered_model_version=registered,
    )


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """Load a model logged with :func:`log_model`.

    ``model_uri`` is ``runs:/<run_id>/<name>``, a registered version (``models:/<name>/<version>``,
    ``models:/<name>@<alias>``, ``models:/<name>/latest``) or a local model folder.
    Trusted sources only: loading unpickles or imports code stored with the model.
    """
    return load_model_with_metadata(model_uri, dst_path).model


def load_model_with_metadata(model_uri: str, dst_path: str | None = None) -> LoadedModel:
    """Like :func:`load_model`, keeping the model's metadata and local folder."""
    if model_uri.startswith(("runs:/", "models:/")):
        from trialbook.tracking.client import TrackingClient

        client = TrackingClient()
        pinned: ModelVersion | None = None
        if model_uri.startswith("models:/"):
            pinned = client.get_model_version_by_uri(model_uri)
            run_id, path = pinned.run_id, pinned.artifact_path
        else:
            run_id, path = parse_runs_uri(model_uri)
        dst = dst_path or tempfile.mkdtemp(prefix="trialbook-model-")
        folder = Path(client.download_artifacts(run_id, path, dst))
        if pinned is not None:
            check_pinned_digest(folder, pinned)
    elif "://" not in model_uri and Path(model_uri).is_dir():
        folder = Path(model_uri)
    else:
        raise InvalidUriError(
            model_uri, "expected runs:/<run_id>/<name>, models:/<name>/<version> or a folder"
        )
    return load_folder(folder)


def check_pinned_digest(folder: Path, version: ModelVersion) -> None:
    """Refuse a downloaded model whose metadata differs from what ``version`` pinned."""
    if version.model_digest is None:
        warnings.warn(
            f"{version.model_uri} was registered before trialbook pinned model digests: "
            "nothing proves its files are the ones registered. Register it again to pin them.",
            UserWarning,
            stacklevel=3,
        )
        return
    meta_path = folder / METADATA_FILE
    actual = _sha256(meta_path) if meta_path.is_file() else "missing"
    if actual != version.model_digest:
        raise PinnedModelMismatchError(version.model_uri, version.model_digest, actual)


def load_model_folder(folder: Path) -> Any:
    """Load the model saved in ``folder`` after checking its files' hashes.

    Every file must be listed in the metadata with its sha256: a changed, missing or extra
    file raises :class:`ModelIntegrityError`.
    """
    return load_folder(folder).model


def load_folder(folder: Path) -> LoadedModel:
    """:func:`load_model_folder`, keeping the metadata."""
    meta_path = folder / METADATA_FILE
    if not meta_path.is_file():
        raise TrialbookError(
            f"{str(folder)!r} is not a trialbook model folder (no {METADATA_FILE})."
        )
    metadata = json.loads(meta_path.read_text())
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
        METADATA_FILE
    }
    extra = sorted(present - set(metadata["files"]))
    if extra:
        unlisted = "nothing (the file is not in the model's metadata)"
        raise ModelIntegrityError(extra[0], unlisted, _sha256(folder / extra[0]))
    for rel, recorded in metadata["files"].items():
        file = folder / clean_artifact_path(rel)
        actual = _sha256(file) if file.is_file() else "missing"
        if actual != recorded["sha256"]:
            raise ModelIntegrityError(rel, recorded["sha256"], actual)
    _warn_on_version_mismatch(metadata)
    from trialbook.plugins.manager import model_flavors

    for flavor in model_flavors():
        if flavor.name == metadata["flavor"]:
            return LoadedModel(flavor.load(folder, metadata), metadata, folder)
    raise TrialbookError(
        f"The model was saved by flavor {metadata['flavor']!r}, which no installed plugin "
        "provides; install the plugin (or trialbook extra) that registers it."
    )


def _warn_on_version_mismatch(metadata: dict[str, Any]) -> None:
    from importlib.metadata import PackageNotFoundError, version

    saved_python = ".".join(str(metadata.get("python_version", "")).split(".")[:2])
    running_python = ".".join(platform.python_version().split(".")[:2])
    if saved_python and saved_python != running_python:
        warnings.warn(
            f"This model was saved with Python {saved_python}; loading it with {running_python}.",
            UserWarning,
            stacklevel=3,
        )
    for dist, saved in metadata.get("versions", {}).items():
        try:
            installed = version(dist)
        except PackageNotFoundError:
            installed = "not installed"
        if installed != saved:
            warnings.warn(
                f"This model was saved with {dist} {saved}; {installed} is installed here. "
                "It may load or predict differently.",
                UserWarning,
                stacklevel=3,
            )
