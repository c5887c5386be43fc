"""Timing helpers, the subprocess runner and the results table of the benchmarks.

Standard library only: workload modules import it under both interpreters (trialbook's and
MLflow's), and the runner process must import neither tool.

::

    outcome = run_side(python, "bench_core", "tb_import", {"repeat": 5}, timeout=120)
    outcome.values       # {"import_ms": 48.1, ...} or outcome.error = "timeout after 120 s"
"""

from __future__ import annotations

import faulthandler
import json
import math
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RUN_PY = HERE / "run.py"

UNAVAILABLE = "unavailable"
"""Key a workload function returns (with the reason) when its framework cannot be used."""

# Variables of the outer environment that would redirect either tool's store or change it.
_SCRUBBED_PREFIXES = ("TRIALBOOK_", "MLFLOW_")
_QUIET_ENV = {
    # No network calls from MLflow's usage telemetry during measurements.
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "GIT_PYTHON_REFRESH": "quiet",
    "PYTHONWARNINGS": "ignore",
}


# Statistics --------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    """The median of ``values``."""
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, nearest rank."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def timed(func: Callable[[], object]) -> float:
    """Seconds one call of ``func`` takes."""
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def wait_for(predicate: Callable[[], bool], deadline_s: float, interval_s: float = 0.005) -> bool:
    """Poll ``predicate`` until it is true or ``deadline_s`` seconds pass; return its last value."""
    end = time.monotonic() + deadline_s
    while True:
        if predicate():
            return True
        if time.monotonic() > end:
            return False
        time.sleep(interval_s)


# Running one side of a workload --------------------------------------------------------------


@dataclass
class Outcome:
    """What one side of a workload returned."""

    values: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    @property
    def unavailable(self) -> str | None:
        """Why the workload could not run here, if it could not."""
        reason = self.values.get(UNAVAILABLE)
        return str(reason) if reason is not None else None


