"""The store seam's cost: this checkout against the commit before the refactor (issue 14).

::

    python benchmarks/bench_seam.py --baseline-python /tmp/baseline-venv/bin/python
    python benchmarks/bench_seam.py --baseline-commit 8d3dd30   # builds that venv itself
    python benchmarks/bench_seam.py --quick --rounds 3

Three workloads, each run in a fresh process inside a fresh temporary folder (see
:func:`harness.run_side`), with this interpreter's trialbook and with the baseline's, in
turns, ``--rounds`` times: ``log_metric`` and ``log_batch`` throughput (the time until
``end_run`` has flushed every point), a filtered and ordered search over 2,000 runs, and the
UI's runs-table data call (``/api/ui/experiments/<id>/runs``, over HTTP) at 10,000 runs x 10
params x 10 metrics. Only names both versions share are used. The best round of each side is
compared (other processes only ever add time; the medians are in the JSON); the ratio is
current time / baseline time, so above 1 is slower. Results go to
``bench-results/seam.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import median, render_text, run_side

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE_COMMIT = "8d3dd30"
"""The last commit before the store seam refactor of issue 14."""
SEARCH_FILTER = "metrics.m1 > 0.5 and params.p1 = 'x'"
SEARCH_ORDER = ["metrics.m2 DESC"]
TABLE_FILTER = "metrics.m1 > 0.5 and params.p0 = 'adam'"
REGRESSION = 1.10
"""A best-round time ratio above this is reported as a regression."""
SIZES: dict[str, dict[str, dict[str, int]]] = {
    "full": {
        "logging": {"points": 50_000, "batches": 500, "batch_size": 100},
        "search": {"runs": 2_000, "repeat": 20},
        "runs_table": {"runs": 10_000, "repeat": 15},
    },
    "quick": {
        "logging": {"points": 10_000, "batches": 100, "batch_size": 100},
        "search": {"runs": 2_000, "repeat": 10},
        "runs_table": {"runs": 2_000, "repeat": 10},
    },
    "smoke": {
        "logging": {"points": 200, "batches": 5, "batch_size": 10},
        "search": {"runs": 30, "repeat": 2},
        "runs_table": {"runs": 30, "repeat": 2},
    },
}
ROWS = (
    # (workload, key, label, unit): "ms" rows compare times, "/s" rows throughputs.
    ("logging", "log_metric_per_s", "log_metric, points/s (to end_run)", "/s"),
    ("logging", "log_batch_per_s", "log_batch x{batch_size} metrics, points/s", "/s"),
    ("search", "search_ms", "search {runs} runs, filter + order, 1,000 max", "ms"),
    ("runs_table", "newest_ms", "runs table {runs} runs, newest 100", "ms"),
    ("runs_table", "ordered_ms", "runs table {runs} runs, order by metrics.m0", "ms"),
    ("runs_table", "filtered_ms", "runs table {runs} runs, filter + order", "ms"),
)


# Workloads (run in the measured interpreter) -----------------------------------------------


def _best_ms(calls: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """The fastest of ``repeat`` calls of each, in milliseconds, after one warm-up round.

    The calls take turns, so a slow spell of the machine (or a store's background work just
    after it opened) does not fall on one of them only.
    """
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for round_ in range(repeat + 1):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            if round_:
                samples[name].append((time.perf_counter() - start) * 1000)
    return {name: min(found) for name, found in samples.items()}


def seam_logging(points: int, batches: int, batch_size: int) -> dict[str, Any]:
    """Throughput of ``log_metric`` and of ``TrackingClient.log_batch``, flushed by ``end_run``."""
    import trialbook

    trialbook.start_run()
    trialbook.log_metric("warm-up", 0.0, step=0)
    trialbook.end_run()
    run = trialbook.start_run()
    start = time.perf_counter()
    for step in range(points):
        trialbook.log_metric("loss", 1.0 / (step + 1), step=step)
    trialbook.end_run()
    metric_s = time.perf_counter() - start
    client = trialbook.TrackingClient()
    run = trialbook.start_run()
    run_id = run.info.run_id
    names = [f"m{k}" for k in range(batch_size)]
    start = time.perf_counter()
    for step in range(batches):
        client.log_batch(run_id, metrics=dict.fromkeys(names, step * 0.5), step=step)
    trialbook.end_run()
    batch_s = time.perf_counter() - start
    history = client.get_metric_history(run_id, names[-1])
    if len(history) != batches:
        raise RuntimeError(f"{len(history)} of {batches} points of {names[-1]} were stored")
    return {
        "log_metric_per_s": points / metric_s,
        "log_batch_per_s": batches * batch_size / batch_s,
    }


def seam_search(runs: int, repeat: int) -> dict[str, Any]:
    """The best of ``repeat`` filtered, ordered searches over ``runs`` runs."""
    from trialbook import RunStatus, TrackingClient
    from trialbook.store.base import Batch

    client = TrackingClient()
    store = client.store
    experiment_id = client.create_experiment("search")
    rng = random.Random(0)
    now = int(time.time() * 1000)
    metrics, params = [], []
    for i in range(runs):
        run_id = store.create_run(experiment_id, f"run-{i}", now + i, user_id="bench").info.run_id
        metrics += [(run_id, f"m{k}", rng.random(), 0, now + i) for k in (1, 2, 3)]
        params += [(run_id, "p1", rng.choice("xyz")), (run_id, "p2", str(i % 7))]
        store.update_run(run_id, status=RunStatus.FINISHED, end_time=now + i + 1)
    store.write_batch(Batch(metrics=metrics, params=params))
    found = len(client.search_runs([experiment_id], SEARCH_FILTER, order_by=SEARCH_ORDER).runs)
    search = _best_ms(
        {
            "search_ms": lambda: client.search_runs(
                [experiment_id], SEARCH_FILTER, order_by=SEARCH_ORDER
            )
        },
        repeat,
    )
    return {**search, "found": found}


def seam_runs_table(runs: int, repeat: int) -> dict[str, Any]:
    """The UI's runs-table data call over HTTP, at ``runs`` runs x 10 params x 10 metrics."""
    from ui_bench import metric_value, param_value, serve_trialbook

    from trialbook import RunStatus, TrackingClient
    from trialbook.store.base import Batch

    client = TrackingClient()
    store = client.store
    experiment_id = client.create_experiment("table")
    now = int(time.time() * 1000) - runs * 1000
    for first in range(0, runs, 500):
        chunk = range(first, min(runs, first + 500))
        ids = {
            i: store.create_run(experiment_id, f"run-{i}", now + i * 1000).info.run_id
            for i in chunk
        }
        store.write_batch(
            Batch(
                params=[(ids[i], f"p{k}", param_value(i, k)) for i in chunk for k in range(10)],
                metrics=[
                    (ids[i], f"m{k}", metric_value(i, k, 0), 0, now + i * 1000)
                    for i in chunk
                    for k in range(10)
                ],
            )
        )
        for i in chunk:
            store.update_run(ids[i], status=RunStatus.FINISHED, end_time=now + i * 1000 + 500)
    url, stop = serve_trialbook(os.environ["TRIALBOOK_TRACKING_URI"])
    runs_url = f"{url}/api/ui/experiments/{experiment_id}/runs"

    def get(**params: str) -> None:
        query = urllib.parse.urlencode({"max_results": "100", **params})
        with urllib.request.urlopen(f"{runs_url}?{query}", timeout=120) as response:
            if len(json.loads(response.read())["runs"]) == 0:
                raise RuntimeError(f"{runs_url}?{query} found no runs")

    try:
        cases: dict[str, Callable[[], object]] = {
            "newest_ms": get,
            "ordered_ms": lambda: get(order_by="metrics.m0 DESC"),
            "filtered_ms": lambda: get(filter=TABLE_FILTER, order_by="metrics.m2 DESC"),
        }
        return _best_ms(cases, repeat)
    finally:
        stop()


