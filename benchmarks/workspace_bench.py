"""The experiment page's chart panel: many runs charted together, first draw timed.

::

    python benchmarks/workspace_bench.py                     # 200 runs x 10 metrics x 10,000 steps
    python benchmarks/workspace_bench.py --runs 50 --steps 2000     # quicker

Target (issue 16): the chart panel over 200 runs x 10 metrics x 10,000 steps draws its first
chart under 1 s. Timed over HTTP: the panel's first call (metric families and single values
of the 200 runs) and one chart's call (one metric of the 200 runs, downsampled on the
server), cold (the first time since the server started: the store's overviews of the
histories are read) and warm (downsampled series cached); all ten charts' calls cold, one
after another. In Chromium (``TRIALBOOK_TEST_CHROMIUM`` or ``/usr/bin/chromium``):
navigation start to the first chart on screen (the SVG sketch drawn while plotly.js starts,
or plotly's chart) and to the first chart drawn by plotly, with the table showing all 200
runs: a fresh browser on a fresh server (a first visit: plotly.js is compiled from scratch,
about a second of the main thread), warm, and the browser back on a restarted server. Wall
times on a busy machine are mostly waiting, so the server's CPU time per call is measured
too (the calls served in this process). Results print and go to
``bench-results/workspace.json``; the store is built by ``ui_bench.build_trialbook`` (bulk
``write_batch``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ui_bench import build_trialbook, free_port, serve_trialbook, time_calls

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def http_times(url: str, experiment: str, metrics: int, repeat: int) -> dict[str, dict[str, float]]:
    """The chart panel's calls over HTTP (the first sample of each is cold)."""
    import httpx

    with httpx.Client(timeout=300) as client:
        rows = client.get(
            f"{url}/api/ui/experiments/{experiment}/runs",
            params={"max_results": 1000, "filter": "attributes.run_name != 'long-history'"},
        ).json()["runs"]
        runs = ",".join(r["run_id"] for r in rows)

        def charts(**params: Any) -> Callable[[], None]:
            def call() -> None:
                client.get(
                    f"{url}/api/ui/charts", params={"runs": runs, **params}
                ).raise_for_status()

            return call

        found = {
            f"families of {len(rows)} runs": time_calls(charts(), repeat),
            f"one chart: 1 metric x {len(rows)} runs": time_calls(charts(keys="m0"), repeat),
        }
        start = time.perf_counter()
        for k in range(1, metrics):
            charts(keys=f"m{k}")()
        cold_rest = (time.perf_counter() - start) * 1000 / max(1, metrics - 1)
        found["every other chart, cold, each"] = {
            "first_ms": cold_rest, "median_ms": cold_rest, "p95_ms": cold_rest,
        }  # fmt: skip
    return found


def cpu_times(uri: str, experiment: str) -> dict[str, float]:
    """Process CPU milliseconds of the same calls served in this process (what they cost,
    whatever else the machine is doing); cold is the first call for a metric."""
    import warnings

    from trialbook.ui import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    found: dict[str, float] = {}
    with TestClient(create_app(uri), base_url="http://127.0.0.1") as client:

        def cpu(name: str, path: str, **params: Any) -> Any:
            start = time.process_time()
            response = client.get(path, params=params)
            found[name] = (time.process_time() - start) * 1000
            response.raise_for_status()
            return response.json()

        rows = cpu(
            "runs table, one page of 250", f"/api/ui/experiments/{experiment}/runs", max_results=250
        )["runs"]
        runs = ",".join(r["run_id"] for r in rows if r["run_name"] != "long-history")
        cpu("families", "/api/ui/charts", runs=runs)
        cpu("one chart, cold", "/api/ui/charts", runs=runs, keys="m0", points=100)
        cpu("one chart, warm", "/api/ui/charts", runs=runs, keys="m0", points=100)
    return found


