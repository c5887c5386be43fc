"""The package as users get it: the hand-written package list, the wheel, the import cost.

pyproject.toml maps `trialbook` to core/ and `trialbook.integrations` to integrations/ and
lists every package by hand. A package left off the list imports fine in an editable install
and is silently missing from the wheel; these tests catch that.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS: dict[str, Any] = PYPROJECT["tool"]["setuptools"]
PACKAGE_DIR: dict[str, str] = SETUPTOOLS["package-dir"]
LISTED_PACKAGES: list[str] = SETUPTOOLS["packages"]

# Files that must be in the wheel whatever else changes.
REQUIRED_IN_WHEEL = (
    "trialbook/__init__.py",
    "trialbook/py.typed",
    "trialbook/store/sql/migrations/env.py",
    "trialbook/store/sql/migrations/script.py.mako",
    "trialbook/integrations/__init__.py",
)
# `import trialbook` must not pay for any of these (nor their submodules).
HEAVY_MODULES = (
    "sqlalchemy",
    "alembic",
    "pandas",
    "numpy",
    "sklearn",
    "torch",
    "xgboost",
    "lightgbm",
    "lightning",
    "pytorch_lightning",
    "fsspec",
    "fastapi",
    "uvicorn",
    "plotly",
    "matplotlib",
)


def _is_junk(path: Path) -> bool:
    """Caches and hidden files, which are not part of the source tree."""
    return any(part == "__pycache__" or part.startswith(".") for part in path.parts) or (
        path.suffix in {".pyc", ".pyo"}
    )


def _source_roots() -> Iterator[tuple[str, Path]]:
    """(package name, folder) for each package-dir mapping."""
    for package, folder in PACKAGE_DIR.items():
        yield package, ROOT / folder


def _packages_in_tree() -> set[str]:
    """Dotted names of every folder holding an `__init__.py`."""
    found = set()
    for package, root in _source_roots():
        for init in root.rglob("__init__.py"):
            relative = init.parent.relative_to(root)
            if not _is_junk(relative):
                found.add(".".join((package, *relative.parts)))
    return found


def _files_in_tree() -> dict[str, Path]:
    """Every source and data file of the package, keyed by its path inside the wheel."""
    files = {}
    for package, root in _source_roots():
        for path in root.rglob("*"):
            relative = path.relative_to(root)
            if path.is_file() and not _is_junk(relative):
                files["/".join((*package.split("."), *relative.parts))] = path
    return files


def test_pyproject_lists_every_package_in_the_tree() -> None:
    listed, found = set(LISTED_PACKAGES), _packages_in_tree()
    assert listed == found, (
        f"add to [tool.setuptools] packages: {sorted(found - listed)}; "
        f"listed but not in the tree: {sorted(listed - found)}"
    )


def test_every_folder_with_modules_is_a_package() -> None:
    folders = set()
    for _, root in _source_roots():
        folders |= {p.parent for p in root.rglob("*.py") if not _is_junk(p.relative_to(root))}
    assert not sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").exists())


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Build a wheel from a copy of the source tree and list its files."""
    src = tmp_path_factory.mktemp("src")
    for path in ROOT.iterdir():
        if path.is_file() and not path.name.startswith("."):
            shutil.copy2(path, src / path.name)
    for folder in PACKAGE_DIR.values():
        shutil.copytree(
            ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]")
        )
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(src)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if build.returncode != 0:
        pytest.fail(f"wheel build failed:\n{build.stdout[-4000:]}\n{build.stderr[-4000:]}")
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
def test_wheel_contains_every_file_of_the_tree(wheel_names: set[str]) -> None:
    missing = sorted(set(_files_in_tree()) - wheel_names)
    assert not missing, f"not in the wheel (check packages / package-data): {missing}"


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
@pytest.mark.parametrize("name", REQUIRED_IN_WHEEL)
def test_wheel_contains_required_file(wheel_names: set[str], name: str) -> None:
    assert name in wheel_names, f"{name} is not in the wheel (check packages / package-data)"


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
def test_wheel_holds_only_trialbook(wheel_names: set[str]) -> None:
    top_level = {name.split("/")[0] for name in wheel_names}
    assert {t for t in top_level if not t.endswith(".dist-info")} == {"trialbook"}


@pytest.fixture(scope="module")
def modules_after_import(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """sys.modules of a fresh interpreter (isolated mode) after `import trialbook`."""
    code = "import json, sys, trialbook; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-I", "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=tmp_path_factory.mktemp("import"),
    )
    if result.returncode != 0:
        pytest.fail(f"`import trialbook` failed:\n{result.stderr}")
    return set(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize("heavy", HEAVY_MODULES)
def test_import_trialbook_does_not_import(modules_after_import: set[str], heavy: str) -> None:
    loaded = sorted(m for m in modules_after_import if m == heavy or m.startswith(f"{heavy}."))
    assert not loaded, f"import it inside the function that needs it, not at module level: {loaded}"
