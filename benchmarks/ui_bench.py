"""UI speed: the runs-table data call, the first page drawn, the run page of a long metric.

::

    python benchmarks/ui_bench.py                           # 10,000 runs x 10 params x 10 metrics
    python benchmarks/ui_bench.py --runs 2000 --points 100000   # quicker
    python benchmarks/ui_bench.py --mlflow-python /path/to/mlflow-venv/bin/python

Targets (issue 6): the runs-table data call under 200 ms with 10,000 runs x 10 params x 10
metrics; the first page of the runs table drawn in the browser under 1 s; the run page with
a 1,000,000-point metric drawn under 1 s ("visible": the chart's SVG sketch or plotly chart
is on screen; "interactive": plotly.js has taken over). Browser times need Chromium
(``TRIALBOOK_TEST_CHROMIUM`` or ``/usr/bin/chromium``) and Playwright; they are read from
``performance.mark`` entries the pages set when their table or chart is drawn, counted from
the start of navigation. With ``--mlflow-python``, the same data goes into an MLflow store
(bulk SQL inserts, in MLflow's own environment) and MLflow's tracking server answers the
same searches over HTTP, timed the same way. Results print as a table and go to
``bench-results/ui.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OPTIMIZERS = ("adam", "sgd", "rmsprop")
BUILD_CHUNK = 500


def param_value(run: int, k: int) -> str:
    """Param ``p<k>`` of run ``run`` (the same formula feeds both stores)."""
    return OPTIMIZERS[run % 3] if k == 0 else str((run * (k + 3)) % 97 / 10)


def metric_value(run: int, k: int, step: int) -> float:
    """Point ``step`` of metric ``m<k>`` of run ``run``."""
    return ((run * 7919 + k * 104_729 + step * 13) % 1000) / 1000


def build_trialbook(folder: Path, args: argparse.Namespace) -> dict[str, str]:
    """Fill a trialbook store through ``create_run`` and big ``write_batch`` calls; each run
    ended gets its metric overviews, as the tracker has them built when a run ends."""
    import numpy as np

    from trialbook.entities import RunStatus
    from trialbook.store.base import Batch, MetricSeries
    from trialbook.store.sql import SqlStore

    store = SqlStore(f"sqlite:///{folder / 'trialbook.db'}", str(folder / "artifacts"))
    experiment = store.create_experiment("bench")
    now = int(time.time() * 1000) - args.runs * 1000
    ids: list[str] = []
    for i in range(args.runs):
        ids.append(
            store.create_run(experiment, f"run-{i}", now + i * 1000, user_id="bench").info.run_id
        )
    steps = np.arange(args.steps, dtype=np.int64)
    for first in range(0, args.runs, BUILD_CHUNK):
        chunk = range(first, min(args.runs, first + BUILD_CHUNK))
        params = [(ids[i], f"p{k}", param_value(i, k)) for i in chunk for k in range(args.params)]
        series = [
            MetricSeries(
                ids[i], f"m{k}", steps,
                np.array([metric_value(i, k, s) for s in range(args.steps)]),
                now + i * 1000 + steps,
            )
            for i in chunk
            for k in range(args.metrics)
        ]  # fmt: skip
        store.write_batch(Batch(params=params, series=series))
    for i, run_id in enumerate(ids):
        store.update_run(run_id, status=RunStatus.FINISHED, end_time=now + i * 1000 + 500)
        store.build_overviews(run_id)
    big = store.create_run(experiment, "long-history", now, user_id="bench").info.run_id
    points = np.arange(args.points, dtype=np.int64)
    values = np.sin(points / 5000.0) + 0.01 * np.cos(points)
    values[args.points // 3] = 25.0
    store.write_batch(Batch(series=[MetricSeries(big, "big", points, values, now + points)]))
    store.update_run(big, status=RunStatus.FINISHED, end_time=now + args.points)
    store.build_overviews(big)
    store.close()
    return {"experiment": experiment, "big_run": big, "uri": str(folder)}


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_trialbook(uri: str, port: int | None = None) -> tuple[str, Callable[[], None]]:
    """Start the UI in a thread (on ``port``, or a free one); return its URL and a function
    that stops it."""
    import uvicorn

    from trialbook.ui import create_app

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(uri), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        thread.join(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(30)

    return f"http://127.0.0.1:{port}", stop


def time_calls(call: Callable[[], Any], repeat: int) -> dict[str, float]:
    """Median, p95 and first-call milliseconds of ``call``."""
    samples = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    first, rest = samples[0], sorted(samples[1:])
    return {
        "first_ms": first,
        "median_ms": statistics.median(rest),
        "p95_ms": rest[min(len(rest) - 1, int(len(rest) * 0.95))],
    }


def http_trialbook(url: str, ids: dict[str, str], repeat: int) -> dict[str, dict[str, float]]:
    """The UI's JSON calls, timed over HTTP."""
    import httpx

    runs = f"{url}/api/ui/experiments/{ids['experiment']}/runs"
    cases = {
        "runs table, newest first": {},
        "runs table, order by metrics.m0 DESC": {"order_by": "metrics.m0 DESC"},
        "runs table, filter + order by min()": {
            "filter": "metrics.m1 > 0.5 and params.p0 = 'adam'",
            "order_by": "min(metrics.m2) ASC",
        },
        "runs table, grouped by params.p0": {"group_by": "p0"},
    }
    found: dict[str, dict[str, float]] = {}
    with httpx.Client(timeout=120) as client:

        def get(path: str, **params: Any) -> None:
            client.get(path, params=params).raise_for_status()

        for name, params in cases.items():
            found[name] = time_calls(lambda p=params: get(runs, max_results=100, **p), repeat)
        found["runs table, columns"] = time_calls(
            lambda: get(f"{url}/api/ui/experiments/{ids['experiment']}/columns"), repeat
        )
        found["1M-point history (2,000 points)"] = time_calls(
            lambda: get(f"{url}/api/ui/runs/{ids['big_run']}/history", key="big", points=2000),
            repeat,
        )
    return found


