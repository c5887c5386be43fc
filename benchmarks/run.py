"""Run trialbook's benchmarks side by side with MLflow's, in the same run, on the same machine.

::

    python benchmarks/run.py --mlflow-python /path/to/mlflow-venv/bin/python
    python benchmarks/run.py --quick --only search          # smaller sizes, one workload
    python benchmarks/run.py                                # trialbook numbers only

trialbook's side runs with this interpreter, MLflow's with ``--mlflow-python`` (a separate
environment: MLflow is never imported here). Every workload runs in a fresh process inside a
fresh temporary folder. The table goes to stdout, ``bench-results/results.json`` and
``bench-results/results.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    MLFLOW,
    MLFLOW_FILE,
    TRIALBOOK,
    Outcome,
    format_ratio,
    format_value,
    ratio,
    render_markdown,
    render_text,
    run_side,
    run_worker,
    status,
)
from workloads import WORKLOADS, Workload

HEADER = ("Workload", "trialbook", "MLflow", "MLflow / trialbook", "Target", "Status", "Notes")
VERSIONS_CODE = """
import importlib.metadata as m, json, sys
names = ["trialbook", "mlflow", "scikit-learn", "xgboost", "lightning", "torch", "sqlalchemy"]
found = {}
for name in names:
    try:
        found[name] = m.version(name)
    except m.PackageNotFoundError:
        pass
found["python"] = sys.version.split()[0]
print(json.dumps(found))
"""


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mlflow-python", help="python of an environment with MLflow installed")
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes)")
    sizes.add_argument("--smoke", action="store_true", help="tiny sizes: proves the code runs")
    parser.add_argument(
        "--only", action="append", default=[], metavar="TEXT", help="workloads whose name has TEXT"
    )
    parser.add_argument("--out", default="bench-results", help="folder for results.json/.md")
    return parser.parse_args(argv)


def versions(python: str) -> dict[str, str]:
    """Versions of the packages that matter in an interpreter's environment."""
    proc = subprocess.run(
        [python, "-c", VERSIONS_CODE],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tempfile.gettempdir(),  # not the checkout, whose egg-info looks like trialbook
    )
    if proc.returncode != 0:
        raise SystemExit(f"cannot run {python}: {proc.stderr.strip()}")
    found: dict[str, str] = json.loads(proc.stdout)
    return found


