"""A pytest plugin that runs any test suite with ``trialbook.autolog()`` turned on.

::

    pytest -p trialbook.testing.harm --pyargs sklearn.tests.test_pipeline

Loading the plugin is what turns autologging on: in the pytest process and, with
pytest-xdist, in every worker (workers load the same ``-p`` plugins). Each process logs into
a store of its own in a temporary folder, removed at the end (``--trialbook-store DIR`` keeps
the stores, one sub-folder per process, for inspection). Autologging runs with trialbook's
defaults except two settings: ``strict=False`` and ``silent=True``, exactly what a user gets
who does not ask for strictness or warnings, so a test sees only what autologging changes in
training itself. Run the same suite without the plugin and compare the two reports with
:mod:`trialbook.testing.outcomes`: any difference is a harm.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

STORE_OPTION = "--trialbook-store"
TRACKING_URI_ENV = "TRIALBOOK_TRACKING_URI"

_created: Path | None = None
"""The temporary store folder this process created (removed at the end)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--trialbook-store``."""
    parser.getgroup("trialbook").addoption(
        STORE_OPTION,
        metavar="DIR",
        default=None,
        help="keep autolog's stores in DIR (one sub-folder per process) instead of a "
        "temporary folder removed at the end",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Point this process at a store of its own and turn autologging on."""
    global _created
    import trialbook

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    keep = config.getoption(STORE_OPTION)
    if keep is None:
        _created = Path(tempfile.mkdtemp(prefix=f"trialbook-harm-{worker}-"))
        store = _created / "store"
    else:
        store = Path(keep).resolve() / worker
    os.environ[TRACKING_URI_ENV] = str(store)
    trialbook.set_tracking_uri(str(store))
    trialbook.autolog(strict=False, silent=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Turn autologging off, end what it left open, write what is pending, remove the store."""
    global _created
    import trialbook
    from trialbook.tracking import fluent

    trialbook.autolog(disable=True)
    fluent.reset()
    created, _created = _created, None
    if created is not None:
        shutil.rmtree(created, ignore_errors=True)
