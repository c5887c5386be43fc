"""Comparing runs in a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_selecting_two_runs_opens_their_comparison(
    page: Any, populated: Any, screenshot_dir: Path
) -> None:
    page.goto(f"/experiments/{populated.experiments['vision']}")
    page.wait_for_selector("#runs-table[data-state=drawn]")
    for name in ("resnet-adam-0.01", "resnet-sgd-0.1"):
        page.get_by_label(f"Select {name}", exact=True).check()
    page.get_by_role("button", name="Compare 2 runs").click()
    page.wait_for_url("**/compare?runs=*")
    page.wait_for_selector("#compare-charts .chart[data-metric=loss][data-state=drawn]")
    page.wait_for_selector("#parallel-chart[data-state=drawn] svg")
    page.wait_for_selector("#scatter-chart[data-state=drawn]")
    traces = page.locator("#compare-charts .chart[data-metric=loss]").evaluate(
        "node => node.data.length"
    )
    assert traces == 2
    differing = page.locator("#params-diff tr.differs th").all_inner_texts()
    assert sorted(differing) == ["lr", "optimizer"]
    assert page.locator("#parallel-chart polyline").count() == 2
    page.screenshot(path=screenshot_dir / "20-compare.png", full_page=True)


def test_compare_shows_every_param_when_asked(page: Any, populated: Any, until: Any) -> None:
    ids = f"{populated.runs['resnet-adam-0.01']},{populated.runs['resnet-adam-0.1']}"
    page.goto(f"/compare?runs={ids}")
    page.wait_for_selector("#params-diff tbody tr")
    page.uncheck("#only-diff")
    rows = page.locator("#params-diff tbody tr")
    until(page, "() => document.querySelectorAll('#params-diff tbody tr').length === 4")
    assert rows.count() == 4
