"""The benchmark harness runs: trialbook's side of every workload, with tiny sizes.

Speed itself is measured by ``nox -s bench``; these tests assert no timing, only that the
harness works and that what the workloads log is really stored.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
CORE_WORKLOADS = ("import", "cold start", "log_metric", "million", "start_run", "search")


def run_benchmarks(out: Path, *only: str) -> dict[str, Any]:
    """Run ``benchmarks/run.py --smoke`` for the named workloads; return results.json."""
    command = [sys.executable, str(BENCHMARKS / "run.py"), "--smoke", "--out", str(out)]
    for name in only:
        command += ["--only", name]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    document: dict[str, Any] = json.loads((out / "results.json").read_text())
    return document


def outcome(document: dict[str, Any], workload: str) -> dict[str, Any]:
    """trialbook's outcome of one workload."""
    found = [w for w in document["workloads"] if w["workload"] == workload]
    result: dict[str, Any] = found[0]["outcomes"]["trialbook"]
    return result


def load_harness() -> ModuleType:
    """benchmarks/harness.py as a module (the folder is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_harness", BENCHMARKS / "harness.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One smoke run of the core workloads, shared by the tests that read it."""
    return run_benchmarks(tmp_path_factory.mktemp("bench"), *CORE_WORKLOADS)


def test_every_core_row_has_a_trialbook_number(core: dict[str, Any]) -> None:
    missing = [row["label"] for row in core["rows"] if row["trialbook"] is None]
    assert missing == []


def test_without_mlflow_python_no_mlflow_number_is_reported(core: dict[str, Any]) -> None:
    assert {row["mlflow"] for row in core["rows"]} == {None}


def test_only_runs_the_workloads_it_names(core: dict[str, Any]) -> None:
    names = {w["workload"] for w in core["workloads"]}
    assert names == {"import", "cold start", "log_metric", "million points", "start_run", "search"}


def test_points_logged_before_end_run_survive_an_immediate_exit(core: dict[str, Any]) -> None:
    values = outcome(core, "log_metric")["values"]
    assert values["durable_points"] == values["n"]


def test_every_point_of_the_long_loop_is_stored(core: dict[str, Any]) -> None:
    values = outcome(core, "million points")["values"]
    assert values["stored_points"] == values["n"]


def test_search_finds_runs_matching_the_filter(core: dict[str, Any]) -> None:
    values = outcome(core, "search")["values"]
    assert 0 < values["search100_found"] < values["runs"]


def test_results_are_written_as_markdown_too(tmp_path: Path) -> None:
    run_benchmarks(tmp_path, "import")
    assert "| import (fresh process" in (tmp_path / "results.md").read_text()


@pytest.mark.parametrize(
    "workload",
    [
        pytest.param("sklearn autolog", marks=pytest.mark.sklearn),
        pytest.param("sklearn first fit", marks=pytest.mark.sklearn),
        pytest.param("store size", marks=pytest.mark.sklearn),
        pytest.param("xgboost autolog", marks=pytest.mark.xgboost),
        pytest.param("lightning autolog", marks=pytest.mark.lightning),
    ],
)
def test_autolog_workload_runs_or_says_why_not(workload: str, tmp_path: Path) -> None:
    side = outcome(run_benchmarks(tmp_path, workload), workload)
    assert side["error"] is None


def test_ratio_reads_as_how_many_times_faster_trialbook_is() -> None:
    harness = load_harness()
    assert harness.format_ratio(harness.ratio(2.0, 500.0, "ms"), 2.0, 500.0) == "250x faster"


def test_size_ratio_reads_as_how_many_times_smaller_the_store_is() -> None:
    harness = load_harness()
    assert harness.format_ratio(harness.ratio(4.0, 10.0, "MB"), 4.0, 10.0, "MB") == "2.5x smaller"


@pytest.mark.sklearn
def test_store_size_counts_what_the_fits_left_on_disk(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    side = outcome(run_benchmarks(tmp_path, "store size"), "store size")
    values = side["values"]
    assert values["fits"] == 3
    assert values["store_files_per_1000"] >= 1000  # at least the database and one file per fit
    assert values["store_mb_per_1000"] > 0


def test_disk_usage_counts_a_hard_linked_file_once(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_store
    finally:
        sys.path.remove(str(BENCHMARKS))
    (tmp_path / "a").write_bytes(b"x" * 10_000)
    _, files_before = bench_store.disk_usage(tmp_path)
    (tmp_path / "b").hardlink_to(tmp_path / "a")
    (tmp_path / "c").write_bytes(b"y")
    _, files_after = bench_store.disk_usage(tmp_path)
    assert (files_before, files_after) == (1, 2)


def test_a_value_over_its_target_is_a_miss() -> None:
    harness = load_harness()
    row = harness.Row("start_run", "start_run_ms", "ms", target=10)
    assert harness.status(row, 12.0, None) == "MISS"


def test_a_value_under_its_target_but_too_close_to_mlflow_is_a_miss() -> None:
    harness = load_harness()
    row = harness.Row("fit", "added_ms", "ms", target=20, min_ratio=100)
    assert harness.status(row, 15.0, 40.0) == "MISS"


def test_system_metrics_workload_counts_the_samples_it_stored(tmp_path: Path) -> None:
    pytest.importorskip("psutil")
    side = outcome(run_benchmarks(tmp_path, "system metrics"), "system metrics")
    assert side["error"] is None
    assert side["values"]["samples"] > 0


def test_read_path_workloads_report_every_row_and_find_what_was_built(tmp_path: Path) -> None:
    document = run_benchmarks(tmp_path, "read path", "memory")
    missing = [row["label"] for row in document["rows"] if row["trialbook"] is None]
    assert missing == []
    read = outcome(document, "read path")["values"]
    assert read["frame_rows"] == read["runs"]
    assert read["rest_page_rows"] == read["runs"]


def test_the_seam_benchmark_compares_every_row_between_two_interpreters(tmp_path: Path) -> None:
    # This interpreter stands in for the baseline: the smoke run proves the code, not speed.
    command = [
        sys.executable, str(BENCHMARKS / "bench_seam.py"), "--smoke", "--rounds", "1",
        "--baseline-python", sys.executable, "--out", str(tmp_path),
    ]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = json.loads((tmp_path / "seam.json").read_text())["rows"]
    assert len(rows) == 6
    assert [row["label"] for row in rows if row["time_ratio"] is None] == []


def test_server_bench_reports_each_client_count_and_finds_every_point(tmp_path: Path) -> None:
    command = [
        sys.executable, str(BENCHMARKS / "server_bench.py"), "--clients", "1,2",
        "--points", "500", "--params", "3", "--json",
        "--backend", f"sqlite:///{tmp_path / 'bench.db'}",
    ]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = json.loads(proc.stdout.splitlines()[-1])["results"]
    assert [row["clients"] for row in rows] == [1, 2]
    assert [row["points_stored_ok"] for row in rows] == [500, 1000]
    assert all(row["server_cpu_us_per_point"] >= 0 for row in rows)