def precompile(python: str) -> list[str]:
    """Give trialbook's own modules bytecode, as installing its wheel does; return the folders.

    An editable checkout has none, and under ``PYTHONDONTWRITEBYTECODE`` (set in many CI and
    container environments) every fresh process would compile trialbook from source while
    MLflow, installed from a wheel, loads its bytecode: cold-start figures would time the
    compiler.
    """
    code = "import trialbook, trialbook.integrations as i; print(trialbook.__path__[0]); print(i.__path__[0])"
    proc = subprocess.run(
        [python, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    folders = proc.stdout.splitlines()
    subprocess.run([python, "-m", "compileall", "-q", *folders], timeout=600, check=True)
    return folders


def run_workload(workload: Workload, profile: str, mlflow_python: str | None) -> dict[str, Outcome]:
    """Both tools' outcomes of one workload (MLflow once per store it is measured with)."""
    outcomes = {
        TRIALBOOK: run_side(
            sys.executable,
            workload.module,
            f"tb_{workload.function}",
            workload.kwargs(profile),
            workload.timeout,
        )
    }
    if mlflow_python:
        for store in workload.mlflow_stores:
            side = MLFLOW_FILE if store == "file" else MLFLOW
            outcomes[side] = run_side(
                mlflow_python,
                workload.module,
                f"mlflow_{workload.function}",
                workload.kwargs(profile, mlflow=True),
                workload.timeout,
                mlflow_store=store,
            )
    return outcomes


def _value(outcome: Outcome | None, key: str) -> float | None:
    if outcome is None or outcome.error or outcome.unavailable:
        return None
    value = outcome.values.get(key)
    return float(value) if isinstance(value, (int, float)) else None


def _side_note(name: str, outcome: Outcome | None, key: str) -> str | None:
    if outcome is None:
        return None
    if outcome.error:
        return f"{name} error: {outcome.error}"
    if outcome.unavailable:
        return f"{name} unavailable: {outcome.unavailable}"
    note = outcome.values.get("notes", {}).get(key)
    return f"{name}: {note}" if note else None


def table_rows(
    workload: Workload, profile: str, outcomes: dict[str, Outcome]
) -> list[dict[str, Any]]:
    """The rows of one workload, as dicts (the JSON form of the table)."""
    rows = []
    labels = workload.kwargs(profile)
    for row in workload.rows:
        if row.mlflow_side not in outcomes and row.mlflow_side != MLFLOW:
            continue  # a second MLflow store, not measured in this run
        ours_outcome = outcomes.get(TRIALBOOK)
        theirs_outcome = outcomes.get(row.mlflow_side)
        ours, theirs = _value(ours_outcome, row.key), _value(theirs_outcome, row.key)
        times = ratio(ours, theirs, row.unit)
        notes = [
            note
            for note in (
                _side_note("trialbook", ours_outcome, row.key),
                _side_note("MLflow", theirs_outcome, row.key),
            )
            if note
        ]
        if row.mlflow_side == MLFLOW_FILE:
            notes.append("MLflow's file store")
        base_ours = _value(ours_outcome, row.baseline_key) if row.baseline_key else None
        base_theirs = _value(theirs_outcome, row.baseline_key) if row.baseline_key else None
        if base_ours is not None or base_theirs is not None:
            notes.append(
                f"without autolog: {format_value(base_ours, row.unit)} / "
                f"{format_value(base_theirs, row.unit)}"
            )
        rows.append(
            {
                "workload": workload.name,
                "issue": workload.issue,
                "label": row.label.format(**labels),
                "key": row.key,
                "unit": row.unit,
                "trialbook": ours,
                "mlflow": theirs,
                "mlflow_side": row.mlflow_side,
                "ratio": times,
                "target": row.target_text,
                "status": status(row, ours, times),
                "notes": notes,
                "_ratio_text": format_ratio(times, ours, theirs, row.unit),
            }
        )
    return rows


def _load() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (other processes make the numbers noisy)."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def cells(row: dict[str, Any]) -> list[str]:
    """A JSON row as table cells."""
    return [
        row["label"],
        format_value(row["trialbook"], row["unit"]),
        format_value(row["mlflow"], row["unit"]),
        row["_ratio_text"],
        row["target"] or "—",
        row["status"],
        "; ".join(row["notes"]),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected workloads, print the table, write the results; 1 if trialbook errored."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        run_worker(*argv[1:4])
        return 0
    args = parse_args(argv)
    profile = "smoke" if args.smoke else "quick" if args.quick else "full"
    selected = [
        w for w in WORKLOADS if not args.only or any(t.lower() in w.name.lower() for t in args.only)
    ]
    if not selected:
        names = ", ".join(w.name for w in WORKLOADS)
        raise SystemExit(f"--only matched no workload; the workloads are: {names}")
    meta: dict[str, Any] = {
        "profile": profile,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_at_start": _load(),
        },
        "trialbook_python": sys.executable,
        "trialbook_env": versions(sys.executable),
    }
    meta["bytecode_compiled"] = precompile(sys.executable)
    if args.mlflow_python:
        meta["mlflow_python"] = args.mlflow_python
        meta["mlflow_env"] = versions(args.mlflow_python)
        if "mlflow" not in meta["mlflow_env"]:
            raise SystemExit(f"{args.mlflow_python} has no mlflow installed")
    else:
        print("No --mlflow-python given: trialbook's numbers only.\n", flush=True)

    results: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    failed = False
    for index, workload in enumerate(selected, 1):
        print(f"[{index}/{len(selected)}] {workload.name} ...", end="", flush=True)
        started = time.perf_counter()
        outcomes = run_workload(workload, profile, args.mlflow_python)
        print(f" {time.perf_counter() - started:.1f} s", flush=True)
        for side, outcome in outcomes.items():
            if outcome.error:
                print(f"    {side}: {outcome.error}", flush=True)
                failed = failed or side == TRIALBOOK
        results.append(
            {
                "workload": workload.name,
                "issue": workload.issue,
                "kwargs": {
                    TRIALBOOK: workload.kwargs(profile),
                    MLFLOW: workload.kwargs(profile, mlflow=True),
                },
                "outcomes": {side: vars(outcome) for side, outcome in outcomes.items()},
            }
        )
        rows += table_rows(workload, profile, outcomes)

    meta["machine"]["load_average_at_end"] = _load()
    lines = [cells(row) for row in rows]
    print()
    print(render_text(HEADER, lines))
    if not args.mlflow_python:
        print("\n(MLflow not measured: pass --mlflow-python to compare.)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    public_rows = [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
    document = {"meta": meta, "rows": public_rows, "workloads": results}
    (out / "results.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    (out / "results.md").write_text(markdown(meta, lines))
    print(f"\nResults written to {out / 'results.json'} and {out / 'results.md'}")
    return 1 if failed else 0


def markdown(meta: dict[str, Any], lines: list[list[str]]) -> str:
    """The markdown report: where and with what it ran, then the table."""
    tb_env, ml_env = meta["trialbook_env"], meta.get("mlflow_env", {})
    described = ", ".join(f"{k} {v}" for k, v in tb_env.items())
    head = [
        "# trialbook vs MLflow benchmarks",
        "",
        f"Profile `{meta['profile']}`, {meta['started']}, {meta['machine']['platform']}, "
        f"{meta['machine']['cpus']} CPUs, load average at start "
        f"{meta['machine']['load_average_at_start']} and end {meta['machine']['load_average_at_end']}.",
        "",
        f"- trialbook side: {described}",
        "- MLflow side: "
        + (", ".join(f"{k} {v}" for k, v in ml_env.items()) if ml_env else "not measured"),
        "",
        "",
    ]
    return "\n".join(head) + render_markdown(HEADER, lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
