"""Datasets, logged tables and logged images on a run's page, in a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

XSS = "<script>alert(1)</script>"

STEPS = 5


@pytest.fixture(scope="module")
def media_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two runs trained on the same data; the first has a table, images and two datasets."""
    import numpy as np
    import pandas as pd

    import trialbook

    uri = str(tmp_path_factory.mktemp("e2e-media"))
    client = trialbook.TrackingClient(uri)
    experiment_id = client.create_experiment("wine-quality")
    other_experiment = client.create_experiment("wine-rerun")
    frame = pd.DataFrame({"alcohol": np.linspace(9, 14, 40), "quality": np.arange(40) % 4 + 4})
    train = trialbook.data.from_pandas(
        frame, source="data/wine.csv", name="wine", targets="quality"
    )
    test = trialbook.data.from_pandas(frame.head(10), name=f"holdout {XSS}")
    first = client.create_run(experiment_id, run_name="first").info.run_id
    second = client.create_run(other_experiment, run_name="second").info.run_id
    client.log_input(first, train, context="training")
    client.log_input(first, test, context="evaluation")
    client.log_input(second, train, context="training")
    client.log_table(first, {"prompt": ["hello", XSS], "score": [0.5, 0.75]}, "eval/table.json")
    client.log_table(first, {"prompt": ["again"], "score": [1.0]}, "eval/table.json")
    for step in range(STEPS):
        pixels = np.zeros((16, 16, 3))
        pixels[:, : 3 * (step + 1), 0] = 1.0
        client.log_image(first, pixels, key="samples/val", step=step * 10)
    client.log_image(first, np.eye(8), key="single", step=0)
    for run_id in (first, second):
        client.set_terminated(run_id)
    client.flush()
    return {"uri": uri, "first": first, "second": second, "digest": train.digest}


@pytest.fixture(scope="module")
def ui_url(media_runs: dict[str, str], ui_server: Any) -> Iterator[str]:
    """The UI over this module's own store."""
    server = ui_server(media_runs["uri"])
    server.start()
    yield server.url
    server.stop()


def test_datasets_link_to_every_run_on_the_same_data(
    page: Any, media_runs: dict[str, str], screenshot_dir: Path
) -> None:
    page.goto(f"/runs/{media_runs['first']}")
    table = page.locator("#datasets-table")
    assert table.locator("tbody tr").count() == 2
    assert f"holdout {XSS}" in table.inner_text()
    assert media_runs["digest"] in table.inner_text()
    page.screenshot(path=screenshot_dir / "40-run-datasets.png", full_page=True)
    table.locator(f"tr[data-digest='{media_runs['digest']}'] a.same-data").click()
    page.wait_for_selector("#dataset-runs")
    linked = page.locator("#dataset-runs tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.runId)"
    )
    assert sorted(linked) == sorted([media_runs["first"], media_runs["second"]])
    page.screenshot(path=screenshot_dir / "41-dataset-runs.png", full_page=True)


def test_images_have_a_step_slider_per_key(
    page: Any, media_runs: dict[str, str], until: Any, screenshot_dir: Path
) -> None:
    page.goto(f"/runs/{media_runs['first']}")
    figure = page.locator(".image-key[data-key='samples/val']")
    figure.wait_for()
    assert page.locator(".image-key").count() == 2
    assert figure.locator(".image-step").inner_text() == f"step {(STEPS - 1) * 10}"
    slider = figure.locator("input.image-slider")
    slider.fill("1")
    assert figure.locator(".image-step").inner_text() == "step 10"
    until(
        page,
        """() => {
          const img = document.querySelector(".image-key[data-key='samples/val'] img");
          return img.complete && img.naturalWidth === 16 && img.src.includes("step-000000000010");
        }""",
    )
    assert page.locator(".image-key[data-key='single'] input.image-slider").is_disabled()
    page.screenshot(path=screenshot_dir / "42-run-images.png", full_page=True)


def test_a_logged_table_is_shown_as_a_table_with_its_appended_rows(
    page: Any, media_runs: dict[str, str], screenshot_dir: Path
) -> None:
    page.goto(f"/runs/{media_runs['first']}#artifact=eval/table.json")
    page.wait_for_selector("#artifact-preview .logged-table")
    rows = page.locator("#artifact-preview tbody tr")
    assert rows.count() == 3
    assert rows.nth(1).locator("td").first.inner_text() == XSS
    assert page.locator("#artifact-preview thead").inner_text().split() == ["prompt", "score"]
    page.screenshot(path=screenshot_dir / "43-artifact-table.png", full_page=True)
