"""Browsing in a real browser: the experiments list and the runs table."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

XSS = "<script>alert(1)</script>"


def _runs_page(page: Any, experiment_id: str) -> None:
    page.goto(f"/experiments/{experiment_id}")
    page.wait_for_selector("#runs-table[data-state=drawn]")


def _names(page: Any) -> list[str]:
    return page.locator("#runs-table tbody td.name a").all_inner_texts()


def test_experiments_list_shows_run_counts(page: Any, screenshot_dir: Path) -> None:
    page.goto("/")
    row = page.locator("#experiments-table tbody tr", has_text="image-classifier")
    assert row.locator("td.num").first.inner_text() == "12"
    page.screenshot(path=screenshot_dir / "01-experiments.png", full_page=True)


def test_markup_in_names_renders_as_text(page: Any, populated: Any, screenshot_dir: Path) -> None:
    page.goto("/")
    page.get_by_text(f"{XSS} experiment").click()
    page.wait_for_selector("#runs-table[data-state=drawn]")
    assert page.locator("h1").inner_text() == f"{XSS} experiment"
    assert f"<b>bold</b> {XSS}" in _names(page)
    assert page.locator("#runs-table b").count() == 0
    page.screenshot(path=screenshot_dir / "02-markup-escaped.png", full_page=True)


def test_runs_table_filters_with_the_search_language(
    page: Any, populated: Any, until: Any, screenshot_dir: Path
) -> None:
    _runs_page(page, populated.experiments["vision"])
    page.fill("#filter", "params.optimizer = 'sgd' and metrics.accuracy > 0.85")
    page.press("#filter", "Enter")
    until(page, "() => document.querySelectorAll('#runs-table tbody tr').length === 4")
    assert all(name.startswith("resnet-sgd") for name in _names(page))
    assert "filter=" in page.url
    page.screenshot(path=screenshot_dir / "03-runs-filtered.png", full_page=True)


def test_a_bad_filter_is_explained_inline(page: Any, populated: Any, screenshot_dir: Path) -> None:
    _runs_page(page, populated.experiments["vision"])
    page.fill("#filter", "metrics.loss > and")
    page.press("#filter", "Enter")
    error = page.locator("#filter-error")
    error.wait_for(state="visible")
    assert "column 16" in error.inner_text()
    assert page.locator("#filter").get_attribute("aria-invalid") == "true"
    page.screenshot(path=screenshot_dir / "04-filter-error.png")


def test_runs_table_sorts_by_a_metric_column(
    page: Any, populated: Any, screenshot_dir: Path
) -> None:
    _runs_page(page, populated.experiments["vision"])
    header = page.locator("#runs-table thead th", has_text="accuracy")
    header.click()
    page.wait_for_selector("#runs-table thead th[aria-sort=descending]")
    page.wait_for_selector("#runs-table[aria-busy=false]")
    assert _names(page)[0] == "resnet-adam-0.1"
    header.click()
    page.wait_for_selector("#runs-table thead th[aria-sort=ascending]")
    page.wait_for_selector("#runs-table[aria-busy=false]")
    assert _names(page)[0] == "resnet-adam-0.003"
    page.screenshot(path=screenshot_dir / "05-runs-sorted.png", full_page=True)


def test_runs_table_groups_by_a_param(page: Any, populated: Any, screenshot_dir: Path) -> None:
    _runs_page(page, populated.experiments["vision"])
    page.select_option("#group-by", "optimizer")
    page.wait_for_selector("#runs-table tr.group-row")
    groups = page.locator("#runs-table tr.group-row").all_inner_texts()
    assert [g.split(" · ")[0].strip(" ▾") for g in groups] == [
        "optimizer = adam",
        "optimizer = sgd",
        "optimizer not set",
    ]
    page.screenshot(path=screenshot_dir / "06-runs-grouped.png", full_page=True)


def test_columns_can_show_the_minimum_of_a_metric(page: Any, populated: Any) -> None:
    _runs_page(page, populated.experiments["vision"])
    page.click("#columns-button")
    page.get_by_label("loss min").check()
    page.wait_for_selector("#runs-table thead th:has(.agg)")
    assert "cols=" in page.url


def test_live_refresh_shows_new_points_of_running_runs(
    page: Any, populated: Any, until: Any, screenshot_dir: Path
) -> None:
    import trialbook

    client = trialbook.TrackingClient(populated.uri)
    experiment = client.create_experiment(f"live-{time.time_ns()}")
    run_id = client.create_run(experiment, run_name="live-run").info.run_id
    client.log_metric(run_id, "loss", 1.0, step=0)
    client.flush()
    _runs_page(page, experiment)
    page.locator("#live").wait_for(state="visible")
    client.log_metric(run_id, "loss", 0.25, step=1)
    client.flush()
    until(
        page,
        "() => [...document.querySelectorAll('#runs-table tbody td')]"
        ".some(td => td.textContent === '0.25')",
    )
    page.screenshot(path=screenshot_dir / "07-runs-live.png")
    client.set_terminated(run_id)
