"""`.ci/throwaway-postgres.sh` gives a command a PostgreSQL cluster of its own, then removes it."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / ".ci" / "throwaway-postgres.sh"
PROBE = """
import os, sqlalchemy as sa
uri = os.environ["TRIALBOOK_TEST_POSTGRES_URI"]
engine = sa.create_engine(uri, poolclass=sa.NullPool)
with engine.connect() as conn:
    print(uri, conn.execute(sa.text("SHOW fsync")).scalar())
"""


def has_initdb() -> bool:
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or shutil.which("initdb") is not None


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not has_initdb(), reason="needs PostgreSQL's initdb"),
    pytest.mark.skipif(sys.platform == "win32", reason="a bash script"),
]


def data_folder(stderr: str) -> Path:
    """The cluster's folder, from the script's "(data in <folder>, deleted afterwards)"."""
    match = re.search(r"\(data in (.+), deleted afterwards\)", stderr)
    assert match is not None, stderr
    return Path(match.group(1))


def test_the_command_gets_a_working_cluster_that_is_deleted_afterwards() -> None:
    pytest.importorskip("psycopg")
    env = {k: v for k, v in os.environ.items() if k != "TRIALBOOK_TEST_POSTGRES_URI"}

    done = subprocess.run(
        ["bash", str(SCRIPT), sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert done.returncode == 0, done.stderr
    uri, fsync = done.stdout.split()
    assert uri.startswith("postgresql+psycopg://trialbook:trialbook@127.0.0.1:")
    assert ":5432/" not in uri
    assert fsync == "off"
    assert not data_folder(done.stderr).exists()


def test_the_commands_exit_status_is_the_scripts() -> None:
    done = subprocess.run(
        ["bash", str(SCRIPT), "bash", "-c", "exit 3"],
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert done.returncode == 3, done.stderr
    assert not data_folder(done.stderr).exists()
