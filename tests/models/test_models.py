"""log_model / load_model: round trip, integrity checks and version warnings."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

import trialbook


class Doubler:
    def predict(self, values: list[float]) -> list[float]:
        return [v * 2 for v in values]


def test_logged_model_loads_and_behaves_the_same() -> None:
    with trialbook.start_run():
        info = trialbook.log_model(Doubler(), "model")
    loaded = trialbook.load_model(info.model_uri)
    assert loaded.predict([1.0, 2.5]) == Doubler().predict([1.0, 2.5])
    assert info.model_uri == f"runs:/{info.run_id}/model"


def test_model_metadata_records_class_hash_and_versions() -> None:
    with trialbook.start_run():
        info = trialbook.log_model(Doubler(), "model")
    meta = info.metadata
    assert meta["class"].endswith("Doubler")
    assert meta["flavor"] == "pickle"
    assert len(meta["files"]["model.pkl"]["sha256"]) == 64
    assert meta["size"] == meta["files"]["model.pkl"]["size"]
    assert meta["python_version"].count(".") == 2


def test_tampered_model_is_refused() -> None:
    with trialbook.start_run():
        info = trialbook.log_model(Doubler(), "model")
    root = Path(trialbook.get_run(info.run_id).info.artifact_uri)
    with open(root / "model" / "model.pkl", "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(trialbook.ModelIntegrityError, match="sha256"):
        trialbook.load_model(info.model_uri)


def test_version_mismatch_warns(tmp_path: Path) -> None:
    with trialbook.start_run():
        info = trialbook.log_model({"weights": [1, 2]}, "model")
    local = Path(trialbook.TrackingClient().download_artifacts(info.run_id, "model", str(tmp_path)))
    meta_path = local / "trialbook-model.json"
    meta = json.loads(meta_path.read_text())
    meta["python_version"] = "2.7.18"
    meta["versions"] = {"pytest": "0.0.1"}
    meta_path.write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match="saved with") as caught:
        assert trialbook.load_model(str(local)) == {"weights": [1, 2]}
    messages = [str(w.message) for w in caught]
    assert any("Python 2.7" in m for m in messages)
    assert any("pytest 0.0.1" in m for m in messages)


@pytest.mark.parametrize("uri", ["runs:/", "runs:/abc", "s3://bucket/model", "models:/missing"])
def test_malformed_model_uris_raise(uri: str) -> None:
    with pytest.raises(trialbook.InvalidUriError):
        trialbook.load_model(uri)


def test_unpicklable_model_raises_and_the_run_goes_on() -> None:
    with trialbook.start_run() as run:
        with pytest.raises((TypeError, AttributeError)):
            trialbook.log_model(threading.Lock(), "model")  # locks never pickle
        trialbook.log_metric("after", 1.0)
    assert trialbook.get_run(run.info.run_id).data.metrics == {"after": 1.0}
