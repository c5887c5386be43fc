"""Artifact listings, bounded previews and file downloads, with their safety rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _preview(api: Any, run_id: str, path: str) -> Any:
    response = api.get(f"/api/ui/runs/{run_id}/artifacts/preview", params={"path": path})
    assert response.status_code == 200, response.text
    return response.json()


def test_listing_puts_folders_first(api: Any, populated: Any) -> None:
    body = api.get(f"/api/ui/runs/{populated.runs['run-0']}/artifacts").json()
    names = [e["name"] for e in body["entries"]]
    assert names[:2] == ["model", "plots"]
    assert "notes.txt" in names


def test_listing_a_folder_gives_its_entries_with_kinds(api: Any, populated: Any) -> None:
    body = api.get(
        f"/api/ui/runs/{populated.runs['run-0']}/artifacts", params={"path": "plots"}
    ).json()
    assert {(e["path"], e["kind"]) for e in body["entries"]} == {
        ("plots/evil.svg", "image"),
        ("plots/tiny.png", "image"),
    }


def test_listing_a_missing_folder_answers_404(api: Any, populated: Any) -> None:
    response = api.get(f"/api/ui/runs/{populated.runs['run-0']}/artifacts", params={"path": "nope"})
    assert response.status_code == 404


def test_paths_leaving_the_artifacts_are_rejected(api: Any, populated: Any) -> None:
    for path in ("../../trialbook.db", "/etc/passwd", "%2e%2e/x", "a\\b"):
        response = api.get(
            f"/api/ui/runs/{populated.runs['run-0']}/artifacts/raw", params={"path": path}
        )
        assert response.status_code == 400, path


def test_text_preview_holds_the_text(api: Any, populated: Any) -> None:
    body = _preview(api, populated.runs["run-0"], "notes.txt")
    assert (body["kind"], body["text"], body["truncated"]) == ("text", "hello\nworld\n", False)


def test_json_preview_is_pretty_printed(api: Any, populated: Any) -> None:
    body = _preview(api, populated.runs["run-0"], "config.json")
    assert body["kind"] == "json"
    assert body["text"].startswith('{\n  "a": [\n')


def test_csv_preview_is_a_table(api: Any, populated: Any) -> None:
    body = _preview(api, populated.runs["run-0"], "table.csv")
    assert (body["header"], body["rows"]) == (["x", "y"], [["1", "2"], ["3", "4"]])


def test_binary_files_get_no_preview(api: Any, populated: Any) -> None:
    assert _preview(api, populated.runs["run-0"], "weights.bin")["kind"] == "binary"


def test_a_model_folder_previews_as_its_metadata(api: Any, populated: Any) -> None:
    body = _preview(api, populated.runs["run-0"], "model")
    assert body["kind"] == "model"
    assert body["model"]["flavor"] == "sklearn"


def test_large_text_previews_only_its_first_bytes(fresh_api: Callable[[], Any]) -> None:
    import trialbook
    from trialbook.ui.previews import TEXT_LIMIT

    client = trialbook.TrackingClient()
    run_id = client.create_run(client.create_experiment("e")).info.run_id
    client.log_text(run_id, "é" * TEXT_LIMIT, "big.txt")
    body = _preview(fresh_api(), run_id, "big.txt")
    assert body["truncated"] is True
    assert body["text"] == "é" * (TEXT_LIMIT // 2)


def test_images_are_served_inline_with_their_type(api: Any, populated: Any) -> None:
    response = api.get(
        f"/api/ui/runs/{populated.runs['run-0']}/artifacts/raw", params={"path": "plots/tiny.png"}
    )
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith("inline")


def test_svg_is_served_sandboxed(api: Any, populated: Any) -> None:
    response = api.get(
        f"/api/ui/runs/{populated.runs['run-0']}/artifacts/raw", params={"path": "plots/evil.svg"}
    )
    policy = response.headers["content-security-policy"]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_other_files_download_as_opaque_attachments(api: Any, populated: Any) -> None:
    response = api.get(
        f"/api/ui/runs/{populated.runs['run-0']}/artifacts/raw", params={"path": "config.json"}
    )
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.json()["b"] == "<script>alert(1)</script>"


def test_download_asks_for_an_attachment_even_for_images(api: Any, populated: Any) -> None:
    response = api.get(
        f"/api/ui/runs/{populated.runs['run-0']}/artifacts/raw",
        params={"path": "plots/tiny.png", "download": 1},
    )
    assert response.headers["content-disposition"].startswith("attachment")


def test_downloading_a_missing_file_answers_404(api: Any, populated: Any) -> None:
    response = api.get(
        f"/api/ui/runs/{populated.runs['run-0']}/artifacts/raw", params={"path": "nope.txt"}
    )
    assert response.status_code == 404


def test_file_names_are_encoded_in_content_disposition() -> None:
    from trialbook.ui.routes_artifacts import content_disposition

    header = content_disposition("attachment", 'a "b"\r\nc é.txt')
    assert header == (
        "attachment; filename=\"a _b___c _.txt\"; filename*=UTF-8''a%20%22b%22%0D%0Ac%20%C3%A9.txt"
    )


def test_a_model_folder_preview_has_its_signature_and_input_example_rows(
    fresh_api: Any,
) -> None:
    import numpy as np

    import trialbook

    with trialbook.start_run() as run:
        trialbook.log_model({"w": 1}, "model", input_example=np.arange(12.0).reshape(6, 2))
    with fresh_api() as api:
        body = _preview(api, run.info.run_id, "model")
    assert body["model"]["signature"]["inputs"] == [
        {"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 2]}}
    ]
    assert body["input_example"]["header"] == ["0", "1"]
    assert body["input_example"]["rows"] == [
        ["0.0", "1.0"],
        ["2.0", "3.0"],
        ["4.0", "5.0"],
        ["6.0", "7.0"],
        ["8.0", "9.0"],
    ]
