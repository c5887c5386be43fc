"""Developer and CI sessions: `nox` runs lint, typecheck and tests; `nox -l` lists the rest.

`python3 dev.py <session>` runs them from the clone's own `./.venv` (see dev.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import nox

nox.needs_version = ">=2024.3.2"
nox.options.default_venv_backend = "venv"
nox.options.sessions = ["lint", "typecheck", "tests"]
# A second run reuses a session's environment (pip then only checks what is installed).
nox.options.reuse_venv = "yes"

ROOT = Path(__file__).parent.resolve()
# Pins torch. Every session that installs lightning installs torch first, from the CPU build
# (see torch_source): an unpinned torch from PyPI alone pulls a multi-GB CUDA build.
CONSTRAINTS = ("-c", ".ci/constraints.txt")
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
LINT_PATHS = ("core", "integrations", "tests", "examples", "benchmarks", "noxfile.py", "dev.py")
# The environment the demo installs trialbook into, and that the commands it prints use.
DEMO_VENV = ROOT / ".venv"
DEMO_EXTRAS = "sklearn,xgboost,lightning,server"
# Written into DEMO_VENV after a complete install: the digest of what was installed.
DEMO_STAMP = "trialbook-demo.stamp"
# Files whose content decides what the demo installs.
DEMO_INPUTS = ("pyproject.toml", ".ci/constraints.txt")
TEST_DEPS = (
    "pytest>=8",
    "pytest-xdist",
    "pytest-timeout",
    "hypothesis",
    "schemathesis",  # API fuzzing of the tracking server (tests/server/test_fuzz.py).
    "playwright",  # Python package only; tests drive Debian's /usr/bin/chromium.
    "matplotlib",
    "plotly",
    "build",
    "nox",  # tests/test_noxfile.py imports the noxfile.
    "tomli; python_version < '3.11'",
)
FRAMEWORKS = ("sklearn", "xgboost", "lightgbm", "lightning")
# Pinned so benchmark results stay comparable across runs.
MLFLOW = "mlflow==3.17.2"
# A hung test (say a multiprocessing pool whose worker died) fails instead of eating CI's time.
PYTEST_TIMEOUT = "--timeout=300"
XDIST = ("-n", "2", "--dist", "loadgroup")
# Services the tests use; nox passes the outer environment anyway, this names what matters.
PASSTHROUGH_ENV = ("TRIALBOOK_TEST_POSTGRES_URI", "TRIALBOOK_TEST_CHROMIUM", "CI")


def torch_source(find_links: str | None = None) -> tuple[str, ...]:
    """pip options under which the pinned torch resolves to its CPU build.

    No options when a folder of `find_links` (default: $PIP_FIND_LINKS, as on this project's CI
    machines, which reach PyPI only) holds a CPU torch wheel; else PyTorch's CPU index.
    """
    folders = (os.environ.get("PIP_FIND_LINKS", "") if find_links is None else find_links).split()
    if any(any(Path(folder).glob("torch-*+cpu-*.whl")) for folder in folders):
        return ()
    return ("--extra-index-url", TORCH_CPU_INDEX)


def install_digest(root: Path, *install_args: str) -> str:
    """A digest of DEMO_INPUTS' contents under `root`, the pip arguments and the Python."""
    digest = hashlib.sha256(sys.version.encode())
    for name in DEMO_INPUTS:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    digest.update("\0".join(install_args).encode())
    return digest.hexdigest()


def needs_install(venv: Path, digest: str) -> bool:
    """Whether `venv` lacks a complete install whose stamp holds `digest`."""
    stamp = venv / DEMO_STAMP
    return not stamp.exists() or stamp.read_text().strip() != digest


def venv_python(venv: Path) -> Path:
    """The interpreter of virtual environment `venv`."""
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def install_project(
    session: nox.Session, extras: str, *deps: str, editable_mode: str | None = None
) -> None:
    """Install the package editable with `extras` and `deps`, torch first when lightning comes."""
    if {"all", "lightning"} & set(extras.split(",")):
        session.install(*CONSTRAINTS, *torch_source(), "torch")
    settings = ["--config-settings", f"editable_mode={editable_mode}"] if editable_mode else []
    session.install(*CONSTRAINTS, *settings, "-e", f".[{extras}]", *deps)


