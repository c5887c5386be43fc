"""Identical small artifact files of different runs are stored once, as hard links to a blob."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import trialbook
from trialbook.artifacts import shared
from trialbook.cli.main import cli
from trialbook.transfer.sync import sync

TEXT = "numpy==2.0.0\nscikit-learn==1.5.0\n" * 20


@pytest.fixture(autouse=True)
def no_context_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the files each test logs (the capture test turns it back on)."""
    monkeypatch.setenv("TRIALBOOK_DISABLE_CONTEXT", "1")


def run_with_text(text: str = TEXT, path: str = "env/requirements.txt") -> str:
    with trialbook.start_run() as run:
        trialbook.log_text(text, path)
    return run.info.run_id


def local_file(run_id: str, path: str) -> Path:
    return Path(trialbook.get_run(run_id).info.artifact_uri, path)


def blobs_of_experiment(run_id: str) -> list[Path]:
    folder = local_file(run_id, "").parent.parent / shared.BLOB_FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def gc() -> None:
    result = CliRunner().invoke(cli, ["gc"])
    assert result.exit_code == 0, result.output


def test_identical_files_of_two_runs_are_one_file_on_disk() -> None:
    first, second = run_with_text(), run_with_text()
    path = "env/requirements.txt"
    assert os.path.samefile(local_file(first, path), local_file(second, path))
    assert len(blobs_of_experiment(first)) == 1


def test_different_contents_are_stored_apart() -> None:
    first, second = run_with_text("a"), run_with_text("b")
    path = "env/requirements.txt"
    assert not os.path.samefile(local_file(first, path), local_file(second, path))


def test_a_shared_file_reads_back_identical_bytes(tmp_path: Path) -> None:
    first, second = run_with_text(), run_with_text()
    client = trialbook.TrackingClient()
    for run_id in (first, second):
        [listed] = client.list_artifacts(run_id, "env")
        assert (listed.path, listed.size) == ("env/requirements.txt", len(TEXT.encode()))
        folder = client.download_artifacts(run_id, "env", str(tmp_path / run_id))
        assert Path(folder, "requirements.txt").read_text() == TEXT


def test_rewriting_a_shared_file_leaves_the_other_runs_copy_unchanged() -> None:
    first, second = run_with_text(), run_with_text()
    client = trialbook.TrackingClient()
    client.log_text(first, "rewritten", "env/requirements.txt")
    assert local_file(first, "env/requirements.txt").read_text() == "rewritten"
    assert local_file(second, "env/requirements.txt").read_text() == TEXT


def test_a_copied_local_file_is_shared_like_logged_text(tmp_path: Path) -> None:
    source = tmp_path / "config.yaml"
    source.write_text("lr: 0.1\n")
    run_ids = []
    for _ in range(2):
        with trialbook.start_run() as run:
            trialbook.log_artifact(source)
        run_ids.append(run.info.run_id)
    assert os.path.samefile(*(local_file(r, "config.yaml") for r in run_ids))


def test_files_above_the_size_limit_are_not_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared, "SHARE_MAX_BYTES", 10)
    first, second = run_with_text(), run_with_text()
    path = "env/requirements.txt"
    assert not os.path.samefile(local_file(first, path), local_file(second, path))
    assert local_file(second, path).read_text() == TEXT


def test_gc_keeps_a_shared_blob_until_its_last_run_is_purged() -> None:
    first, second = run_with_text(), run_with_text()
    [blob] = blobs_of_experiment(first)
    client = trialbook.TrackingClient()
    client.delete_run(first)
    gc()
    assert blob.read_text() == TEXT
    assert local_file(second, "env/requirements.txt").read_text() == TEXT
    client.delete_run(second)
    gc()
    assert not blob.exists()
    assert not blob.parent.exists()


def test_reproducibility_requirements_are_shared_by_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRIALBOOK_DISABLE_CONTEXT")
    run_ids = []
    for _ in range(3):
        with trialbook.start_run() as run:
            pass
        run_ids.append(run.info.run_id)
    trialbook.flush()
    files = [local_file(r, "reproducibility/requirements.txt") for r in run_ids]
    assert len({(f.stat().st_dev, f.stat().st_ino) for f in files}) == 1


def test_sync_copies_shared_files_byte_for_byte_and_shares_them_again(
    tmp_path: Path,
) -> None:
    first, second = run_with_text(), run_with_text()
    source = trialbook.get_tracking_uri()
    target = str(tmp_path / "copy")
    sync(source, target)
    trialbook.set_tracking_uri(target)
    copies = [local_file(r, "env/requirements.txt") for r in (first, second)]
    assert [c.read_text() for c in copies] == [TEXT, TEXT]
    assert os.path.samefile(*copies)


def test_gc_deletes_blobs_left_behind_by_an_interrupted_purge() -> None:
    gone, kept = run_with_text("left behind"), run_with_text()
    orphan = next(b for b in blobs_of_experiment(gone) if b.read_text() == "left behind")
    shutil.rmtree(local_file(gone, "").parent)  # the files went, the blob stayed
    gc()
    assert not orphan.exists()
    assert local_file(kept, "env/requirements.txt").read_text() == TEXT
    assert len(blobs_of_experiment(kept)) == 1
