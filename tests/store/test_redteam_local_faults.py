"""Red-team finding 8 of issue 12, local faults: a full disk, a read-only store folder.

A full disk is simulated at the system calls (``os.write``, ``os.sendfile``) everywhere, and
is real on a small tmpfs where the tests may mount one (root, where the container allows it).
A read-only folder is a ``chmod``; the process that meets it runs without capabilities, so
the mode bits hold for root as well.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import trialbook
from trialbook.entities import RunStatus
from trialbook.errors import ArtifactWriteError, StoreError, StoreUnavailableError

_NO_SPACE = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _mount(*args: str) -> None:
    """Mount, or skip: a container may deny mounts even to root.

    The simulated full disk above covers the same code paths; this one only adds a real one.
    """
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({result.stderr.strip()})")


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to make every file write from now on stop with ENOSPC after a first part."""

    def fill() -> None:
        real_write, real_sendfile = os.write, os.sendfile
        started: set[int] = set()

        def write(fd: int, data: Any) -> int:
            if fd in started:
                raise _NO_SPACE
            started.add(fd)
            return real_write(fd, bytes(memoryview(data)[: max(1, len(data) // 2)]))

        def sendfile(out_fd: int, in_fd: int, offset: int | None, count: int) -> int:
            if out_fd in started:
                raise _NO_SPACE
            started.add(out_fd)
            return real_sendfile(out_fd, in_fd, offset, max(1, count // 2))

        monkeypatch.setattr(os, "write", write)
        monkeypatch.setattr(os, "sendfile", sendfile)

    return fill


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _log_text(text_size: int) -> Callable[[Path], None]:
    return lambda _tmp: trialbook.log_text("x" * text_size, "notes/out.txt")


def _log_dict(_tmp: Path) -> None:
    trialbook.log_dict({"k": list(range(1000))}, "notes/out.json")


def _log_big_file(tmp: Path) -> None:
    big = tmp / "model.bin"
    big.write_bytes(os.urandom(3 << 20))  # past the sharing limit: copied, not linked
    trialbook.log_artifact(big, "notes")


@pytest.mark.parametrize(
    "log",
    [_log_text(100), _log_text(2 << 20), _log_dict, _log_big_file],
    ids=["small text", "large text", "dict", "large file"],
)
def test_a_full_disk_keeps_nothing_of_an_artifact_and_ends_the_run_failed(
    log: Callable[[Path], None], full_disk: Callable[[], None], tmp_path: Path
) -> None:
    before: list[str] = []
    started: list[str] = []

    def log_in_a_run() -> None:
        with trialbook.start_run() as run:
            started.append(run.info.run_id)
            trialbook.flush()  # The reproducibility capture writes its own files first.
            before.extend(_files(tmp_path / "store"))
            full_disk()
            log(tmp_path)

    with pytest.raises(ArtifactWriteError, match=r"No space left on device.*free space") as caught:
        log_in_a_run()
    assert caught.value.errno == errno.ENOSPC
    client = trialbook.TrackingClient()
    assert client.get_run(started[0]).info.status is RunStatus.FAILED
    assert "notes" not in [f.path for f in client.list_artifacts(started[0])]
    assert _files(tmp_path / "store") == before  # No part, no temporary file, no blob.


def test_a_run_end_the_store_cannot_record_is_recorded_by_the_next_flush(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trialbook.tracking.tracker import get_tracker

    run = trialbook.start_run()
    store = get_tracker(trialbook.get_tracking_uri()).store

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise StoreUnavailableError("The database is unavailable: database or disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(store, "update_run", disk_full)
        with pytest.raises(StoreUnavailableError, match="disk is full"):
            trialbook.end_run()
    assert store.get_run(run.info.run_id).info.status is RunStatus.RUNNING
    trialbook.flush()  # Space is back (at exit, or the background writer's next turn).
    assert store.get_run(run.info.run_id).info.status is RunStatus.FINISHED


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs: a disk that really fills up."""
    folder = tmp_path / "disk"
    folder.mkdir()
    _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        _unmount(folder)


def test_a_really_full_disk_leaves_no_artifact_and_no_running_run(small_disk: Path) -> None:
    trialbook.set_tracking_uri(str(small_disk / "store"))
    filler = small_disk / "filler"
    started: list[str] = []

    def fill_the_disk_in_a_run() -> None:
        with trialbook.start_run() as run:
            started.append(run.info.run_id)
            trialbook.log_param("kept", "1")
            trialbook.flush()
            with filler.open("wb") as handle, contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
            with pytest.raises(ArtifactWriteError, match="No space left on device"):
                trialbook.log_text("x" * 100, "notes/out.txt")
            trialbook.log_metric("lost or late", 1.0)

    with pytest.raises(StoreError, match="disk is full"):
        fill_the_disk_in_a_run()
    filler.unlink()  # Space is back: the next flush records the run's end.
    trialbook.flush()
    client = trialbook.TrackingClient()
    ended = client.get_run(started[0])
    assert ended.info.status is RunStatus.FINISHED  # The artifact's error was handled.
    assert ended.data.params == {"kept": "1"}
    assert "notes" not in [f.path for f in client.list_artifacts(started[0])]
    assert [f for f in _files(small_disk) if f.endswith(".tmp") or "out.txt" in f] == []


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """Take the write bits off ``folder`` (``_run_in`` makes them hold for root too)."""
    mode = folder.stat().st_mode
    folder.chmod(0o555)
    try:
        yield
    finally:
        folder.chmod(mode)


def _without_privileges() -> list[str]:
    """A command prefix under which mode bits hold, root included.

    Root writes any folder whatever its mode, through its capabilities (``CAP_DAC_OVERRIDE``
    and friends). ``setpriv`` (util-linux, in every Debian) drops them all for the child, so a
    read-only folder is read-only to it, without the mount privileges a container may lack.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("setpriv (util-linux) is needed to test a read-only folder as root")
    return [setpriv, "--inh-caps=-all", "--bounding-set=-all", "--"]


def _run_in(folder: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a new process (no file open from before) on the store in ``folder``."""
    env = {**os.environ, "TRIALBOOK_TRACKING_URI": str(folder)}
    return subprocess.run(
        [*_without_privileges(), sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


_START_A_RUN = "import trialbook; trialbook.start_run(); trialbook.log_param('p', '1')"


def _last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def test_a_new_store_in_a_read_only_folder_says_what_to_do(tmp_path: Path) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    with _read_only(folder):
        result = _run_in(folder, _START_A_RUN)
    assert result.returncode != 0
    assert _last_line(result.stderr) == (
        f"trialbook.errors.StoreError: Cannot write the folder of the store database "
        f"{folder / 'trialbook.db'} ({os.strerror(errno.EACCES)}). trialbook needs to write "
        "the database and its folder (SQLite keeps -wal and -shm files beside it): fix the "
        "permissions, or point TRIALBOOK_TRACKING_URI at a writable folder."
    )


def test_an_existing_store_in_a_read_only_folder_says_what_to_do(tmp_path: Path) -> None:
    folder = tmp_path / "readonly"
    assert _run_in(folder, _START_A_RUN).returncode == 0
    with _read_only(folder):
        result = _run_in(folder, _START_A_RUN)
    assert result.returncode != 0
    assert _last_line(result.stderr).startswith(
        f"trialbook.errors.StoreError: Cannot write the store database {folder / 'trialbook.db'}"
    )
    assert _last_line(result.stderr).endswith(
        "fix the permissions, or point TRIALBOOK_TRACKING_URI at a writable folder."
    )


_LOG_INTO_A_READ_ONLY_ARTIFACTS_FOLDER = """
import os, sys, trialbook
from trialbook.errors import ArtifactWriteError
with trialbook.start_run() as run:
    trialbook.flush()
    for folder, _, _ in os.walk(os.path.join(sys.argv[1], "artifacts")):
        os.chmod(folder, 0o555)
    try:
        trialbook.log_text("x", "notes/out.txt")
    except ArtifactWriteError as error:
        print(error.errno, error)
print(trialbook.TrackingClient().get_run(run.info.run_id).info.status.value)
"""


def test_a_read_only_artifacts_folder_says_what_to_do(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    result = _run_in(
        folder, _LOG_INTO_A_READ_ONLY_ARTIFACTS_FOLDER.replace("sys.argv[1]", repr(str(folder)))
    )
    for inner in [folder / "artifacts", *(folder / "artifacts").rglob("*")]:
        if inner.is_dir():
            inner.chmod(0o755)
    assert result.returncode == 0, result.stderr
    caught, status = result.stdout.strip().splitlines()
    assert caught.startswith(f"{errno.EACCES} ")
    assert "fix its permissions" in caught
    assert status == RunStatus.FINISHED.value
