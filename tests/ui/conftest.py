"""Fixtures for the UI's API tests: a small store made with trialbook's API, and a client.

The store is made once per module (tests only read it); tests that write make their own.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

XSS = "<script>alert(1)</script>"


def make_client(app: Any) -> Any:
    """Starlette's TestClient (its import warns when only httpx, not httpx2, is installed).

    It sends ``Host: 127.0.0.1``, a name the UI answers by default.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Only around this import.
        from fastapi.testclient import TestClient
    return TestClient(app, base_url="http://127.0.0.1")


@dataclass
class Populated:
    """Ids of what the store holds."""

    uri: str
    experiment: str = ""
    other_experiment: str = ""
    runs: dict[str, str] = field(default_factory=dict)


def populate(uri: str) -> Populated:
    """Five runs with params, metric histories, tags and artifacts; one markup-named run."""
    import trialbook

    client = trialbook.TrackingClient(uri)
    found = Populated(uri)
    found.experiment = client.create_experiment("vision")
    found.other_experiment = client.create_experiment(f"{XSS} lab")
    now = int(time.time() * 1000)
    for i, optimizer in enumerate(["adam", "adam", "sgd", "sgd", "rmsprop"]):
        run = client.create_run(
            found.experiment,
            run_name=f"run-{i}",
            start_time=now - (10 - i) * 60_000,
            tags={"team": "vision", "index": str(i)},
        )
        run_id = run.info.run_id
        found.runs[f"run-{i}"] = run_id
        client.log_batch(run_id, params={"lr": 10 ** -(i + 1), "optimizer": optimizer})
        for step in range(20):
            loss = 1.0 / (step + 1) + i * 0.1
            spike = 5.0 if (i == 2 and step == 7) else 0.0
            client.log_metric(run_id, "loss", loss + spike, step=step, timestamp=now + step)
        client.log_metric(run_id, "accuracy", 0.5 + i * 0.1, step=0)
        client.set_terminated(run_id, end_time=now - (10 - i) * 60_000 + 1000 * (i + 1))
    marked = client.create_run(found.other_experiment, run_name=f"<b>{XSS}</b>")
    found.runs["marked"] = marked.info.run_id
    client.log_batch(
        marked.info.run_id, params={"payload": XSS}, tags={"note": XSS}, metrics={"loss": 1.0}
    )
    client.update_run(marked.info.run_id, description=f"about {XSS}")
    client.set_terminated(marked.info.run_id)
    artifacts_run = found.runs["run-0"]
    client.log_text(artifacts_run, "hello\nworld\n", "notes.txt")
    client.log_text(artifacts_run, json.dumps({"a": [1, 2], "b": XSS}), "config.json")
    client.log_text(artifacts_run, "x,y\n1,2\n3,4\n", "table.csv")
    client.log_text(
        artifacts_run,
        json.dumps({"labels": ["a", "b"], "matrix": [[3, 1], [0, 4]]}),
        "training_confusion_matrix.json",
    )
    client.log_text(
        artifacts_run, json.dumps({"f1": 3.0, "f2": 9.0, "f3": 1.0}), "feature_importance_gain.json"
    )
    client.log_text(
        artifacts_run, json.dumps({"labels": ["a"], "matrix": "no"}), "bad_confusion_matrix.json"
    )
    client.log_text(
        artifacts_run,
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "plots/evil.svg",
    )
    client.log_bytes(artifacts_run, b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, "plots/tiny.png")
    client.log_bytes(artifacts_run, b"\x00\x01\x02binary", "weights.bin")
    client.log_text(
        artifacts_run,
        json.dumps({"flavor": "sklearn", "class": "sklearn.linear_model.LogisticRegression"}),
        "model/trialbook-model.json",
    )
    client.log_bytes(artifacts_run, b"pickled", "model/model.pkl")
    client.flush()
    return found


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Populated:
    """A store shared by the tests of a module (they only read it)."""
    return populate(str(tmp_path_factory.mktemp("ui-store")))


@pytest.fixture(scope="module")
def api(populated: Populated) -> Iterator[Any]:
    """A test client of the UI over the shared store."""
    from trialbook.ui import create_app

    with make_client(create_app(populated.uri)) as client:
        yield client


@pytest.fixture
def fresh_api(isolated_store: Path) -> Callable[[], Any]:
    """Make a test client over this test's own (empty) store."""
    from trialbook.ui import create_app

    return lambda: make_client(create_app(str(isolated_store)))
