"""The Models pages in a real browser: from the top bar to a model, and on to its source run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_models_page_leads_to_the_source_run(
    page: Any, populated: Any, screenshot_dir: Path
) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Sections").get_by_text("Models").click()
    row = page.locator("#models-table tbody tr", has_text="image-classifier")
    assert "@champion" in row.inner_text()
    page.screenshot(path=screenshot_dir / "20-models.png", full_page=True)

    row.get_by_role("link", name="image-classifier").click()
    version = page.locator("#versions-table tr#v1")
    assert "@champion" in version.inner_text()
    page.screenshot(path=screenshot_dir / "21-model.png", full_page=True)

    version.locator("a.source-run").click()
    page.wait_for_selector("#registered-versions")
    assert page.url.endswith(f"/runs/{populated.runs['resnet-adam-0.01']}")
    assert "image-classifier v1" in page.locator("#registered-versions").inner_text()


def test_models_filter_hides_models_whose_name_does_not_match(page: Any) -> None:
    page.goto("/models")
    page.fill("input[data-filters=models-table]", "no such model")
    page.locator("[data-empty-for=models-table]").wait_for(state="visible")
    assert page.locator("#models-table tbody tr:visible").count() == 0
