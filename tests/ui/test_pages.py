"""The HTML pages: they render, escape everything and carry security headers."""

from __future__ import annotations

from typing import Any

import pytest

XSS = "<script>alert(1)</script>"


def test_experiments_page_lists_experiments(api: Any) -> None:
    response = api.get("/")
    assert response.status_code == 200
    assert "vision" in response.text


@pytest.mark.parametrize("page", ["/", "/experiments/{other}", "/runs/{marked}"])
def test_markup_in_names_params_and_tags_is_escaped(api: Any, populated: Any, page: str) -> None:
    url = page.format(other=populated.other_experiment, marked=populated.runs["marked"])
    html = api.get(url).text
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_page_data_json_cannot_close_its_script_element(api: Any, populated: Any) -> None:
    html = api.get(f"/experiments/{populated.other_experiment}").text
    data = html.split('<script type="application/json" id="page-data">', 1)[1].split("</script>")[0]
    assert "<" not in data


def test_pages_send_a_strict_content_security_policy(api: Any) -> None:
    headers = api.get("/").headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_pages_load_no_inline_script(api: Any, populated: Any) -> None:
    html = api.get(f"/runs/{populated.runs['run-0']}").text
    for chunk in html.split("<script")[1:]:
        attributes = chunk.split(">", 1)[0]
        assert "src=" in attributes or 'type="application/json"' in attributes


def test_run_page_shows_params_metrics_and_reproducibility(api: Any, populated: Any) -> None:
    html = api.get(f"/runs/{populated.runs['run-2']}").text
    assert 'data-metric="loss"' in html
    assert "optimizer" in html
    assert "trialbook runs reproduce " + populated.runs["run-2"] in html


def test_unknown_run_page_answers_404_html(api: Any) -> None:
    response = api.get("/runs/0123456789abcdef0123456789abcdef")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text


def test_unknown_experiment_page_answers_404(api: Any) -> None:
    assert api.get("/experiments/424242").status_code == 404


def test_compare_page_embeds_the_run_ids(api: Any, populated: Any) -> None:
    ids = f"{populated.runs['run-0']},{populated.runs['run-1']}"
    html = api.get("/compare", params={"runs": ids}).text
    assert populated.runs["run-1"] in html
    assert "Compare 2 runs" in html


def test_store_passwords_never_reach_the_page() -> None:
    from trialbook.ui.state import UIState

    state = UIState("postgresql://me:secret@db/runs", None, None, None)  # type: ignore[arg-type]
    assert state.display_uri == "postgresql://me@db/runs"


def test_commit_links_only_point_to_web_remotes() -> None:
    from trialbook.ui.reproducibility import commit_url

    commit = "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"
    assert (
        commit_url("git@github.com:org/repo.git", commit)
        == f"https://github.com/org/repo/commit/{commit}"
    )
    assert commit_url("javascript:alert(1)//", commit) is None
    assert commit_url("https://github.com/org/repo", "not-a-sha") is None


def test_reproducibility_groups_system_tags() -> None:
    from trialbook.ui.reproducibility import reproducibility

    found = reproducibility(
        {
            "trialbook.source.git.commit": "abc1234",
            "trialbook.source.command": "python train.py",
            "trialbook.package.numpy": "2.1.0",
            "trialbook.seed.torch": "42",
            "trialbook.autolog.error": "boom",
            "team": "vision",
        }
    )
    assert found.source == [("Git commit", "abc1234")]
    assert found.command == "python train.py"
    assert (found.packages, found.seeds) == ([("numpy", "2.1.0")], [("torch", "42")])
    assert (found.other, found.user_tags) == (
        [("trialbook.autolog.error", "boom")],
        [("team", "vision")],
    )