def install_test_env(session: nox.Session, extras: str) -> None:
    """Install the package with `extras`, the test tools and the example third-party plugins."""
    install_project(session, extras, *TEST_DEPS)
    # The example third-party plugins: tests prove the entry-point interface end to end.
    session.install("-e", "examples/trialbook-scipy-plugin")
    session.install("-e", "examples/trialbook-memory-store")


def service_env() -> dict[str, str]:
    """Return the service variables of the outer environment that the tests read."""
    return {name: os.environ[name] for name in PASSTHROUGH_ENV if name in os.environ}


@nox.session
def lint(session: nox.Session) -> None:
    """Run ruff's linter (posargs go to `ruff check`, e.g. --fix) and format check."""
    session.install("ruff")
    paths = [path for path in LINT_PATHS if (ROOT / path).exists()]
    session.run("ruff", "check", *paths, *session.posargs)
    session.run("ruff", "format", "--check", *paths)


@nox.session
def typecheck(session: nox.Session) -> None:
    """Run mypy (strict, config in pyproject.toml) against a strict editable install."""
    # Strict mode installs a link tree mypy can follow; the default mode's import hook it can't.
    # pytest: the contract suites and the harm plugin in trialbook.testing import it.
    install_project(
        session, "all", "mypy", "pandas-stubs", "types-PyYAML", "pytest", editable_mode="strict"
    )
    session.run("mypy", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite on two xdist workers."""
    install_test_env(session, "all")
    session.run("pytest", *XDIST, PYTEST_TIMEOUT, *session.posargs, env=service_env())


@nox.session(default=False)
@nox.parametrize("framework", FRAMEWORKS)
def framework(session: nox.Session, framework: str) -> None:
    """Run one framework's tests with only that framework installed."""
    install_test_env(session, framework)
    session.run("pytest", "-m", framework, PYTEST_TIMEOUT, *session.posargs, env=service_env())


@nox.session(default=False)
def e2e(session: nox.Session) -> None:
    """Run the browser tests (Playwright driving Debian's chromium)."""
    install_test_env(session, "all")
    session.run("pytest", "-m", "e2e", PYTEST_TIMEOUT, *session.posargs, env=service_env())


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Run the benchmarks against MLflow (in a venv of its own) and the pre-seam trialbook."""
    install_project(session, "all")
    mlflow_venv = Path(session.virtualenv.location) / "mlflow-venv"
    bindir = "Scripts" if sys.platform == "win32" else "bin"
    mlflow_python = str(mlflow_venv / bindir / "python")
    if not mlflow_venv.exists():
        session.run("python", "-m", "venv", str(mlflow_venv))
    pip = (mlflow_python, "-m", "pip", "install", "--quiet", *CONSTRAINTS)
    session.run(*pip, *torch_source(), "torch", external=True)
    session.run(*pip, MLFLOW, "scikit-learn", "xgboost", "lightning", "psutil", external=True)
    session.run("python", "benchmarks/run.py", "--mlflow-python", mlflow_python, *session.posargs)
    # The store seam against the commit before it (issue 14), in a venv bench_seam.py builds.
    sizes = [arg for arg in session.posargs if arg in ("--quick", "--smoke")]
    baseline = Path(session.virtualenv.location) / "seam-baseline"
    session.run("python", "benchmarks/bench_seam.py", "--baseline-dir", str(baseline), *sizes)


@nox.session(default=False, venv_backend="none")
def demo(session: nox.Session) -> None:
    """Install trialbook into ./.venv (again only when its requirements change), run the demo."""
    python = venv_python(DEMO_VENV)
    if not python.exists():
        session.run(sys.executable, "-m", "venv", str(DEMO_VENV), external=True)
    torch_args = (*CONSTRAINTS, *torch_source(), "torch")
    project_args = (*CONSTRAINTS, "-e", f".[{DEMO_EXTRAS}]")
    digest = install_digest(ROOT, *torch_args, *project_args)
    if needs_install(DEMO_VENV, digest):
        (DEMO_VENV / DEMO_STAMP).unlink(missing_ok=True)
        pip = (str(python), "-m", "pip", "install", "--quiet")
        session.run(*pip, *torch_args, external=True)
        session.run(*pip, *project_args, external=True)
        (DEMO_VENV / DEMO_STAMP).write_text(digest + "\n")
    else:
        session.log(f"{DEMO_VENV} is up to date with {', '.join(DEMO_INPUTS)}: nothing to install")
    session.run(str(python), "examples/demo.py", *session.posargs, external=True)


HARM_COMMON_ESTIMATORS = (
    "LogisticRegression", "LinearRegression", "RandomForestClassifier",
    "HistGradientBoostingRegressor", "KNeighborsClassifier", "StandardScaler", "PCA", "KMeans",
    "Pipeline", "GridSearchCV", "StackingClassifier", "VotingRegressor", "BaggingClassifier",
    "CalibratedClassifierCV", "OneVsRestClassifier", "MultiOutputRegressor", "DummyClassifier",
    "KernelDensity",
)  # fmt: skip
"""Estimators of `sklearn.tests.test_common` in the harm session (a `-k` substring each)."""
# `nox -s harm`: scikit-learn's own tests, run with autologging off and then on. Everything
# here fits estimators for the user (meta-estimators, searches, cross-validation, routing of
# metadata): where autolog's patches nest, add calls and see what the user passes.
# Each suite's arguments start with its xdist distribution: one file per worker keeps each
# file's order, and so its global random state, the same in both runs.
HARM_SUITES: dict[str, tuple[str, ...]] = {
    "sklearn-meta": (
        "--dist=loadfile",
        "sklearn.tests.test_pipeline",
        "sklearn.tests.test_metaestimators",
        "sklearn.tests.test_metaestimators_metadata_routing",
        "sklearn.tests.test_metadata_routing",
        "sklearn.tests.test_calibration",
        "sklearn.tests.test_multiclass",
        "sklearn.tests.test_multioutput",
        "sklearn.compose.tests",
        "sklearn.model_selection.tests",
        "sklearn.ensemble.tests.test_stacking",
        "sklearn.ensemble.tests.test_voting",
        "sklearn.ensemble.tests.test_bagging",
    ),
    # Where the harms of issue 11 showed: random state drawn by extra calls (dummy), user
    # scorers called again (logistic, scorers), the cost of training metrics (kde, pca, hgb).
    "sklearn-known": (
        "--dist=loadfile",
        "sklearn.tests.test_dummy",
        "sklearn.neighbors.tests.test_kde",
        "sklearn.metrics.tests.test_score_objects",
        "sklearn.linear_model.tests.test_logistic",
        "sklearn.ensemble._hist_gradient_boosting.tests.test_gradient_boosting",
        "sklearn.decomposition.tests.test_pca",
    ),
    # The common estimator checks, for a cross-section of estimator kinds.
    "sklearn-common": (
        "--dist=load",  # a single file
        "sklearn.tests.test_common",
        "-k",
        " or ".join(HARM_COMMON_ESTIMATORS),
    ),
}
HARM_DEPS = ("pytest>=8", "pytest-xdist", "pytest-timeout", "pandas", "matplotlib")
"""What scikit-learn's tests need beyond scikit-learn (others skip those tests, in both runs)."""


@nox.session(default=False)
def harm(session: nox.Session) -> None:
    """Run scikit-learn's tests with autolog off and on (posargs: suite names, pytest args)."""
    install_project(session, "sklearn", *HARM_DEPS)
    suites = [arg for arg in session.posargs if arg in HARM_SUITES] or list(HARM_SUITES)
    pytest_args = [arg for arg in session.posargs if arg not in HARM_SUITES]
    reports = Path(session.create_tmp()).resolve() / "harm"
    shutil.rmtree(reports, ignore_errors=True)
    (reports / "off").mkdir(parents=True)
    (reports / "on").mkdir()
    # An empty config in a folder of its own: neither our pyproject's pytest settings nor our
    # conftest apply; node ids are relative to site-packages (sklearn/tests/...).
    (reports / "pytest.ini").write_text("[pytest]\n")
    site = session.run(
        "python", "-c", "import os, sklearn; print(os.path.dirname(os.path.dirname(sklearn.__file__)))",
        silent=True,
    )  # fmt: skip
    session.chdir(reports)
    for suite in suites:
        for mode, plugin in (("off", ()), ("on", ("-p", "trialbook.testing.harm"))):
            session.run(
                "python", "-m", "pytest", "-p", "no:cacheprovider", *plugin, "-q", "-n", "2",
                "--timeout=600", f"--rootdir={str(site).strip()}", "-c", "pytest.ini",
                f"--junitxml={mode}/{suite}.xml", "--pyargs", *HARM_SUITES[suite], *pytest_args,
                success_codes=[0, 1],  # upstream failures are compared, not fatal
            )  # fmt: skip
    session.run("python", "-m", "trialbook.testing.outcomes", "off", "on")
