"""Processes registering versions of one model at once get distinct, consecutive numbers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import trialbook

WORKERS = 4
REGISTRATIONS = 8

WORKER = textwrap.dedent(
    f"""
    import sys
    import trialbook

    for _ in range({REGISTRATIONS}):
        print(trialbook.register_model(sys.argv[1], "shared").version, flush=True)
    """
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_uri(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A new, empty store of each SQL backend, set for this process and its children."""
    if request.param == "sqlite":
        uri = str(tmp_path / "store")
    else:
        uri = request.getfixturevalue("fresh_postgres_uri")
    monkeypatch.setenv("TRIALBOOK_TRACKING_URI", uri)
    monkeypatch.setenv("TRIALBOOK_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    monkeypatch.setenv("TRIALBOOK_DISABLE_CONTEXT", "1")
    return uri


def test_concurrent_registrations_get_distinct_consecutive_versions(store_uri: str) -> None:
    with trialbook.start_run():
        info = trialbook.log_model({"weights": [1]}, "model")
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, info.model_uri],
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    numbers: list[int] = []
    for process in workers:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err
        numbers.extend(int(line) for line in out.split())

    assert sorted(numbers) == list(range(1, WORKERS * REGISTRATIONS + 1))
    found = trialbook.TrackingClient().search_model_versions("name = 'shared'")
    assert sorted(v.version for v in found) == sorted(numbers)
