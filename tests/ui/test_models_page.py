"""The Models pages: registered models, a model's versions and aliases, and the run page link."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import trialbook

NAME = "fraud <i>classifier"


@dataclass
class Registry:
    """Two versions of one model registered from two runs, and a model without versions."""

    runs: list[str]
    api: Any


@pytest.fixture
def registry(fresh_api: Callable[[], Any]) -> Registry:
    client = trialbook.TrackingClient()
    runs: list[str] = []
    for alpha in (0.1, 0.2):
        with trialbook.start_run(run_name=f"ridge-{alpha}") as run:
            info = trialbook.log_model({"alpha": alpha}, "model")
        trialbook.register_model(info.model_uri, NAME, tags={"stage": f"alpha={alpha}"})
        runs.append(run.info.run_id)
    client.set_registered_model_alias(NAME, "champion", 1)
    client.update_registered_model(NAME, description="Scores card payments.")
    client.create_registered_model("empty-model")
    return Registry(runs, fresh_api())


def text(page: str) -> str:
    """The page's text, tags dropped, entities decoded, whitespace collapsed."""
    body = re.sub(r"<script.*?</script>|<[^>]+>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(body))


def test_models_page_lists_each_model_with_latest_version_and_aliases(registry: Registry) -> None:
    page = registry.api.get("/models").text
    assert f"{NAME} v2 @champion v1 Scores card payments." in text(page)
    assert "empty-model none" in text(page)


def test_model_page_links_every_version_to_its_source_run(registry: Registry) -> None:
    page = registry.api.get(f"/models/{NAME}").text
    links = re.findall(r'class="source-run" href="/runs/(\w+)"', page)
    assert links == list(reversed(registry.runs))


def test_model_page_shows_aliases_and_version_tags(registry: Registry) -> None:
    shown = text(registry.api.get(f"/models/{NAME}").text)
    assert f"@champion v1 models:/{NAME}@champion" in shown
    assert "stage=alpha=0.2" in shown


def test_markup_in_a_model_name_is_escaped(registry: Registry) -> None:
    assert "<i>classifier" not in registry.api.get("/models").text


def test_unknown_model_page_answers_404(registry: Registry) -> None:
    assert registry.api.get("/models/nope").status_code == 404


def test_run_page_names_the_versions_registered_from_it(registry: Registry) -> None:
    page = registry.api.get(f"/runs/{registry.runs[1]}").text
    assert f"Registered models 1 {NAME} v2" in text(page)


def test_deleted_version_leaves_the_run_and_its_page(registry: Registry) -> None:
    trialbook.TrackingClient().delete_model_version(NAME, 2)
    assert "Registered models" not in text(registry.api.get(f"/runs/{registry.runs[1]}").text)
    assert registry.api.get(f"/runs/{registry.runs[1]}").status_code == 200


def test_empty_registry_explains_how_to_register(fresh_api: Callable[[], Any]) -> None:
    assert "No registered models yet" in fresh_api().get("/models").text


def test_a_version_shows_its_signature_and_input_example_escaped(
    fresh_api: Callable[[], Any],
) -> None:
    import pandas as pd

    tricky = "<script>alert(1)</script>"
    example = pd.DataFrame({"amount": [12.5, 80.0], tricky: ["a", "b"]})
    with trialbook.start_run():
        info = trialbook.log_model({"w": 1}, "model", input_example=example)
    trialbook.register_model(info.model_uri, "scored")

    with fresh_api() as api:
        page = api.get("/models/scored").text
    assert tricky not in page
    shown = text(page)
    assert "Signature and input example" in shown
    assert f"inputs amount double {tricky} string" in shown
    assert f"amount {tricky} 12.5 a 80.0 b" in shown
