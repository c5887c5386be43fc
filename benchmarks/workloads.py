"""Every workload: where its functions live, its sizes per profile, and the rows it reports.

A workload's trialbook side is ``<module>.tb_<function>`` and its MLflow side
``<module>.mlflow_<function>``; both take the keyword arguments of the chosen profile
(``full``, ``quick`` or ``smoke``, the last one for the smoke test).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness import MLFLOW_FILE, Row

Sizes = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Workload:
    """One measured scenario, run by both tools in fresh processes."""

    name: str
    issue: int
    module: str
    function: str
    sizes: Sizes
    """Profile -> keyword arguments of trialbook's side."""
    mlflow_sizes: Sizes
    """Profile -> keyword arguments of MLflow's side."""
    rows: tuple[Row, ...]
    mlflow_stores: tuple[str, ...] = ("sqlite",)
    timeout: float = 900.0

    def kwargs(self, profile: str, mlflow: bool = False) -> dict[str, Any]:
        """Keyword arguments for one side under a profile."""
        return dict((self.mlflow_sizes if mlflow else self.sizes)[profile])


def _same(sizes: Sizes) -> tuple[Sizes, Sizes]:
    return sizes, sizes


WORKLOADS: tuple[Workload, ...] = (
    Workload(
        "request bombs",
        12,
        "bench_server_limits",
        "request_bombs",
        *_same(
            {
                "full": {"limit_mib": None},
                "quick": {"limit_mib": None},
                "smoke": {"limit_mib": 4},
            }
        ),
        rows=tuple(
            Row(
                f"server: {bomb} bomb, peak memory growth / max_decoded_bytes",
                f"{bomb}_growth_x_limit",
                "x",
                4,
                None,
                "≤ 4x",
            )
            for bomb in ("gzip", "wide", "deep")
        ),
    ),
    Workload(
        "hostile searches",
        12,
        "bench_server_limits",
        "hostile_searches",
        *_same(
            {
                "full": {"runs": 10_000, "repeat": 3},
                "quick": {"runs": 2_000, "repeat": 3},
                "smoke": {"runs": 50, "repeat": 1},
            }
        ),
        rows=tuple(
            row
            for prefix, database in (("", "SQLite"), ("pg_", "PostgreSQL"))
            for row in (
                *(
                    Row(
                        f"server on {database}: {label} over {{runs:,}} runs: answer (median)",
                        f"{prefix}{key}_ms",
                        "ms",
                        2000,
                        None,
                        "< 2 s",
                    )
                    for key, label in (
                        ("like30", "run_name LIKE with 30 '%'"),
                        ("like200", "run_name LIKE with 200 '%'"),
                        ("ilike200", "run_name ILIKE '%a%a...' (100 '%a')"),
                        ("terms1001", "filter of 1,001 comparisons (413)"),
                        ("chars70k", "filter of 70,000 characters (413)"),
                    )
                ),
                Row(
                    f"server on {database}: /health while LIKE-200-'%' searches run: worst",
                    f"{prefix}health_during_like200_max_ms",
                    "ms",
                    1000,
                    None,
                    "< 1 s",
                ),
            )
        ),
    ),
    Workload(
        "import",
        2,
        "bench_core",
        "import",
        *_same({"full": {"repeat": 5}, "quick": {"repeat": 5}, "smoke": {"repeat": 1}}),
        rows=(
            Row(
                "import (fresh process, median of {repeat})",
                "import_ms",
                "ms",
                100,
                None,
                "< 100 ms",
            ),
        ),
    ),
    Workload(
        "cold start",
        17,
        "bench_cold",
        "cold",
        *_same(
            {
                "full": {"runs": 2_000, "repeat": 7},
                "quick": {"runs": 500, "repeat": 5},
                "smoke": {"runs": 20, "repeat": 1},
            }
        ),
        rows=(
            Row(
                "fresh process, {runs:,} runs: import + first filtered search (median of {repeat})",
                "first_search_ms",
                "ms",
                150,
                None,
                "≤ 150 ms",
            ),
            Row(
                'fresh process, {runs:,} runs: python -c "import …; print(….search_runs())"',
                "print_search_runs_ms",
                "ms",
                300,
                None,
                "< 300 ms",
            ),
            Row(
                "fresh process, {runs:,} runs: `… runs list` (the CLI)",
                "cli_list_ms",
                "ms",
                300,
                None,
                "< 300 ms",
            ),
        ),
        timeout=1800.0,  # MLflow builds 2,000 runs at ~60 ms each, then starts 24 processes
    ),
    Workload(
        "log_metric",
        2,
        "bench_metrics",
        "log_metric",
        {
            "full": {"n": 10_000, "visibility_n": 10_000, "durable_n": 10_000},
            "quick": {"n": 10_000, "visibility_n": 10_000, "durable_n": 10_000},
            "smoke": {"n": 200, "visibility_n": 200, "durable_n": 200},
        },
        {
            "full": {"n": 10_000, "visibility_n": 1_000, "durable_n": 1_000},
            "quick": {"n": 1_000, "visibility_n": 200, "durable_n": 200},
            "smoke": {"n": 200, "visibility_n": 200, "durable_n": 200},
        },
        rows=(
            Row("log_metric, {n:,} calls: median per call", "median_us", "µs", 3, None, "≤ 3 µs"),
            Row(
                "log_metric, {n:,} calls: median (MLflow file store)",
                "median_us",
                "µs",
                3,
                None,
                "≤ 3 µs",
                mlflow_side=MLFLOW_FILE,
            ),
            Row("log_metric, {n:,} calls: p99 per call", "p99_us", "µs"),
            Row("end_run right after {n:,} points", "end_run_ms", "ms"),
            Row(
                "all {visibility_n:,} points visible to another process",
                "visible_after_s",
                "s",
                0.5,
                None,
                "≤ 0.5 s after last call",
            ),
            Row(
                "points durable when end_run returns (then os._exit)",
                "durable",
                "yes/no",
                1,
                None,
                "yes",
            ),
        ),
        mlflow_stores=("sqlite", "file"),
    ),
    Workload(
        "million points",
        2,
        "bench_metrics",
        "million",
        {"full": {"n": 1_000_000}, "quick": {"n": 200_000}, "smoke": {"n": 2_000}},
        {
            "full": {"n": 2_000, "target": 1_000_000},
            "quick": {"n": 500, "target": 200_000},
            "smoke": {"n": 100, "target": 2_000},
        },
        rows=(
            Row("{n:,} points one call at a time: logging loop", "loop_s", "s"),
            Row("{n:,} points: mean per call", "per_call_us", "µs"),
            Row(
                "{n:,} points: all stored after last call", "stored_after_s", "s", 3, None, "≤ 3 s"
            ),
            Row("{n:,} points: peak RSS of the process", "peak_rss_mb", "MB"),
            Row(
                "{n:,} points: peak RSS growth while logging",
                "rss_growth_mb",
                "MB",
                None,
                None,
                "bounded",
            ),
        ),
    ),
    Workload(
        "start_run",
        2,
        "bench_core",
        "start_run",
        *_same(
            {
                "full": {"repeat": 50, "params": 100},
                "quick": {"repeat": 20, "params": 100},
                "smoke": {"repeat": 3, "params": 10},
            }
        ),
        rows=(
            Row(
                "start_run, capture on (median of {repeat})",
                "start_run_ms",
                "ms",
                10,
                None,
                "< 10 ms",
            ),
            Row("first start_run (store creation)", "first_start_run_ms", "ms"),
            Row("end_run (median of {repeat})", "end_run_ms", "ms"),
            Row("{params} log_param calls, total", "log_params_ms", "ms", 2, None, "< 2 ms"),
        ),
    ),
    Workload(
        "search",
        2,
        "bench_core",
        "search",
        {
            "full": {"runs": 10_000, "repeat": 5},
            "quick": {"runs": 2_000, "repeat": 5},
            "smoke": {"runs": 30, "repeat": 1},
        },
        {
            "full": {"runs": 10_000, "repeat": 5},
            "quick": {"runs": 500, "repeat": 5},
            "smoke": {"runs": 30, "repeat": 1},
        },
        rows=(
            Row(
                "search {runs:,} runs, filter + order, 100 results",
                "search100_ms",
                "ms",
                100,
                None,
                "≪ 100 ms",
            ),
            Row("search {runs:,} runs, filter + order, 1,000 results", "search1000_ms", "ms"),
            Row("first search in the process (100 results)", "search100_first_ms", "ms"),
            Row("building the runs: per run", "build_ms_per_run", "ms"),
        ),
    ),
    Workload(
        "read path",
        17,
        "bench_read",
        "read",
        *_same(
            {
                "full": {"runs": 2_000, "repeat": 7},
                "quick": {"runs": 2_000, "repeat": 5},
                "smoke": {"runs": 30, "repeat": 1},
            }
        ),
        rows=(
            Row(
                "{runs:,} runs x 10 params x 10 metrics: filtered search_runs (100), warm",
                "search_ms",
                "ms",
                10,
                None,
                "≤ 10 ms",
            ),
            Row("  all {runs:,} runs -> pandas DataFrame", "frame_ms", "ms", 50, None, "≤ 50 ms"),
            Row("  REST: page of 1,000 runs", "rest_page_ms", "ms", 50, None, "≤ 50 ms"),
            Row("  REST: filtered search (100)", "rest_filtered_ms", "ms", 15, None, "≤ 15 ms"),
            Row(
                "another process sees a point of a running run (median)",
                "visible_ms",
                "ms",
                50,
                None,
                "≤ 50 ms",
            ),
        ),
        timeout=1800.0,
    ),
    Workload(
        "read path growth",
        17,
        "bench_read",
        "read_growth",
        {
            "full": {"runs": 2_000, "more_runs": 100_000, "repeat": 5},
            "quick": {"runs": 2_000, "more_runs": 20_000, "repeat": 3},
            "smoke": {"runs": 20, "more_runs": 40, "repeat": 1},
        },
        {"full": {}, "quick": {}, "smoke": {}},  # trialbook alone: MLflow would take hours
        rows=(
            Row("{more_runs:,} runs: filtered search_runs (100), warm", "search_ms_large", "ms"),
            Row("  growth over {runs:,} runs", "search_ms_growth_x", "x", 10, None, "≤ 10x"),
            Row("{more_runs:,} runs: REST page of 1,000 runs", "rest_page_ms_large", "ms"),
            Row("  growth over {runs:,} runs", "rest_page_ms_growth_x", "x", 10, None, "≤ 10x"),
            Row("{more_runs:,} runs: REST filtered search (100)", "rest_filtered_ms_large", "ms"),
            Row("  growth over {runs:,} runs", "rest_filtered_ms_growth_x", "x", 10, None, "≤ 10x"),
            Row("{more_runs:,} runs -> pandas DataFrame", "frame_ms_large", "ms"),
            Row("  growth over {runs:,} runs (rows grow 50x)", "frame_ms_growth_x", "x"),
        ),
        mlflow_stores=(),
        timeout=3600.0,
    ),
    Workload(
        "client memory",
        17,
        "bench_memory",
        "client_memory",
        {
            "full": {"points": 10_000_000},
            "quick": {"points": 1_000_000},
            "smoke": {"points": 20_000},
        },
        {"full": {}, "quick": {}, "smoke": {}},
        rows=(
            Row(
                "client logging {points:,} points: peak RSS",
                "client_peak_rss_mb",
                "MB",
                150,
                None,
                "≤ 150 MB",
            ),
            Row("  RSS growth after the first tenth", "client_rss_growth_mb", "MB"),
        ),
        mlflow_stores=(),
        timeout=1800.0,
    ),
    Workload(
        "server memory",
        17,
        "bench_memory",
        "server_memory",
        {
            "full": {"sizes": [1_000_000, 10_000_000, 100_000_000]},
            "quick": {"sizes": [1_000_000, 3_000_000, 10_000_000]},
            "smoke": {"sizes": [200_000, 400_000, 600_000], "runs": 3},
        },
        {"full": {}, "quick": {}, "smoke": {}},
        rows=(
            Row("server RSS after {sizes[0]:,} points", "server_rss_0_mb", "MB"),
            Row("server RSS after {sizes[1]:,} points", "server_rss_1_mb", "MB"),
            Row("server RSS after {sizes[2]:,} points", "server_rss_2_mb", "MB"),
            Row(
                "  growth from the first to the last",
                "server_rss_growth_mb",
                "MB",
                10,
                None,
                "≤ 10 MB",
            ),
            Row("  server CPU per point, full batches", "server_cpu_us_per_point", "µs"),
        ),
        mlflow_stores=(),
        timeout=3600.0,
    ),
    Workload(
        "sklearn autolog",
        3,
        "bench_autolog",
        "sklearn",
        {
            "full": {"repeat": 7},
            "quick": {"repeat": 3},
            "smoke": {"repeat": 1, "models": ["logreg"]},
        },
        {
            "full": {"repeat": 3},
            "quick": {"repeat": 2},
            "smoke": {"repeat": 1, "models": ["logreg"]},
        },
        rows=(
            Row(
                "LogisticRegression fit: added by autolog",
                "logreg_added_ms",
                "ms",
                20,
                100,
                "< 20 ms, > 100x less",
                baseline_key="logreg_off_ms",
            ),
            Row(
                "RandomForest(50) fit: added by autolog",
                "forest_added_ms",
                "ms",
                20,
                100,
                "< 20 ms, > 100x less",
                baseline_key="forest_off_ms",
            ),
            Row(
                "GridSearchCV 3x3 (cv=3): added by autolog",
                "grid_added_ms",
                "ms",
                baseline_key="grid_off_ms",
            ),
        ),
    ),
    Workload(
        "sklearn first fit",
        3,
        "bench_autolog",
        "sklearn_first_fit",
        *_same({"full": {"repeat": 3}, "quick": {"repeat": 1}, "smoke": {"repeat": 1}}),
        rows=(
            Row(
                "first fit in a fresh process: added (import + autolog + store)",
                "first_fit_added_ms",
                "ms",
                500,
                None,
                "< 500 ms",
                baseline_key="first_fit_plain_ms",
            ),
            Row("  of which import", "first_fit_import_ms", "ms"),
            Row("  of which autolog()", "first_fit_autolog_ms", "ms"),
        ),
    ),
    Workload(
        "store size",
        11,
        "bench_store",
        "store_size",
        {"full": {"fits": 1000}, "quick": {"fits": 200}, "smoke": {"fits": 3}},
        # MLflow takes 10-30 s per fit here (a subprocess infers each model's requirements):
        # fewer fits, scaled to 1,000 (noted in the table).
        {"full": {"fits": 30}, "quick": {"fits": 20}, "smoke": {"fits": 3}},
        rows=(
            Row(
                "store on disk per 1,000 autologged LogisticRegression fits",
                "store_mb_per_1000",
                "MB",
            ),
            Row(
                "files on disk per 1,000 autologged LogisticRegression fits",
                "store_files_per_1000",
                "files",
            ),
            Row("  time per fit while filling the store", "store_ms_per_fit", "ms"),
        ),
        timeout=3600.0,
    ),
    Workload(
        "xgboost autolog",
        5,
        "bench_autolog",
        "xgboost",
        {
            "full": {"rounds": 100, "repeat": 7},
            "quick": {"rounds": 100, "repeat": 3},
            "smoke": {"rounds": 5, "repeat": 1},
        },
        {
            "full": {"rounds": 100, "repeat": 3},
            "quick": {"rounds": 100, "repeat": 2},
            "smoke": {"rounds": 5, "repeat": 1},
        },
        rows=(
            Row(
                "xgboost.train {rounds} rounds + eval set: added by autolog",
                "train_added_ms",
                "ms",
                30,
                None,
                "< 30 ms",
                baseline_key="train_off_ms",
            ),
        ),
    ),
    Workload(
        "lightning autolog",
        4,
        "bench_autolog",
        "lightning",
        {
            "full": {"epochs": 5, "repeat": 7},
            "quick": {"epochs": 5, "repeat": 3},
            "smoke": {"epochs": 3, "repeat": 1},
        },
        {
            "full": {"epochs": 5, "repeat": 3},
            "quick": {"epochs": 5, "repeat": 2},
            "smoke": {"epochs": 3, "repeat": 1},
        },
        rows=(
            Row(
                "Lightning small model: added per epoch",
                "epoch_added_ms",
                "ms",
                2,
                None,
                "< 2 ms",
                baseline_key="epoch_off_ms",
            ),
            Row(
                "Lightning {epochs} epochs: added per fit (model save included)",
                "fit_added_ms",
                "ms",
                baseline_key="fit_off_ms",
            ),
        ),
    ),
    Workload(
        "system metrics",
        8,
        "bench_system",
        "system_metrics",
        *_same(
            {
                "full": {"wall_s": 30.0, "interval_s": 0.25},
                "quick": {"wall_s": 10.0, "interval_s": 0.25},
                "smoke": {"wall_s": 0.5, "interval_s": 0.05},
            }
        ),
        rows=(
            Row(
                "system metrics every {interval_s} s for {wall_s:g} s: CPU per sample",
                "cpu_ms_per_sample",
                "ms",
            ),
            Row(
                "system metrics at the default 10 s interval: share of one core",
                "core_percent_default",
                "%",
                1,
                None,
                "< 1%",
            ),
        ),
    ),
)