def clean_env(workdir: Path, mlflow_uri: str | None = None) -> dict[str, str]:
    """The environment of a workload process: the outer one, with both tools' stores in ``workdir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env.update(_QUIET_ENV)
    env["TRIALBOOK_TRACKING_URI"] = str(workdir / ".trialbook")
    env["MLFLOW_TRACKING_URI"] = mlflow_uri or f"sqlite:///{workdir / 'mlflow.db'}"
    if mlflow_uri:
        env["MLFLOW_ALLOW_FILE_STORE"] = "true"  # MLflow 3 refuses its file store without it
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH", "")]))
    return env


def worker_command(python: str, module: str, function: str, kwargs: Mapping[str, Any]) -> list[str]:
    """The command line that runs ``module.function(**kwargs)`` in a fresh ``python``."""
    return [python, str(RUN_PY), "--worker", f"{module}:{function}", json.dumps(dict(kwargs))]


def run_side(
    python: str,
    module: str,
    function: str,
    kwargs: Mapping[str, Any],
    timeout: float,
    mlflow_store: str = "sqlite",
) -> Outcome:
    """Run one workload function in a fresh process inside a fresh temporary folder.

    Args:
        python: Interpreter to run it with.
        module: Workload module in this folder (``bench_core``).
        function: Function of that module; it returns a dict of JSON-able values.
        kwargs: Its keyword arguments.
        timeout: Seconds before the process is killed and the outcome records an error.
        mlflow_store: ``sqlite`` (``sqlite:///<tmp>/mlflow.db``) or ``file`` (``<tmp>/mlruns``).
    """
    with tempfile.TemporaryDirectory(prefix=f"bench-{function}-") as tmp:
        workdir = Path(tmp)
        uri = (workdir / "mlruns").as_uri() if mlflow_store == "file" else None
        out = workdir / "result.json"
        command = [*worker_command(python, module, function, kwargs), str(out)]
        start = time.perf_counter()
        proc = subprocess.Popen(
            command,
            cwd=workdir,
            env=clean_env(workdir, uri),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            return Outcome(
                error=f"timeout after {timeout:.0f} s: {stop_helper(proc)}", seconds=timeout
            )
        seconds = time.perf_counter() - start
        if proc.returncode != 0 or not out.exists():
            tail = stderr.decode(errors="replace").strip().splitlines()[-6:]
            return Outcome(error=f"exit {proc.returncode}: " + " | ".join(tail), seconds=seconds)
        return Outcome(values=json.loads(out.read_text()), seconds=seconds)


def run_worker(target: str, kwargs_json: str, out: str) -> None:
    """Entry of a workload process: call ``module:function`` and write its dict as JSON."""
    faulthandler.enable()
    if hasattr(signal, "SIGUSR1"):  # `kill -USR1 <pid>` prints where a stuck workload is
        faulthandler.register(signal.SIGUSR1)
    module_name, function_name = target.split(":")
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    module = __import__(module_name)
    values = getattr(module, function_name)(**json.loads(kwargs_json))
    Path(out).write_text(json.dumps(values, default=float))


def spawn_helper(
    module: str, function: str, kwargs: Mapping[str, Any], out: Path
) -> subprocess.Popen[bytes]:
    """Start ``module.function(**kwargs)`` in another process of this interpreter (a reader)."""
    command = [*worker_command(sys.executable, module, function, kwargs), str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish_helper(proc: subprocess.Popen[bytes], out: Path, timeout: float) -> dict[str, Any]:
    """Wait for a helper process and return its dict (``{"error": ...}`` if it failed)."""
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"helper timed out after {timeout:.0f} s: {stop_helper(proc)}"}
    if proc.returncode != 0 or not out.exists():
        tail = stderr.decode(errors="replace").strip().splitlines()[-3:]
        return {"error": f"helper exit {proc.returncode}: " + " | ".join(tail)}
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def stop_helper(proc: subprocess.Popen[bytes]) -> str:
    """Stop a stuck helper process; return the end of its stderr, with its threads' stacks."""
    if hasattr(signal, "SIGUSR1") and proc.poll() is None:
        proc.send_signal(signal.SIGUSR1)
        time.sleep(0.5)
    proc.kill()
    _, stderr = proc.communicate()
    return " | ".join(stderr.decode(errors="replace").strip().splitlines()[-40:])


# The results table ---------------------------------------------------------------------------

TRIALBOOK = "trialbook"
MLFLOW = "mlflow"
MLFLOW_FILE = "mlflow-file"


@dataclass(frozen=True)
class Row:
    """One line of the table: a value both sides report, and trialbook's target for it.

    Attributes:
        label: What is measured; ``{name}`` fields are filled from trialbook's kwargs.
        key: The value's key in both sides' results.
        unit: ``µs``, ``ms``, ``s``, ``MB`` or ``files`` (the unit the value is in), or
            ``yes/no``.
        target: trialbook's value must be at most this (``yes/no``: must be yes).
        min_ratio: MLflow's value over trialbook's must be at least this.
        target_text: How the target reads in the table.
        mlflow_side: Which MLflow measurement the row compares with (SQLite or file store).
        baseline_key: A value shown in the notes for context (the time without autolog).
    """

    label: str
    key: str
    unit: str
    target: float | None = None
    min_ratio: float | None = None
    target_text: str = ""
    mlflow_side: str = MLFLOW
    baseline_key: str | None = None


def format_value(value: float | None, unit: str) -> str:
    """``3.12 µs``, ``41.0 ms``, ``1,210 ms``, ``yes``; ``—`` for no value."""
    if value is None:
        return "—"
    if unit == "yes/no":
        return "yes" if value >= 1 else "no"
    magnitude = abs(value)
    if magnitude >= 100:
        text = f"{value:,.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    elif magnitude >= 0.1 or magnitude == 0:
        text = f"{value:.2f}"
    else:
        text = f"{value:.2g}"
    return f"{text} {unit}"


def ratio(ours: float | None, theirs: float | None, unit: str) -> float | None:
    """MLflow's value over trialbook's (how many times faster trialbook is), when meaningful."""
    if ours is None or theirs is None or unit == "yes/no" or ours <= 0 or theirs <= 0:
        return None
    return theirs / ours


SIZE_UNITS = frozenset({"MB", "files"})
"""Units of sizes: their ratio reads "smaller" / "larger" instead of "faster" / "slower"."""


def format_ratio(
    value: float | None, ours: float | None, theirs: float | None, unit: str = "ms"
) -> str:
    """``412x faster``, ``0.8x (slower)``, ``9.5x smaller`` (sizes); explains a missing ratio."""
    if value is None:
        if ours is not None and theirs is not None and ours <= 0 < theirs:
            return "ours ≤ 0 (noise)"
        return "—"
    text = f"{value:,.0f}x" if value >= 10 else f"{value:.1f}x"
    better, worse = ("smaller", "larger") if unit in SIZE_UNITS else ("faster", "slower")
    return f"{text} {better}" if value >= 1 else f"{text} ({worse})"


def status(row: Row, ours: float | None, times: float | None) -> str:
    """PASS or MISS against the row's targets; ``—`` without a target or a value."""
    if ours is None:
        return "—"
    checks: list[bool] = []
    if row.target is not None:
        checks.append(ours >= row.target if row.unit == "yes/no" else ours <= row.target)
    if row.min_ratio is not None and (times is not None or ours <= 0):
        checks.append(ours <= 0 or (times is not None and times >= row.min_ratio))
    if not checks:
        return "—"
    return "PASS" if all(checks) else "MISS"


def render_text(header: Sequence[str], lines: Sequence[Sequence[str]]) -> str:
    """An aligned plain-text table."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(cells) for cells in lines)])


def render_markdown(header: Sequence[str], lines: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header)), *(line(c) for c in lines)])