def browser_times(uri: str, experiment: str, repeat: int) -> dict[str, float]:
    """Navigation start to the first chart on screen (an SVG sketch or plotly's chart) and to
    the first chart drawn by plotly: a fresh browser on a fresh server first, then warm, then
    the same browser on a freshly restarted server (plotly.js in its cache, nothing cached in
    the server)."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("TRIALBOOK_TEST_CHROMIUM") or "/usr/bin/chromium"
    port = free_port()
    url, stop = serve_trialbook(uri, port)
    path = f"{url}/experiments/{experiment}?rows=250"
    marks = (
        "() => ['visible', 'drawn'].map((name) => performance"
        ".getEntriesByName(`trialbook-workspace-chart-${name}`)[0]?.startTime ?? null)"
    )
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()

            def visit() -> tuple[float, float]:
                page.goto(path)
                page.wait_for_selector("#chart-sections .chart[data-state=drawn]", timeout=120_000)
                sketched, drawn = page.evaluate(marks)
                page.goto(f"{url}/")
                return min(sketched or drawn, drawn), drawn

            first = visit()
            warm = sorted(visit() for _ in range(repeat))
            stop()
            url, stop = serve_trialbook(uri, port)  # the same origin: the browser's cache holds
            restarted = visit()
            browser.close()
    finally:
        stop()
    return {
        "cold_visible_ms": first[0],
        "cold_ms": first[1],
        "warm_visible_median_ms": statistics.median(v for v, _ in warm),
        "warm_median_ms": statistics.median(d for _, d in warm),
        "warm_max_ms": max(d for _, d in warm),
        "restarted_server_visible_ms": restarted[0],
        "restarted_server_ms": restarted[1],
    }


def main() -> None:
    """Build the store, time the panel, print and save the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--metrics", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--browser-repeat", type=int, default=5)
    parser.add_argument("--out", default="bench-results/workspace.json")
    args = parser.parse_args()
    build_args = argparse.Namespace(
        runs=args.runs, params=2, metrics=args.metrics, steps=args.steps, points=1000
    )
    results: dict[str, Any] = {"config": vars(args), "load_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="trialbook-workspace-bench-") as tmp:
        start = time.perf_counter()
        ids = build_trialbook(Path(tmp) / "store", build_args)
        results["build_s"] = time.perf_counter() - start
        print(
            f"built {args.runs} runs x {args.metrics} x {args.steps:,} in {results['build_s']:.0f}s"
        )
        url, stop = serve_trialbook(ids["uri"])
        try:
            results["http"] = http_times(url, ids["experiment"], args.metrics, args.repeat)
        finally:
            stop()
        results["server_cpu_ms"] = cpu_times(ids["uri"], ids["experiment"])
        chromium = Path(os.environ.get("TRIALBOOK_TEST_CHROMIUM") or "/usr/bin/chromium")
        if chromium.is_file():
            results["browser_first_chart"] = browser_times(
                ids["uri"], ids["experiment"], args.browser_repeat
            )
    results["load_end"] = os.getloadavg()
    for name, t in results["http"].items():
        print(f"{name:40} median {t['median_ms']:8.1f} ms  (first {t['first_ms']:.0f} ms)")
    for name, ms in results["server_cpu_ms"].items():
        print(f"{'server CPU: ' + name:40} {ms:8.1f} ms")
    if "browser_first_chart" in results:
        b = results["browser_first_chart"]
        for label, on_screen, drawn in [
            ("first visit", "cold_visible_ms", "cold_ms"),
            ("warm, median", "warm_visible_median_ms", "warm_median_ms"),
            ("restarted server", "restarted_server_visible_ms", "restarted_server_ms"),
        ]:
            print(f"{'browser, ' + label:40} chart on screen {b[on_screen]:.0f} ms, "
                  f"plotly's {b[drawn]:.0f} ms")  # fmt: skip
    print(f"load average {results['load_start']} -> {results['load_end']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
