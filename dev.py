"""Run the project's nox sessions from a virtual environment of the clone's own, `./.venv`.

::

    python3 dev.py demo                 # nox -s demo: trialbook and the frameworks into ./.venv
    python3 dev.py tests                # nox -s tests: the whole test suite
    python3 dev.py tests -- -k registry # words after `--` go to the session (here pytest)
    python3 dev.py -l                   # arguments starting with `-` go to nox as they are

Works with any Python 3.10+ that has the standard `venv` module, including a distribution's
own interpreter that refuses `pip install` outside a virtual environment (PEP 668): it makes
`./.venv` once, installs nox into it once, then runs nox from it. Standard library only.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.resolve()
VENV = ROOT / ".venv"
NOX_REQUIREMENT = "nox>=2024.3.2"


def venv_script(venv: Path, name: str) -> Path:
    """The path of console script or interpreter ``name`` inside ``venv``."""
    if sys.platform == "win32":
        return venv / "Scripts" / f"{name}.exe"
    return venv / "bin" / name


def nox_arguments(args: list[str]) -> list[str]:
    """Turn ``dev.py`` arguments into nox's: leading words are session names."""
    if not args or args[0].startswith("-"):
        return args
    split = args.index("--") if "--" in args else len(args)
    return ["-s", *args[:split], *args[split:]]


def ensure_nox(venv: Path) -> Path:
    """Make ``venv`` with nox in it unless it is there already; return its python."""
    python = venv_script(venv, "python")
    if not python.exists():
        print(f"dev.py: creating {venv}", flush=True)
        existed = venv.exists()
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], check=False)
        if made.returncode != 0:
            if not existed:  # a venv without pip (Debian's python3 without python3-venv)
                shutil.rmtree(venv, ignore_errors=True)
            sys.exit(
                "dev.py: could not create a virtual environment. On Debian or Ubuntu install "
                "the venv module first: sudo apt install python3-venv"
            )
    if not venv_script(venv, "nox").exists():
        print(f"dev.py: installing {NOX_REQUIREMENT} into {venv}", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", NOX_REQUIREMENT], check=True
        )
    return python


def main() -> int:
    """Run nox from ./.venv with this script's arguments; return its exit status."""
    python = ensure_nox(VENV)
    command = [str(python), "-m", "nox", "-f", str(ROOT / "noxfile.py")]
    return subprocess.run([*command, *nox_arguments(sys.argv[1:])], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