# The runner ------------------------------------------------------------------------------


def baseline_python(commit: str, folder: Path) -> str:
    """An interpreter with trialbook at ``commit`` installed (built once under ``folder``)."""
    source, venv = folder / commit / "src", folder / commit / "venv"
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    if python.exists():
        return str(python)
    source.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "-e", f"{source}[server]"], check=True)
    return str(python)


def compare(
    current: list[dict[str, Any]], baseline: list[dict[str, Any]], key: str, unit: str
) -> dict[str, Any]:
    """One row: both sides' best and median, and the best-round time ratio current / baseline."""

    def values(rounds: list[dict[str, Any]]) -> list[float]:
        return [float(r[key]) for r in rounds if key in r]

    ours, theirs = values(current), values(baseline)
    pick = max if unit == "/s" else min
    best_ours = pick(ours) if ours else None
    best_theirs = pick(theirs) if theirs else None
    times = None
    if best_ours and best_theirs:
        times = best_theirs / best_ours if unit == "/s" else best_ours / best_theirs
    return {
        "current": best_ours,
        "baseline": best_theirs,
        "current_median": median(ours) if ours else None,
        "baseline_median": median(theirs) if theirs else None,
        "time_ratio": times,
    }


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}/s" if unit == "/s" else f"{value:,.1f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the workloads on both sides and print the table; 1 if a side failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--baseline-python", help="python with the baseline trialbook installed")
    source.add_argument(
        "--baseline-commit", default=BASELINE_COMMIT, help="commit to build a baseline venv of"
    )
    parser.add_argument("--baseline-dir", default=".bench-baseline", help="where venvs are built")
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="smaller runs table (2,000 runs)")
    sizes.add_argument("--smoke", action="store_true", help="tiny sizes: proves the code runs")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per side")
    parser.add_argument(
        "--only", action="append", default=[], choices=list(SIZES["full"]), help="one workload"
    )
    parser.add_argument("--out", default="bench-results", help="folder for seam.json")
    args = parser.parse_args(argv)
    profile = "smoke" if args.smoke else "quick" if args.quick else "full"
    baseline = args.baseline_python or baseline_python(
        args.baseline_commit, Path(args.baseline_dir).resolve()
    )
    sides = {"current": sys.executable, "baseline": baseline}
    outcomes: dict[str, dict[str, list[dict[str, Any]]]] = {}
    failed = False
    selected = {w: kw for w, kw in SIZES[profile].items() if not args.only or w in args.only}
    for workload, kwargs in selected.items():
        outcomes[workload] = {side: [] for side in sides}
        for round_ in range(args.rounds):
            for side, python in sides.items():
                print(f"{workload} round {round_ + 1} {side} ...", end="", flush=True)
                outcome = run_side(python, "bench_seam", f"seam_{workload}", kwargs, timeout=1800)
                print(f" {outcome.seconds:.1f} s {outcome.error or ''}", flush=True)
                failed = failed or outcome.error is not None
                if outcome.error is None:
                    outcomes[workload][side].append(outcome.values)
    rows, lines = [], []
    for workload, key, label, unit in ROWS:
        if workload not in selected:
            continue
        row = compare(outcomes[workload]["current"], outcomes[workload]["baseline"], key, unit)
        row["label"] = label.format(**SIZES[profile][workload])
        times = row["time_ratio"]
        row["regressed"] = times is not None and times > REGRESSION
        rows.append(row)
        lines.append(
            [
                row["label"],
                _shown(row["current"], unit),
                _shown(row["baseline"], unit),
                "—" if times is None else f"{times:.2f}",
                "REGRESSED" if row["regressed"] else "ok",
            ]
        )
    header = ("Workload", "current", f"baseline {args.baseline_commit}", "time ratio", "")
    print()
    print(render_text(header, lines))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    document = {
        "profile": profile,
        "rounds": args.rounds,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "pythons": sides,
        "rows": rows,
        "outcomes": outcomes,
    }
    (out / "seam.json").write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nResults written to {out / 'seam.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
