"""Editing from the UI: names, descriptions (Markdown, rendered safely), tags, delete and
restore; refused for read-only users and for requests a foreign page could send."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from trialbook.errors import InvalidKeyError
from trialbook.ui.markdown import to_html
from trialbook.validation import MAX_TAG_VALUE_LENGTH, check_key

JSON = {"content-type": "application/json"}


@pytest.fixture
def edited(isolated_store: Path, fresh_api: Callable[[], Any]) -> tuple[Any, str, str]:
    """A test client, an experiment and one of its runs (tag ``team=vision``)."""
    import trialbook

    client = trialbook.TrackingClient(str(isolated_store))
    experiment = client.create_experiment("editable")
    run = client.create_run(experiment, run_name="before", tags={"team": "vision"})
    client.set_terminated(run.info.run_id)
    client.flush()
    return fresh_api(), experiment, run.info.run_id


def test_a_run_can_be_renamed(edited: Any) -> None:
    api, _, run_id = edited
    reply = api.patch(f"/api/ui/runs/{run_id}", json={"run_name": "after"})
    assert reply.status_code == 200
    assert reply.json()["run"]["run_name"] == "after"
    assert api.get(f"/api/ui/runs/{run_id}").json()["run"]["run_name"] == "after"


def test_an_empty_or_oversized_name_is_refused_with_the_reason(edited: Any) -> None:
    api, _, run_id = edited
    empty = api.patch(f"/api/ui/runs/{run_id}", json={"run_name": "  "})
    assert empty.status_code == 400
    assert "cannot be empty" in empty.json()["error"]["message"]
    long = api.patch(f"/api/ui/runs/{run_id}", json={"run_name": "x" * 251})
    assert long.status_code == 400
    assert "more than 250" in long.json()["error"]["message"]
    assert api.get(f"/api/ui/runs/{run_id}").json()["run"]["run_name"] == "before"


def test_a_description_comes_back_rendered_from_markdown(edited: Any) -> None:
    api, _, run_id = edited
    text = "**Best** run: see [report](https://example.com/r).\n\n- lr 0.01\n- adam"
    reply = api.patch(f"/api/ui/runs/{run_id}", json={"description": text}).json()
    assert reply["run"]["description"] == text
    html = reply["description_html"]
    assert "<strong>Best</strong>" in html
    assert '<a href="https://example.com/r" rel="noopener noreferrer nofollow"' in html
    assert "<li>adam</li>" in html
    assert "<strong>Best</strong>" in api.get(f"/runs/{run_id}").text


XSS_ATTEMPTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[vb](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    '[q](https://x.example" onmouseover="alert(1))',
    "![img](https://evil.example/x.png)",
    "<a href='javascript:alert(1)'>a</a>",
    "<svg onload=alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<iframe src='https://evil.example'></iframe>",
]


@pytest.mark.parametrize("attempt", XSS_ATTEMPTS)
def test_markdown_never_lets_markup_scripts_or_foreign_schemes_through(attempt: str) -> None:
    html = to_html(attempt)
    tags = re.findall(r"<\s*([a-zA-Z]+)", html)
    assert set(tags) <= {"p", "a", "strong", "em", "code", "pre", "ul", "ol", "li", "h1"}
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("http://", "https://"))
    assert "<img" not in html
    assert not re.search(r"<[^>]+\son[a-z]+=", html)


def test_tags_can_be_set_changed_and_removed(edited: Any) -> None:
    api, _, run_id = edited
    added = api.put(f"/api/ui/runs/{run_id}/tags", json={"key": "stage", "value": "tuned"})
    assert added.json()["run"]["tags"]["stage"] == "tuned"
    changed = api.put(f"/api/ui/runs/{run_id}/tags", json={"key": "team", "value": "nlp"})
    assert changed.json()["run"]["tags"]["team"] == "nlp"
    removed = api.delete(f"/api/ui/runs/{run_id}/tags", params={"key": "team"}, headers=JSON)
    assert removed.status_code == 200
    assert "team" not in removed.json()["run"]["tags"]
    again = api.delete(f"/api/ui/runs/{run_id}/tags", params={"key": "team"}, headers=JSON)
    assert again.status_code == 404
    assert "'team'" in again.json()["error"]["message"]


def test_an_invalid_tag_key_gets_the_python_apis_message(edited: Any) -> None:
    api, _, run_id = edited
    reply = api.put(f"/api/ui/runs/{run_id}/tags", json={"key": "bad key!", "value": "v"})
    assert reply.status_code == 400
    with pytest.raises(InvalidKeyError) as expected:
        check_key("bad key!")
    assert reply.json()["error"]["message"] == str(expected.value)


def test_an_oversized_tag_value_is_refused_with_the_limit(edited: Any) -> None:
    api, _, run_id = edited
    value = "x" * (MAX_TAG_VALUE_LENGTH + 1)
    reply = api.put(f"/api/ui/runs/{run_id}/tags", json={"key": "big", "value": value})
    assert reply.status_code == 400
    assert f"{MAX_TAG_VALUE_LENGTH}" in reply.json()["error"]["message"].replace(",", "")
    assert "big" not in api.get(f"/api/ui/runs/{run_id}").json()["run"]["tags"]


def test_a_run_can_be_deleted_and_restored(edited: Any) -> None:
    api, experiment, run_id = edited
    deleted = api.post(f"/api/ui/runs/{run_id}/delete", json={})
    assert deleted.json()["run"]["lifecycle_stage"] == "deleted"
    assert api.get(f"/api/ui/experiments/{experiment}/runs").json()["total"] == 0
    restored = api.post(f"/api/ui/runs/{run_id}/restore", json={})
    assert restored.json()["run"]["lifecycle_stage"] == "active"
    assert api.get(f"/api/ui/experiments/{experiment}/runs").json()["total"] == 1


def test_an_experiment_can_be_deleted_and_restored(edited: Any) -> None:
    api, experiment, _ = edited
    deleted = api.post(f"/api/ui/experiments/{experiment}/delete", json={})
    assert deleted.json() == {"lifecycle_stage": "deleted"}
    listed = api.get("/api/ui/experiments").json()["experiments"]
    assert experiment not in [e["experiment_id"] for e in listed]
    restored = api.post(f"/api/ui/experiments/{experiment}/restore", json={})
    assert restored.json() == {"lifecycle_stage": "active"}


def test_a_form_post_a_foreign_page_could_send_is_refused(edited: Any) -> None:
    api, _, run_id = edited
    reply = api.post(f"/api/ui/runs/{run_id}/delete", data={"x": "1"})
    assert reply.status_code == 403
    assert "application/json" in reply.json()["error"]["message"]
    assert api.get(f"/api/ui/runs/{run_id}").json()["run"]["lifecycle_stage"] == "active"


def test_an_edit_from_a_foreign_origin_is_refused(edited: Any) -> None:
    api, _, run_id = edited
    reply = api.post(
        f"/api/ui/runs/{run_id}/delete", json={}, headers={"origin": "https://evil.example"}
    )
    assert reply.status_code == 403
    assert api.get(f"/api/ui/runs/{run_id}").json()["run"]["lifecycle_stage"] == "active"


def test_pages_show_edit_controls_to_users_who_may_write(edited: Any) -> None:
    api, experiment, run_id = edited
    assert 'id="rename-run"' in api.get(f"/runs/{run_id}").text
    assert 'id="delete-experiment"' in api.get(f"/experiments/{experiment}").text


def test_read_only_users_see_no_controls_and_are_refused(isolated_store: Path, edited: Any) -> None:
    from tests.ui.conftest import make_client
    from trialbook.ui import create_app

    _, experiment, run_id = edited
    with make_client(create_app(str(isolated_store), may_write=lambda _: False)) as api:
        page = api.get(f"/runs/{run_id}").text
        assert 'id="rename-run"' not in page
        assert 'id="tag-form"' not in page
        assert 'id="delete-experiment"' not in api.get(f"/experiments/{experiment}").text
        reply = api.patch(f"/api/ui/runs/{run_id}", json={"run_name": "x"})
        assert reply.status_code == 403
        assert "read-only" in reply.json()["error"]["message"]
        assert api.get(f"/api/ui/runs/{run_id}").json()["run"]["run_name"] == "before"


def test_a_deleted_experiment_is_listed_among_the_deleted_ones(edited: Any) -> None:
    api, experiment, _ = edited
    api.post(f"/api/ui/experiments/{experiment}/delete", json={})
    assert f'href="/experiments/{experiment}"' not in api.get("/").text
    deleted = api.get("/", params={"view": "deleted"}).text
    assert f'href="/experiments/{experiment}"' in deleted
    assert 'id="show-active"' in deleted
