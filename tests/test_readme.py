"""README.md tells the truth: its Python blocks run as written, its top commands are CI's.

A Python block runs in a fresh folder with the default store (``./.trialbook``), in a
subprocess of its own. A block that cannot run there (it needs a server, say) starts with the
visible line ``# not run by tests/test_readme.py: <why>``; the test skips it and says why.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
NOT_RUN = "# not run by tests/test_readme.py:"
BLOCK_TIMEOUT_SECONDS = 300

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def fenced_blocks(text: str, language: str) -> list[tuple[int, str]]:
    """Every fenced block of ``language`` in ``text``, with the line its fence opens on."""
    return [
        (text.count("\n", 0, match.start()) + 1, match.group(2))
        for match in _FENCE.finditer(text)
        if match.group(1) == language
    ]


PYTHON_BLOCKS = fenced_blocks(README.read_text(encoding="utf-8"), "python")


def test_the_readme_has_python_blocks_to_run() -> None:
    assert len(PYTHON_BLOCKS) >= 3


def test_fenced_blocks_finds_each_block_with_its_line() -> None:
    text = "intro\n```python\nx = 1\n```\n\n```bash\nls\n```\n```python\ny = 2\n```\n"

    assert fenced_blocks(text, "python") == [(2, "x = 1\n"), (9, "y = 2\n")]


@pytest.mark.slow
@pytest.mark.parametrize(
    "code", [code for _, code in PYTHON_BLOCKS], ids=[f"line{line}" for line, _ in PYTHON_BLOCKS]
)
def test_readme_python_block_runs_as_written(code: str, tmp_path: Path) -> None:
    if code.startswith(NOT_RUN):
        pytest.skip(code.splitlines()[0][len(NOT_RUN) :].strip())
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIALBOOK_")}
    folder = tmp_path / "fresh"
    folder.mkdir()

    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_SECONDS,
    )

    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"


def top_commands() -> list[str]:
    """The commands of the README's first shell block: the demo's and the test suite's."""
    (_, block), *_ = fenced_blocks(README.read_text(encoding="utf-8"), "bash")
    return [line for line in block.splitlines() if line.strip()]


def test_the_readme_starts_with_two_commands_the_demo_and_the_tests() -> None:
    demo, tests = top_commands()

    assert shlex.split(demo)[-1] == "demo"
    assert shlex.split(tests)[-1] == "tests"


def test_the_top_commands_never_pip_install_outside_the_clones_venv() -> None:
    """A PEP 668 Python (Debian's, Ubuntu's) refuses `python3 -m pip install`."""
    for command in top_commands():
        assert "pip" not in command
        assert shlex.split(command)[:2] == ["python3", "dev.py"]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _, tests = top_commands()
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()

    assert tests in ci_lines