def browser_times(url: str, ids: dict[str, str], repeat: int) -> dict[str, dict[str, float]]:
    """Milliseconds from navigation to the runs table / the long chart drawn, in Chromium."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("TRIALBOOK_TEST_CHROMIUM") or "/usr/bin/chromium"
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
    pages = {
        "runs table first page drawn": (
            f"/experiments/{ids['experiment']}", "#runs-table[data-state=drawn]",
            "trialbook-runs-drawn",
        ),
        "run page, 1M-point chart visible": (
            f"/runs/{ids['big_run']}#charts", "#chart-sections .chart[data-state=drawn]",
            "trialbook-chart-visible",
        ),
        "run page, 1M-point chart interactive": (
            f"/runs/{ids['big_run']}#charts", "#chart-sections .chart[data-state=drawn]",
            "trialbook-chart-drawn",
        ),
    }  # fmt: skip
    found: dict[str, dict[str, float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=args)
        for name, (path, selector, mark) in pages.items():
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            samples = []
            for _ in range(repeat + 1):
                page.goto(url + path)
                page.wait_for_selector(selector, timeout=60_000)
                samples.append(
                    page.evaluate("m => performance.getEntriesByName(m)[0].startTime", mark)
                )
                page.goto(
                    url + "/"
                )  # Same site, as a user navigates (about:blank may swap process).
            context.close()
            rest = sorted(samples[1:])
            found[name] = {"first_ms": samples[0], "median_ms": statistics.median(rest),
                           "p95_ms": rest[min(len(rest) - 1, int(len(rest) * 0.95))]}  # fmt: skip
        browser.close()
    return found


MLFLOW_BUILD = textwrap.dedent(
    """
    import json, sqlite3, sys, time, uuid, warnings
    warnings.simplefilter("ignore")
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    spec = json.loads(sys.argv[1])
    sys.path.insert(0, spec["bench_dir"])
    from ui_bench import metric_value, param_value
    db, folder = spec["db"], spec["folder"]
    store = SqlAlchemyStore("sqlite:///" + db, folder + "/artifacts")
    experiment = store.create_experiment("bench")
    store.engine.dispose()
    con = sqlite3.connect(db)
    now = int(time.time() * 1000) - spec["runs"] * 1000
    ids = [uuid.uuid4().hex for _ in range(spec["runs"] + 1)]
    con.executemany(
        "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id,"
        " status, start_time, end_time, source_version, lifecycle_stage, artifact_uri,"
        " experiment_id) VALUES (?, ?, 'LOCAL', '', '', 'bench', 'FINISHED', ?, ?, '',"
        " 'active', ?, ?)",
        [(r, f"run-{i}", now + i * 1000, now + i * 1000 + 500, f"{folder}/a/{r}", experiment)
         for i, r in enumerate(ids)],
    )
    con.executemany("INSERT INTO tags (key, value, run_uuid) VALUES ('mlflow.runName', ?, ?)",
                    [(f"run-{i}", r) for i, r in enumerate(ids)])
    for i, r in enumerate(ids[:-1]):
        con.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)",
                        [(f"p{k}", param_value(i, k), r) for k in range(spec["params"])])
        points = [(f"m{k}", metric_value(i, k, s), now + i * 1000 + s, r, s, 0)
                  for k in range(spec["metrics"]) for s in range(spec["steps"])]
        con.executemany("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)"
                        " VALUES (?, ?, ?, ?, ?, ?)", points)
        con.executemany("INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)"
                        " VALUES (?, ?, ?, ?, 0, ?)",
                        [(p[0], p[1], p[2], p[4], r) for p in points if p[4] == spec["steps"] - 1])
    import math
    big = ids[-1]
    con.executemany("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)"
                    " VALUES ('big', ?, ?, ?, ?, 0)",
                    ((math.sin(s / 5000.0), now + s, big, s) for s in range(spec["points"])))
    con.execute("INSERT INTO latest_metrics VALUES ('big', 0, ?, ?, 0, ?)",
                (now, spec["points"] - 1, big))
    con.commit()
    print(json.dumps({"experiment": experiment, "big_run": big}))
    """
)


def mlflow_times(python: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """The same data in MLflow's store; its tracking server's search and history, timed."""
    import httpx

    spec = {
        "db": str(folder / "mlflow.db"), "folder": str(folder), "runs": args.runs,
        "params": args.params, "metrics": args.metrics, "steps": args.steps,
        "points": args.points, "bench_dir": str(Path(__file__).resolve().parent),
    }  # fmt: skip
    built = subprocess.run(
        [python, "-c", MLFLOW_BUILD, json.dumps(spec)], capture_output=True, text=True, check=True
    )
    ids = json.loads(built.stdout.strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{spec['db']}",
         "--default-artifact-root", str(folder / "mlflow-artifacts"), "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=300) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get(f"{url}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("MLflow's server did not start")
                time.sleep(0.2)

            def search(**body: Any) -> None:
                payload = {"experiment_ids": [str(ids["experiment"])], "max_results": 100, **body}
                client.post(f"{url}/api/2.0/mlflow/runs/search", json=payload).raise_for_status()

            history = f"{url}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval"
            return {
                "runs table, newest first": time_calls(search, args.repeat),
                "runs table, order by metrics.m0 DESC": time_calls(
                    lambda: search(order_by=["metrics.m0 DESC"]), args.repeat
                ),
                "runs table, filter + order by min()": time_calls(
                    lambda: search(
                        filter="metrics.m1 > 0.5 and params.p0 = 'adam'", order_by=["metrics.m2"]
                    ),
                    args.repeat,
                ),
                "1M-point history (2,000 points)": time_calls(
                    lambda: client.get(
                        history,
                        params={
                            "run_ids": ids["big_run"],
                            "metric_key": "big",
                            "max_results": 2000,
                        },
                    ).raise_for_status(),
                    args.repeat,
                ),
            }
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    """Build the stores, time everything, print and save the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--params", type=int, default=10)
    parser.add_argument("--metrics", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10, help="points per metric per run")
    parser.add_argument("--points", type=int, default=1_000_000, help="points of the long metric")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--browser-repeat", type=int, default=5)
    parser.add_argument("--mlflow-python", help="python of an environment with mlflow installed")
    parser.add_argument("--out", default="bench-results/ui.json")
    args = parser.parse_args()

    results: dict[str, Any] = {"config": vars(args)}
    with tempfile.TemporaryDirectory(prefix="trialbook-ui-bench-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        ids = build_trialbook(folder / "store", args)
        results["build_s"] = time.perf_counter() - start
        print(f"built {args.runs:,} runs in {results['build_s']:.1f}s", flush=True)
        url, stop = serve_trialbook(ids["uri"])
        try:
            results["trialbook"] = http_trialbook(url, ids, args.repeat)
            print(json.dumps(results["trialbook"], indent=1), flush=True)
            chromium = Path(os.environ.get("TRIALBOOK_TEST_CHROMIUM") or "/usr/bin/chromium")
            if chromium.is_file():
                results["browser"] = browser_times(url, ids, args.browser_repeat)
                print(json.dumps(results["browser"], indent=1), flush=True)
        finally:
            stop()
        if args.mlflow_python:
            results["mlflow"] = mlflow_times(args.mlflow_python, args, folder)
    print_table(results)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"results: {out}")


def print_table(results: dict[str, Any]) -> None:
    """The numbers, trialbook beside MLflow where both exist."""
    mlflow = results.get("mlflow", {})
    print(f"\n{'call':44} {'trialbook median (p95, first)':>32} {'MLflow median':>14}")
    for name, t in {**results["trialbook"], **results.get("browser", {})}.items():
        theirs = mlflow.get(name)
        other = f"{theirs['median_ms']:.1f} ms" if theirs else "-"
        mine = f"{t['median_ms']:.1f} ms ({t['p95_ms']:.0f}, {t['first_ms']:.0f})"
        print(f"{name:44} {mine:>32} {other:>14}")


if __name__ == "__main__":
    main()
