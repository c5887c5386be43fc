"""The experiment workspace in a real browser: charts over many runs, nested runs, editing,
saved views and CSV export. One experiment of its own, added to the session's store."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.e2e

XSS = "<script>window.__xss = 1</script>"


@pytest.fixture(scope="module")
def workspace(populated: Any) -> dict[str, str]:
    """An XGBoost-like parent with cross-validation children, two lone runs, a run to edit."""
    import trialbook

    client = trialbook.TrackingClient(populated.uri)
    experiment = client.create_experiment("workspace")
    ids = {"experiment": experiment}

    def run(
        name: str, keys: tuple[str, ...], single: dict[str, float], parent: str | None = None
    ) -> str:
        found = client.create_run(experiment, run_name=name, parent_run_id=parent)
        run_id = found.info.run_id
        rate = 0.05 + 0.02 * len(ids)
        for step in range(20):
            for k, key in enumerate(keys):
                client.log_metric(run_id, key, math.exp(-rate * step) + 0.1 * k, step=step)
        client.log_batch(run_id, metrics=single, params={"depth": len(ids)})
        client.set_terminated(run_id)
        ids[name] = run_id
        return run_id

    parent = run(
        "xgb-search", ("validation_0-logloss", "validation_1-logloss"), {"best_iteration": 17}
    )
    for i in range(3):
        run(f"cv-fold-{i}", ("train_loss", "val_loss"), {"test_acc": 0.8 + i / 100}, parent)
    run("lit-a", ("train_loss", "val_loss"), {"best_score": 0.7})
    run("lit-b", ("train_loss", "val_loss"), {"best_score": 0.75})
    run("edit-me", ("train_loss",), {})
    client.flush()
    return ids


def _open(page: Any, workspace: dict[str, str], query: str = "") -> None:
    page.goto(f"/experiments/{workspace['experiment']}{query}")
    page.wait_for_selector("#runs-table[data-state=drawn]")


def _cards(page: Any) -> list[str]:
    return page.locator("#chart-sections .chart-card:visible h3").all_inner_texts()


def test_charts_overlay_related_metrics_and_follow_the_table(
    page: Any, workspace: dict[str, str], until: Any, screenshot_dir: Path
) -> None:
    _open(page, workspace)
    until(
        page,
        "() => document.querySelectorAll('#chart-sections .chart[data-state=drawn]').length >= 2",
    )
    assert _cards(page) == ["logloss", "loss"]
    loss = page.locator(".chart-card[data-family=loss]")
    assert loss.locator(".key-style").all_inner_texts() == ["train_loss", "val_loss"]
    # Two lone runs and the edit target are visible; the folds are folded under their parent.
    assert loss.locator(".chart").evaluate("node => node.data.length") == 2 * 2 + 1
    values = page.locator("#chart-values")
    assert values.locator("th").all_inner_texts() == ["Run", "best_iteration", "best_score"]
    page.screenshot(path=screenshot_dir / "40-workspace-charts.png", full_page=True)

    # Hovering a table row highlights that run's lines.
    lone = workspace["lit-a"]
    page.locator(f"#runs-table tr[data-run-id='{lone}']").hover()
    opacities = loss.locator(".chart").evaluate(
        "(node, id) => node.data.map((t) => [t.meta === id, t.opacity])", lone
    )
    assert {o for mine, o in opacities if mine} == {1}
    assert {o for mine, o in opacities if not mine} == {0.15}

    page.locator("#split-related").check()
    until(page, "() => document.querySelector('.chart-card[data-family=val_loss]') !== null")
    page.locator("#chart-filter").fill("logloss")
    assert _cards(page) == ["validation_0-logloss", "validation_1-logloss"]
    page.locator("#log-scale").check()
    chart = json.loads(parse_qs(urlparse(page.url).query)["chart"][0])
    assert chart == {"split": True, "log": True, "metric": "logloss"}

    # The link reproduces the view.
    page.goto(page.url)
    page.wait_for_selector("#runs-table[data-state=drawn]")
    until(page, "() => document.querySelectorAll('#chart-sections .chart-card').length > 0")
    assert page.locator("#split-related").is_checked()
    assert page.locator("#log-scale").is_checked()
    assert _cards(page) == ["validation_0-logloss", "validation_1-logloss"]
    page.screenshot(path=screenshot_dir / "41-workspace-split-filtered.png", full_page=True)


def test_child_runs_fold_under_their_parent(
    page: Any, workspace: dict[str, str], until: Any, screenshot_dir: Path
) -> None:
    _open(page, workspace)
    parent = page.locator(f"#runs-table tr[data-run-id='{workspace['xgb-search']}']")
    toggle = parent.locator(".family-toggle")
    assert toggle.inner_text() == "▸ 3"
    assert page.locator("#runs-table tr.child-row").count() == 0
    toggle.click()
    until(page, "() => document.querySelectorAll('#runs-table tr.child-row').length === 3")
    names = page.locator("#runs-table tbody td.name a").all_inner_texts()
    start = names.index("xgb-search")
    assert sorted(names[start + 1 : start + 4]) == ["cv-fold-0", "cv-fold-1", "cv-fold-2"]
    assert workspace["xgb-search"] in parse_qs(urlparse(page.url).query)["open"][0]
    page.screenshot(path=screenshot_dir / "42-nested-runs.png", full_page=True)

    page.goto(f"/runs/{workspace['xgb-search']}")
    children = page.locator("#child-runs")
    assert sorted(children.locator("tbody td:first-child").all_inner_texts()) == [
        "cv-fold-0", "cv-fold-1", "cv-fold-2",
    ]  # fmt: skip
    assert "test_acc" in children.locator("thead").inner_text()
    page.goto(f"/runs/{workspace['xgb-search']}#charts")
    page.wait_for_selector("#single-values")
    assert page.locator("#single-values th").all_inner_texts() == ["best_iteration"]
    card = page.locator(".chart-card[data-metric=logloss]")
    page.wait_for_selector(".chart-card[data-metric=logloss] .chart[data-state=drawn]")
    assert card.locator(".chart").evaluate("node => node.data.length") == 2
    page.screenshot(path=screenshot_dir / "43-run-page-children-and-values.png", full_page=True)


def test_a_filter_matching_only_children_shows_them_under_their_parent(
    page: Any, workspace: dict[str, str], until: Any, screenshot_dir: Path
) -> None:
    _open(page, workspace, "?filter=" + "metrics.test_acc%20%3E%200.805")
    until(page, "() => document.querySelectorAll('#runs-table tr.child-row').length === 2")
    names = page.locator("#runs-table tbody td.name a").all_inner_texts()
    assert names[0] == "xgb-search"
    assert sorted(names[1:]) == ["cv-fold-1", "cv-fold-2"]
    parent = page.locator(f"#runs-table tr[data-run-id='{workspace['xgb-search']}']")
    assert "context-row" in (parent.get_attribute("class") or "")
    assert parent.locator(".family-toggle").inner_text() == "▾ 2"
    page.screenshot(path=screenshot_dir / "44-filtered-children-with-parent.png", full_page=True)


def test_a_run_is_edited_from_its_page(
    page: Any, workspace: dict[str, str], until: Any, screenshot_dir: Path
) -> None:
    page.goto(f"/runs/{workspace['edit-me']}")
    page.locator("#rename-run").click()
    page.locator("#rename-input").fill("edited <b>name</b>")
    page.locator("#rename-form button[type=submit]").click()
    until(page, "() => document.getElementById('rename-form').hidden")
    assert page.locator("#run-name").inner_text() == "edited <b>name</b>"

    page.locator("#edit-description").click()
    text = f"**Tuned** run. {XSS} [bad](javascript:alert(1)) [report](https://example.com/r)"
    page.locator("#description-input").fill(text)
    page.locator("#description-form button[type=submit]").click()
    until(page, "() => document.querySelector('#description strong') !== null")
    description = page.locator("#description")
    assert description.locator("script").count() == 0
    assert description.locator("a").evaluate_all("links => links.map((a) => a.href)") == [
        "https://example.com/r"
    ]
    assert XSS in description.inner_text()
    assert page.evaluate("() => window.__xss") is None

    page.locator("#tag-key").fill("bad key!")
    page.locator("#tag-value").fill("kept")
    page.locator("#tag-form button[type=submit]").click()
    error = page.locator("#tag-form .edit-error")
    until(page, "() => !document.querySelector('#tag-form .edit-error').hidden")
    assert "not allowed" in error.inner_text()
    assert page.locator("#tag-value").input_value() == "kept"
    page.screenshot(path=screenshot_dir / "44-edit-error-inline.png", full_page=True)

    page.locator("#tag-key").fill("stage")
    page.locator("#tag-form button[type=submit]").click()
    until(page, "() => document.querySelector('#tags-table tr[data-key=stage]') !== null")
    assert error.is_hidden()
    page.locator("#tags-table tr[data-key=stage] [data-remove-tag]").click()
    until(page, "() => document.querySelector('#tags-table tr[data-key=stage]') === null")

    page.locator("#delete-run").click()
    page.wait_for_selector("#deleted-badge")
    page.screenshot(path=screenshot_dir / "45-edited-run.png", full_page=True)
    page.locator("#restore-run").click()
    until(page, "() => document.getElementById('deleted-badge') === null")

    page.reload()  # every edit is in the store
    assert page.locator("#run-name").inner_text() == "edited <b>name</b>"
    assert page.locator("#description strong").inner_text() == "Tuned"


def test_a_saved_view_is_shared_and_the_table_exports_as_csv(
    page: Any, workspace: dict[str, str], until: Any, screenshot_dir: Path
) -> None:
    _open(page, workspace)
    page.locator("#filter").fill("metrics.best_score > 0.72")
    page.locator("#search-form button[type=submit]").click()
    until(page, "() => document.querySelectorAll('#runs-table tbody tr[data-run-id]').length === 1")
    page.locator("#view-name").fill("good lightning runs")
    page.locator("#save-view").click()
    until(page, "() => document.getElementById('saved-views').value === 'good lightning runs'")

    csv = page.request.get(page.locator("#export-csv").get_attribute("href"))
    lines = csv.text().strip().splitlines()
    assert lines[0].startswith("run_id,run_name,status")
    assert [line.split(",")[1] for line in lines[1:]] == ["lit-b"]

    _open(page, workspace)  # a teammate opens the plain page and picks the view
    until(page, "() => document.querySelectorAll('#saved-views option').length === 2")
    page.locator("#saved-views").select_option("good lightning runs")
    page.wait_for_url("**filter=*")
    page.wait_for_selector("#runs-table[data-state=drawn]")
    assert page.locator("#filter").input_value() == "metrics.best_score > 0.72"
    page.screenshot(path=screenshot_dir / "46-saved-view.png", full_page=True)
