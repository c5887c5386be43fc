"""A run's page in a real browser: overview, metric charts, artifacts, reproducibility."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

XSS = "<script>alert(1)</script>"


def _open_best_run(page: Any, populated: Any) -> None:
    page.goto(f"/experiments/{populated.experiments['vision']}")
    page.wait_for_selector("#runs-table[data-state=drawn]")
    page.get_by_role("link", name="resnet-adam-0.01", exact=True).click()
    page.wait_for_selector("#panel-overview")


def test_run_page_shows_params_metrics_and_trend_lines(
    page: Any, populated: Any, screenshot_dir: Path
) -> None:
    _open_best_run(page, populated)
    page.wait_for_selector(".sparkline[data-metric=loss] svg path")
    assert page.locator("#params-table").inner_text().count("\n") >= 3
    assert XSS in page.locator(".description").inner_text()
    page.locator("#evaluation .chart[data-state=drawn]").nth(1).wait_for()
    page.screenshot(path=screenshot_dir / "10-run-overview.png", full_page=True)


def test_evaluation_charts_draw_integration_artifacts(page: Any, populated: Any) -> None:
    _open_best_run(page, populated)
    page.locator("#evaluation .chart[data-state=drawn]").nth(1).wait_for()
    kinds = page.locator("#evaluation .chart").evaluate_all(
        "nodes => nodes.map(n => n.data[0].type)"
    )
    assert kinds == ["heatmap", "bar"]


def test_a_metric_chart_opens_from_the_metrics_table(
    page: Any, populated: Any, screenshot_dir: Path
) -> None:
    _open_best_run(page, populated)
    link = page.locator(".metric-link", has_text="loss")
    # A plain link (no script needed): a click before run.js has loaded still focuses it.
    assert link.get_attribute("href") == "#chart=loss"
    link.click()
    chart = page.locator("#chart-sections .chart[data-metric=loss]")
    page.wait_for_selector("#chart-sections .chart[data-metric=loss][data-state=drawn]")
    assert chart.evaluate("node => node.data[0].y.length") == 30
    assert page.locator(".chart-card.focused h3").inner_text() == "loss"
    page.screenshot(path=screenshot_dir / "11-run-charts.png", full_page=True)


def test_chart_controls_smooth_and_switch_to_log_scale(
    page: Any, populated: Any, until: Any
) -> None:
    page.goto(f"/runs/{populated.runs['resnet-adam-0.01']}#charts")
    selector = "#chart-sections .chart[data-metric=loss]"
    page.wait_for_selector(f"{selector}[data-state=drawn]")
    page.locator("#smoothing").fill("0.8")
    until(page, "s => document.querySelector(s).data.length === 2", selector)
    page.check("#log-scale")
    until(page, "s => document.querySelector(s).layout.yaxis.type === 'log'", selector)


def test_a_long_history_is_drawn_downsampled_with_its_spike(
    page: Any, populated: Any, screenshot_dir: Path
) -> None:
    page.goto(f"/runs/{populated.runs['long-history']}#chart=loss")
    selector = "#chart-sections .chart[data-metric=loss]"
    page.wait_for_selector(f"{selector}[data-state=drawn]")
    points = page.locator(selector).evaluate("node => node.data[0].y")
    assert len(points) <= 2002
    assert max(points) == 9.0
    assert (
        "of 100,000 points"
        in page.locator(".chart-card[data-metric=loss] .chart-meta").inner_text()
    )
    page.screenshot(path=screenshot_dir / "12-long-history.png")


def test_artifacts_preview_text_as_text(page: Any, populated: Any, screenshot_dir: Path) -> None:
    page.goto(f"/runs/{populated.runs['resnet-adam-0.01']}#artifacts")
    page.get_by_role("treeitem", name="notes.txt").click()
    page.wait_for_selector("#artifact-preview[data-state=ready][data-kind=text]")
    assert XSS in page.locator("#artifact-preview pre").inner_text()
    page.screenshot(path=screenshot_dir / "13-artifact-text.png", full_page=True)


def test_artifacts_preview_csv_as_a_table(page: Any, populated: Any, screenshot_dir: Path) -> None:
    page.goto(f"/runs/{populated.runs['resnet-adam-0.01']}#artifact=history.csv")
    page.wait_for_selector("#artifact-preview[data-kind=csv]")
    assert page.locator("#artifact-preview tbody tr").count() == 25
    page.screenshot(path=screenshot_dir / "14-artifact-csv.png", full_page=True)


def test_artifacts_preview_images(
    page: Any, populated: Any, until: Any, screenshot_dir: Path
) -> None:
    page.goto(f"/runs/{populated.runs['resnet-adam-0.01']}#artifacts")
    page.get_by_role("treeitem", name="plots").click()
    page.get_by_role("treeitem", name="gradient.png").click()
    until(page, "() => document.querySelector('#artifact-preview img')?.naturalWidth === 64")
    page.screenshot(path=screenshot_dir / "15-artifact-image.png", full_page=True)


def test_svg_artifacts_cannot_run_scripts(page: Any, populated: Any, until: Any) -> None:
    page.goto(f"/runs/{populated.runs['resnet-adam-0.01']}#artifact=plots/evil.svg")
    until(page, "() => document.querySelector('#artifact-preview img')?.complete")
    page.goto(
        f"/api/ui/runs/{populated.runs['resnet-adam-0.01']}/artifacts/raw?path=plots/evil.svg"
    )
    page.wait_for_load_state()


def test_a_big_text_file_is_previewed_truncated(page: Any, populated: Any) -> None:
    page.goto(f"/runs/{populated.runs['resnet-adam-0.01']}#artifact=big.log")
    page.wait_for_selector("#artifact-preview[data-kind=text]")
    notice = page.locator("#artifact-preview .notice")
    assert "Showing the first 256.0 KB" in notice.inner_text()


def test_a_model_folder_shows_its_metadata(page: Any, populated: Any, screenshot_dir: Path) -> None:
    page.goto(f"/runs/{populated.runs['resnet-adam-0.01']}#artifact=model")
    page.wait_for_selector("#artifact-preview[data-kind=model]")
    card = page.locator("#artifact-preview .model-card").inner_text()
    assert "sklearn" in card
    signature = page.locator("#artifact-preview .model-signature").inner_text()
    assert XSS in signature
    assert "double" in signature
    example = page.locator("#artifact-preview .model-example").inner_text()
    assert XSS in example
    assert "1.0" in example
    page.screenshot(path=screenshot_dir / "16-artifact-model.png", full_page=True)


def test_reproducibility_shows_commit_command_and_diff(
    page: Any, populated: Any, screenshot_dir: Path
) -> None:
    page.goto(f"/runs/{populated.runs['resnet-adam-0.01']}#reproducibility")
    page.locator("#repro-diff").wait_for(state="visible")
    assert page.locator("#repro-diff .diff-add").inner_text() == "+lr = 0.01"
    link = page.get_by_role("link", name="3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39")
    assert link.get_attribute("href") == (
        "https://github.com/example/vision/commit/3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"
    )
    assert "python train.py" in page.locator("#source-command").inner_text()
    page.screenshot(path=screenshot_dir / "17-reproducibility.png", full_page=True)
