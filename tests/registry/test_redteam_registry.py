"""Red-team finding 3 of issue 12: a registered model could be swapped under its version.

Anyone with write access could overwrite ``model.pkl`` and its metadata (hashes included),
and the next ``load_model("models:/name/1")`` ran their code. Now a version pins the digest
of its model's metadata, ``load_model`` checks it, and a registered model's folder is
write-once, locally and through a server.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import trialbook
from trialbook.errors import ModelIntegrityError, PinnedModelMismatchError, WriteOnceArtifactError
from trialbook.models.store import METADATA_FILE, ModelInfo


def _forged_model(folder: Path, payload: Any) -> Path:
    """A model folder holding ``payload``, with metadata whose hashes match it."""
    folder.mkdir(parents=True)
    data = pickle.dumps(payload)
    (folder / "model.pkl").write_bytes(data)
    metadata = json.loads((folder.parent / "original" / METADATA_FILE).read_text())
    metadata["files"]["model.pkl"] = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }
    (folder / METADATA_FILE).write_text(json.dumps(metadata))
    return folder


def _registered(
    client: trialbook.TrackingClient, logged_model: Callable[..., ModelInfo]
) -> tuple[ModelInfo, Path]:
    info = logged_model({"weights": [1, 2]})
    trialbook.register_model(info.model_uri, "fraud")
    original = Path(client.download_artifacts(info.run_id, "model"))
    return info, original


def test_writes_into_a_registered_model_folder_are_refused(
    client: trialbook.TrackingClient, logged_model: Callable[..., ModelInfo], tmp_path: Path
) -> None:
    info, original = _registered(client, logged_model)
    original.rename(original.parent / "original")
    forged = _forged_model(original.parent / "forged", {"weights": "attacker"})
    with pytest.raises(WriteOnceArtifactError, match="write-once"):
        client.log_artifact(info.run_id, forged / "model.pkl", "model")
    with pytest.raises(WriteOnceArtifactError):
        client.log_artifacts(info.run_id, forged, "model")
    with pytest.raises(WriteOnceArtifactError):
        client.log_text(info.run_id, "{}", f"model/sub/{METADATA_FILE}")
    assert client.log_text(info.run_id, "fine", "model-notes/readme.txt") == (
        "model-notes/readme.txt"
    )
    assert trialbook.load_model("models:/fraud/1") == {"weights": [1, 2]}


def test_a_model_swapped_behind_the_registry_is_refused_on_load(
    client: trialbook.TrackingClient,
    logged_model: Callable[..., ModelInfo],
    request: pytest.FixtureRequest,
) -> None:
    info, original = _registered(client, logged_model)
    original.rename(original.parent / "original")
    forged = _forged_model(original.parent / "forged", {"weights": "attacker"})
    # The attacker reaches the files directly (a shared disk, a bucket), not through the API.
    uri = client.get_run(info.run_id).info.artifact_uri
    if uri.startswith("trialbook-artifacts:"):
        server = request.getfixturevalue("registry_server")
        root = Path(server.artifacts_destination)
        artifacts = root / uri.removeprefix("trialbook-artifacts:").lstrip("/")
    else:
        artifacts = Path(uri.removeprefix("file://"))
    for name in ("model.pkl", METADATA_FILE):
        (artifacts / "model" / name).write_bytes((forged / name).read_bytes())
    assert trialbook.load_model(info.model_uri) == {"weights": "attacker"}  # runs:/ pins nothing
    with pytest.raises(PinnedModelMismatchError, match="models:/fraud/1"):
        trialbook.load_model("models:/fraud/1")


def test_a_version_records_the_digest_of_its_model(
    client: trialbook.TrackingClient, logged_model: Callable[..., ModelInfo]
) -> None:
    _, original = _registered(client, logged_model)
    digest = hashlib.sha256((original / METADATA_FILE).read_bytes()).hexdigest()
    assert client.get_model_version("fraud", 1).model_digest == digest


def test_a_file_the_metadata_does_not_list_is_refused(tmp_path: Path) -> None:
    from trialbook.models.store import load_model_folder, save_model_folder

    folder = tmp_path / "model"
    save_model_folder({"weights": [1]}, folder)
    (folder / "sitecustomize.py").write_text("raise SystemExit('owned')")
    with pytest.raises(ModelIntegrityError, match=r"sitecustomize\.py"):
        load_model_folder(folder)
