"""Bad, hostile or oversized requests get a clear 4xx, write nothing, and never a 500."""

from __future__ import annotations

import ast
import gzip
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from trialbook.server.security import LOCAL_HOSTS
from trialbook.store.rest.limits import Limits
from trialbook.store.rest.wire import pack

SERVER_PACKAGE = Path(__file__).parents[2] / "core" / "server"


def new_run(api: Any, experiment: str = "exp") -> str:
    experiment_id = api.post("/api/v1/experiments/get-or-create", json={"name": experiment}).json()[
        "experiment_id"
    ]
    answer = api.post(
        "/api/v1/runs", json={"experiment_id": experiment_id, "run_name": "r", "start_time": 1}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["info"]["run_id"])


def series(run_id: str, count: int) -> dict[str, Any]:
    steps = list(range(count))
    return {
        "run_id": run_id,
        "key": "m",
        "steps": pack(steps, "<i8"),
        "values": pack([0.5] * count, "<f8"),
        "timestamps": pack(steps, "<i8"),
    }


def point_count(api: Any, run_id: str) -> int:
    answer = api.get(f"/api/v1/runs/{run_id}/metrics/history", params={"key": "m"})
    return len(answer.json()["metrics"])


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


TRAVERSALS = [
    "../escape.txt",
    "a/../../escape.txt",
    "/etc/passwd",
    "..\\escape.txt",
    "a\\..\\..\\escape.txt",
    "%2e%2e/escape.txt",
    "%252e%252e/escape.txt",
    "%2e%2e%2fescape.txt",
    "C:/escape.txt",
    "file:///etc/passwd",
    "a/\x00b",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_upload_is_refused_and_writes_nothing(
    api: Any, tmp_path: Path, path: str
) -> None:
    run_id = new_run(api)
    before = files_under(tmp_path)
    answer = api.put(
        f"/api/v1/runs/{run_id}/artifacts/content",
        params={"path": path},
        content=b"owned",
        headers={"content-type": "application/octet-stream"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "InvalidArtifactPathError"
    assert files_under(tmp_path) - before == set()


@pytest.mark.parametrize("path", TRAVERSALS)
@pytest.mark.parametrize("route", ["", "/info", "/content"])
def test_traversal_read_is_refused(api: Any, path: str, route: str) -> None:
    run_id = new_run(api)
    answer = api.get(f"/api/v1/runs/{run_id}/artifacts{route}", params={"path": path})
    assert answer.status_code == 400


def test_symlink_out_of_the_artifacts_is_not_followed(api: Any, tmp_path: Path) -> None:
    run_id = new_run(api)
    api.put(
        f"/api/v1/runs/{run_id}/artifacts/content",
        params={"path": "ok.txt"},
        content=b"fine",
        headers={"content-type": "application/octet-stream"},
    )
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    outside = tmp_path / "outside"
    outside.mkdir()
    root = next((tmp_path / "artifacts").rglob("ok.txt")).parent
    (root / "link.txt").symlink_to(secret)
    (root / "linked_dir").symlink_to(outside, target_is_directory=True)
    read = api.get(f"/api/v1/runs/{run_id}/artifacts/content", params={"path": "link.txt"})
    assert read.status_code == 400
    assert "top secret" not in read.text
    write = api.put(
        f"/api/v1/runs/{run_id}/artifacts/content",
        params={"path": "linked_dir/planted.txt"},
        content=b"owned",
        headers={"content-type": "application/octet-stream"},
    )
    assert write.status_code == 400
    assert list(outside.iterdir()) == []


def test_experiment_with_a_foreign_artifact_location_is_refused(api: Any) -> None:
    answer = api.post(
        "/api/v1/experiments", json={"name": "evil", "artifact_location": "file:///etc"}
    )
    assert answer.status_code == 400
    assert "owns its storage" in answer.json()["error"]["message"]
    assert api.get("/api/v1/experiments/by-name", params={"name": "evil"}).json() == {
        "experiment": None
    }


def test_run_stored_outside_the_destination_is_not_served(
    app: Any, api: Any, tmp_path: Path
) -> None:
    store = app.state.trialbook_server.store
    experiment_id = store.create_experiment("elsewhere", artifact_location=str(tmp_path / "other"))
    run_id = store.create_run(experiment_id, "r", 1).info.run_id
    answer = api.get(f"/api/v1/runs/{run_id}/artifacts")
    assert answer.status_code == 403


def test_server_code_never_imports_a_deserialiser_or_loader() -> None:
    forbidden = {"pickle", "cloudpickle", "joblib", "dill", "marshal", "shelve", "importlib"}
    for source in SERVER_PACKAGE.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[0]}
                if node.module == "trialbook.models.store" or node.module == "trialbook.models":
                    names.add("load_model")
            else:
                continue
            assert not names & (forbidden | {"load_model"}), f"{source.name} imports {names}"


class _Bomb:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return (Path.write_text, (Path(self.marker), "unpickled"))


def test_stored_pickle_is_served_as_bytes_never_loaded(api: Any, tmp_path: Path) -> None:
    marker = tmp_path / "unpickled.txt"
    payload = pickle.dumps(_Bomb(str(marker)))
    run_id = new_run(api)
    base = f"/api/v1/runs/{run_id}/artifacts"
    for name in ("model/model.pkl", "model/trialbook-model.json"):
        api.put(
            f"{base}/content",
            params={"path": name},
            content=payload,
            headers={"content-type": "application/octet-stream"},
        )
    api.get(base, params={"path": "model"})
    api.get(f"{base}/info", params={"path": "model/model.pkl"})
    downloaded = api.get(f"{base}/content", params={"path": "model/model.pkl"})
    assert downloaded.content == payload
    assert downloaded.headers["content-disposition"] == "attachment"
    assert not marker.exists()


def test_body_over_the_limit_is_refused_before_it_is_read(make_api: Any) -> None:
    api = make_api(limits=Limits(max_body_bytes=1000))
    answer = api.post("/api/v1/experiments/get-or-create", json={"name": "x" * 2000})
    assert answer.status_code == 413
    assert api.get("/api/v1/experiments").json()["experiments"] == []


def test_batch_over_the_point_limit_writes_nothing(make_api: Any) -> None:
    api = make_api(limits=Limits(max_batch_points=100))
    run_id = new_run(api)
    body = {
        "series": [series(run_id, 60), series(run_id, 60)],
        "params": [[run_id, "p", "v"]],
    }
    answer = api.post("/api/v1/batches", json=body)
    assert answer.status_code == 413
    assert point_count(api, run_id) == 0
    assert api.get(f"/api/v1/runs/{run_id}").json()["data"]["params"] == {}


def test_batch_over_the_item_limit_writes_nothing(make_api: Any) -> None:
    api = make_api(limits=Limits(max_batch_items=10))
    run_id = new_run(api)
    body = {"params": [[run_id, f"p{i}", "v"] for i in range(11)]}
    assert api.post("/api/v1/batches", json=body).status_code == 413
    assert api.get(f"/api/v1/runs/{run_id}").json()["data"]["params"] == {}


def test_gzip_bomb_is_refused(make_api: Any) -> None:
    api = make_api(limits=Limits(max_decoded_bytes=1 << 20))
    bomb = gzip.compress(b'{"name": "' + b"a" * (8 << 20) + b'"}')
    answer = api.post(
        "/api/v1/experiments/get-or-create",
        content=bomb,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert answer.status_code == 413


def test_corrupt_gzip_body_is_a_400(api: Any) -> None:
    answer = api.post(
        "/api/v1/experiments/get-or-create",
        content=b"\x1f\x8b not really gzip",
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert answer.status_code == 400


def test_gzipped_batch_is_accepted(api: Any) -> None:
    run_id = new_run(api)
    body = gzip.compress(json.dumps({"series": [series(run_id, 10)], "batch_id": "g"}).encode())
    answer = api.post(
        "/api/v1/batches",
        content=body,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert answer.status_code == 200
    assert point_count(api, run_id) == 10


def test_search_over_max_results_is_a_400(api: Any) -> None:
    body = {"experiment_ids": ["0"], "max_results": Limits().max_results + 1}
    assert api.post("/api/v1/runs/search", json=body).status_code == 400


def test_history_page_over_the_limit_is_a_400(api: Any) -> None:
    run_id = new_run(api)
    params = {"key": "m", "max_results": Limits().max_history_page + 1}
    assert api.get(f"/api/v1/runs/{run_id}/metrics/history", params=params).status_code == 400


def test_too_many_ids_is_a_400(api: Any) -> None:
    body = {"run_ids": [f"r{i}" for i in range(Limits().max_ids + 1)]}
    assert api.post("/api/v1/metrics/summaries", json=body).status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/api/v1/experiments", {"name": "a\x00b"}, 422),
        ("post", "/api/v1/experiments", {"name": ""}, 422),
        ("post", "/api/v1/experiments", {"name": "x", "surprise": 1}, 422),
        ("post", "/api/v1/runs", {"experiment_id": "0", "run_name": "r", "start_time": 2**64}, 422),
        (
            "post",
            "/api/v1/runs/search",
            {"experiment_ids": ["0"], "filter_string": "metrics.a >"},
            400,
        ),
        ("post", "/api/v1/runs/search", {"experiment_ids": ["0"], "page_token": "garbage"}, 400),
        ("post", "/api/v1/runs/search", {"experiment_ids": ["99999999999999999999"]}, 422),
        ("get", "/api/v1/experiments/abc", None, 404),
        ("get", "/api/v1/experiments/99999999999999999999", None, 404),
        (
            "post",
            "/api/v1/batches",
            {
                "series": [
                    {"run_id": "r", "key": "m", "steps": "!!", "values": "", "timestamps": ""}
                ]
            },
            400,
        ),
        ("post", "/api/v1/batches", {"params": [["r", "../bad", "v"]]}, 400),
    ],
)
def test_bad_input_is_a_clear_4xx(api: Any, method: str, path: str, body: Any, status: int) -> None:
    answer = getattr(api, method)(path, **({} if body is None else {"json": body}))
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["message"]


def test_columns_of_different_lengths_are_a_400(api: Any) -> None:
    run_id = new_run(api)
    broken = {**series(run_id, 3), "values": pack([1.0, 2.0], "<f8")}
    answer = api.post("/api/v1/batches", json={"series": [broken]})
    assert answer.status_code == 400
    assert "as many" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
)
def test_state_changing_request_must_be_json(api: Any, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    answer = api.post(
        "/api/v1/experiments/get-or-create", content=b'{"name": "csrf"}', headers=headers
    )
    assert answer.status_code == 415
    assert api.get("/api/v1/experiments/by-name", params={"name": "csrf"}).json() == {
        "experiment": None
    }


def test_request_from_a_foreign_origin_is_refused(api: Any) -> None:
    answer = api.post(
        "/api/v1/experiments/get-or-create",
        json={"name": "x"},
        headers={"origin": "http://evil.example"},
    )
    assert answer.status_code == 403


def test_no_cors_headers_for_foreign_origins_by_default(api: Any) -> None:
    preflight = api.options(
        "/api/v1/experiments",
        headers={"origin": "http://evil.example", "access-control-request-method": "POST"},
    )
    read = api.get("/api/v1/experiments", headers={"origin": "http://evil.example"})
    for answer in (preflight, read):
        assert "access-control-allow-origin" not in answer.headers


def test_configured_cors_origin_is_allowed(make_api: Any) -> None:
    api = make_api(cors_origins=["https://dash.example"])
    answer = api.get("/api/v1/experiments", headers={"origin": "https://dash.example"})
    assert answer.headers["access-control-allow-origin"] == "https://dash.example"


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("127.0.0.1:5000", 200),
        ("localhost:5000", 200),
        ("[::1]:5000", 200),
        ("localhost", 200),
        ("evil.example", 400),
        ("evil.example:5000", 400),
        ("127.0.0.1.evil.example", 400),
    ],
)
def test_localhost_server_answers_only_localhost_host_headers(
    make_api: Any, host: str, status: int
) -> None:
    api = make_api(allowed_hosts=LOCAL_HOSTS)
    assert api.get("/health", headers={"host": host}).status_code == status


def test_downloads_are_attachments_under_a_sandbox_policy(api: Any) -> None:
    run_id = new_run(api)
    base = f"/api/v1/runs/{run_id}/artifacts/content"
    api.put(
        base,
        params={"path": "x.svg"},
        content=b"<svg onload=alert(1)>",
        headers={"content-type": "application/octet-stream"},
    )
    answer = api.get(base, params={"path": "x.svg"})
    assert answer.headers["content-type"] == "application/octet-stream"
    assert "sandbox" in answer.headers["content-security-policy"]


def test_upload_to_a_deleted_run_is_refused(api: Any) -> None:
    run_id = new_run(api)
    api.post(f"/api/v1/runs/{run_id}/delete", json={})
    answer = api.put(
        f"/api/v1/runs/{run_id}/artifacts/content",
        params={"path": "late.txt"},
        content=b"x",
        headers={"content-type": "application/octet-stream"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "DeletedRunError"


def test_upload_over_the_artifact_limit_is_refused(make_api: Any) -> None:
    api = make_api(limits=Limits(max_artifact_bytes=100))
    run_id = new_run(api)
    answer = api.put(
        f"/api/v1/runs/{run_id}/artifacts/content",
        params={"path": "big.bin"},
        content=b"x" * 101,
        headers={"content-type": "application/octet-stream"},
    )
    assert answer.status_code == 413
    listed = api.get(f"/api/v1/runs/{run_id}/artifacts").json()["files"]
    assert listed == []
