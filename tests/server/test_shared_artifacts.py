"""Through a server, identical small artifact files of different runs are stored once too."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import trialbook
from trialbook.artifacts import shared
from trialbook.cli.main import cli

TEXT = "shared through the server\n" * 50


@pytest.fixture(autouse=True)
def no_context_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALBOOK_DISABLE_CONTEXT", "1")


def stored_file(live_server: Any, run_id: str, path: str) -> Path:
    [folder] = Path(live_server.artifacts_destination).rglob(run_id)
    return folder / "artifacts" / path


def test_identical_uploads_share_one_file_and_download_intact(
    server_uri: str, live_server: Any, tmp_path: Path
) -> None:
    run_ids = []
    for _ in range(2):
        with trialbook.start_run() as run:
            trialbook.log_text(TEXT, "notes/same.txt")
        run_ids.append(run.info.run_id)
    first, second = (stored_file(live_server, r, "notes/same.txt") for r in run_ids)
    assert os.path.samefile(first, second)
    client = trialbook.TrackingClient()
    for run_id in run_ids:
        folder = client.download_artifacts(run_id, "notes", str(tmp_path / run_id))
        assert Path(folder, "same.txt").read_text() == TEXT


def test_gc_through_the_server_keeps_a_blob_its_other_run_uses(
    server_uri: str, live_server: Any
) -> None:
    text = TEXT + "gc\n"
    run_ids = []
    for _ in range(2):
        with trialbook.start_run() as run:
            trialbook.log_text(text, "same.txt")
        run_ids.append(run.info.run_id)
    kept = stored_file(live_server, run_ids[1], "same.txt")
    [blob] = [
        b for b in (kept.parent.parent.parent / shared.BLOB_FOLDER).iterdir() if b.samefile(kept)
    ]
    client = trialbook.TrackingClient()
    client.delete_run(run_ids[0])
    result = CliRunner().invoke(cli, ["--tracking-uri", server_uri, "gc"])
    assert result.exit_code == 0, result.output
    downloaded = client.download_artifacts(run_ids[1], "same.txt", str(kept.parent.parent))
    assert Path(downloaded).read_text() == text
    assert blob.exists()
    client.delete_run(run_ids[1])
    result = CliRunner().invoke(cli, ["--tracking-uri", server_uri, "gc"])
    assert result.exit_code == 0, result.output
    assert not blob.exists()
