"""Identical small artifact files stored once: content-addressed blobs, hard-linked into runs.

::

    blobs = blob_folder("/store/artifacts/1/3f2a.../artifacts")   # "/store/artifacts/1/.blobs"
    write_bytes("/store/artifacts/1/3f2a.../artifacts/reproducibility/requirements.txt",
                data, blobs)
    used = blobs_of("/store/artifacts/1/3f2a.../artifacts", blobs)  # then delete the run's files
    delete_unused(used)

A run's artifacts live in ``<experiment location>/<run id>/artifacts``. Beside the runs,
``<experiment location>/.blobs/<sha256 of the content>`` holds one copy of each small file
(up to :data:`SHARE_MAX_BYTES`), and a run's file is a hard link to that blob: a thousand runs
logging the same ``requirements.txt`` or estimator HTML store its bytes once. Every reader
(listing, download, the UI, the server, ``sync``) sees ordinary files. A blob's link count
says whether any run still uses it: after a run's files are deleted, :func:`delete_unused`
deletes the blobs (of :func:`blobs_of`) that only that run used. Writes always replace a file (temporary file, then rename), never write into it, so
writing one run's file can never change another run's.

Sharing needs a local filesystem with hard links; anywhere else (``s3://``, a filesystem that
refuses links, a root not laid out as above) files are written as plain files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

SHARE_MAX_BYTES = 1 << 20
"""Files up to this size are shared; larger ones (models, checkpoints) are rarely identical."""

BLOB_FOLDER = ".blobs"
"""The folder of blobs, beside the run folders of an experiment."""


def blob_folder(root: str) -> str | None:
    """The blob folder for a run's local artifact root, or None when the root is laid out otherwise."""
    if os.path.basename(root) != "artifacts":
        return None
    return os.path.join(os.path.dirname(os.path.dirname(root)), BLOB_FOLDER)


def write_bytes(target: str, data: bytes, blobs: str | None) -> None:
    """Write ``data`` as the file ``target``, sharing it with identical files when small."""
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    temporary = _temporary(target)
    try:
        if blobs is None or len(data) > SHARE_MAX_BYTES or not _link_blob(blobs, data, temporary):
            _write_new(temporary, data)
        os.replace(temporary, target)
    finally:
        _remove(temporary)


def write_file(target: str, source: Path, blobs: str | None) -> None:
    """Copy the local file ``source`` to ``target``, sharing it with identical files when small."""
    if blobs is not None and source.stat().st_size <= SHARE_MAX_BYTES:
        write_bytes(target, source.read_bytes(), blobs)
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    temporary = _temporary(target)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        _remove(temporary)


def adopt(target: str, blobs: str | None) -> None:
    """Share the file just moved to ``target`` (an upload) with identical files, when small."""
    if blobs is None:
        return
    try:
        if os.stat(target).st_size > SHARE_MAX_BYTES:
            return
        data = Path(target).read_bytes()
    except OSError:
        return
    blob = os.path.join(blobs, _digest(data))
    temporary = _temporary(target)
    try:
        os.link(blob, temporary)
    except FileNotFoundError:  # The first of its kind: it becomes the blob.
        try:
            os.makedirs(blobs, exist_ok=True)
            os.link(target, blob)
        except OSError:
            pass  # Stays a plain file.
        return
    except OSError:
        return  # No hard links here.
    try:
        if os.stat(temporary).st_size == len(data):
            os.replace(temporary, target)
    finally:
        _remove(temporary)


def blobs_of(root: str, blobs: str | None) -> list[str]:
    """The blobs that the files under ``root`` link to (before deleting those files).

    Only files linked elsewhere too are read (to find their blob by content).
    """
    if blobs is None or not os.path.isdir(blobs):
        return []
    found = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            try:
                info = os.stat(path)
                if info.st_nlink < 2 or info.st_size > SHARE_MAX_BYTES:
                    continue
                blob = os.path.join(blobs, _digest(Path(path).read_bytes()))
                if os.path.samefile(path, blob):
                    found.append(blob)
            except OSError:
                continue  # Gone meanwhile, or not a blob: nothing to release.
    return found


def delete_unused(blobs: list[str]) -> None:
    """Delete the blobs among ``blobs`` that no run links to any more (link count 1)."""
    for blob in blobs:
        try:
            if os.stat(blob).st_nlink == 1:
                os.unlink(blob)
        except OSError:
            continue  # Deleted by another process meanwhile.
    for folder in {os.path.dirname(blob) for blob in blobs}:
        try:
            os.rmdir(folder)  # Only succeeds once the last blob is gone.
        except OSError:
            pass


def sweep(location: str) -> int:
    """Delete the blobs of an experiment folder that no run links to; return how many.

    :func:`delete_unused` does this as runs are deleted; a sweep also catches blobs left by a
    process that died between deleting a run's files and its blobs, or by hand deletions.
    """
    blobs = os.path.join(location, BLOB_FOLDER)
    try:
        names = os.listdir(blobs)
    except OSError:
        return 0
    paths = [os.path.join(blobs, name) for name in names if not name.startswith(".")]
    unused = [path for path in paths if _links(path) == 1]
    delete_unused(unused)
    return len(unused)


def _links(path: str) -> int:
    try:
        return os.stat(path).st_nlink
    except OSError:
        return 0


def _link_blob(blobs: str, data: bytes, temporary: str) -> bool:
    """Make ``temporary`` a link to the blob of ``data`` (creating the blob); False if unshareable."""
    blob = os.path.join(blobs, _digest(data))
    try:
        os.link(blob, temporary)
    except FileNotFoundError:
        pass  # No such blob yet: create it below.
    except OSError:
        return False  # No hard links here (another filesystem, or none supported).
    else:
        if os.stat(temporary).st_size == len(data):
            return True
        os.unlink(temporary)  # A blob altered by hand: never link to it.
        return False
    _write_new(temporary, data)
    try:
        os.makedirs(blobs, exist_ok=True)
        os.link(temporary, blob)
    except FileExistsError:
        pass  # Another writer stored the same bytes first.
    except OSError:
        pass  # Cannot share: ``temporary`` is a plain file, which is fine.
    return True


def _write_new(path: str, data: bytes) -> None:
    """Write ``data`` to the new file ``path``; an error (a full disk) leaves the part for the
    caller to remove."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _temporary(target: str) -> str:
    folder, name = os.path.split(target)
    return os.path.join(folder, f".{name}.{uuid.uuid4().hex}.tmp")


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
