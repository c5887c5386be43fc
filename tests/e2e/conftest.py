"""Browser tests: the UI on a populated store, driven by Playwright through Debian's chromium.

Fixtures start the UI (uvicorn in a background thread, on a free port of 127.0.0.1) over a
store made with trialbook's API: experiments, runs with params, metric histories, tags and
artifacts of every previewable kind, and names full of markup. Screenshots go to
``$TRIALBOOK_E2E_SCREENSHOTS`` or ``e2e-screenshots/`` in the pytest rootdir.
"""

from __future__ import annotations

import json
import math
import os
import socket
import struct
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XSS = "<script>alert(1)</script>"
SCREENSHOTS_ENV = "TRIALBOOK_E2E_SCREENSHOTS"
DEADLINE_S = 30.0


@dataclass
class Store:
    """What the populated store holds, for the tests to look for."""

    uri: str
    experiments: dict[str, str] = field(default_factory=dict)
    runs: dict[str, str] = field(default_factory=dict)


def png_bytes(width: int = 64, height: int = 40) -> bytes:
    """A small gradient PNG, written without an imaging library."""
    raw = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 4 % 256, y * 6 % 256, 180))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def populate(uri: str) -> Store:
    """Fill the store at ``uri`` with the experiments and runs the browser tests look at."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import trialbook
    from trialbook.models.store import save_model_folder
    from trialbook.store.base import Batch, MetricSeries

    client = trialbook.TrackingClient(uri)
    store = Store(uri)
    now = int(time.time() * 1000)

    vision = client.create_experiment("image-classifier")
    store.experiments["vision"] = vision
    hostile = client.create_experiment(f"{XSS} experiment")
    store.experiments["hostile"] = hostile
    store.experiments["empty"] = client.create_experiment("empty-experiment")

    for i, (lr, optimizer) in enumerate(
        [(lr, opt) for opt in ("adam", "sgd") for lr in (0.1, 0.03, 0.01, 0.003, 0.001)]
    ):
        start = now - (12 - i) * 3_600_000
        run = client.create_run(
            vision,
            run_name=f"resnet-{optimizer}-{lr}",
            start_time=start,
            tags={"team": "vision", "note": XSS if i == 0 else "baseline"},
        )
        run_id = run.info.run_id
        store.runs[run.info.run_name] = run_id
        client.log_batch(
            run_id,
            params={"lr": lr, "optimizer": optimizer, "batch_size": 32 * (1 + i % 3), "epochs": 30},
        )
        rate = 0.05 + lr * 3
        for step in range(30):
            loss = 2.0 * math.exp(-rate * step) + 0.05 * (i % 4)
            client.log_metric(run_id, "loss", loss, step=step, timestamp=start + step * 60_000)
            client.log_metric(
                run_id, "accuracy", 1 - loss / 2.5, step=step, timestamp=start + step * 60_000
            )
            client.log_metric(
                run_id,
                "system/cpu_percent",
                40 + 20 * math.sin(step / 3 + i),
                step=step,
                timestamp=start + step * 60_000,
            )
        client.set_terminated(
            run_id, "FAILED" if i == 7 else "FINISHED", end_time=start + 30 * 60_000 + i * 1000
        )

    best = store.runs["resnet-adam-0.01"]
    client.set_tag(best, "trialbook.source.git.commit", "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39")
    client.set_tag(best, "trialbook.source.git.branch", "main")
    client.set_tag(best, "trialbook.source.git.dirty", "true")
    client.set_tag(best, "trialbook.source.git.remote", "https://github.com/example/vision")
    client.set_tag(best, "trialbook.source.command", "python train.py --lr 0.01 --optimizer adam")
    client.set_tag(best, "trialbook.python", "3.11.7")
    client.set_tag(best, "trialbook.package.numpy", "2.1.0")
    client.set_tag(best, "trialbook.package.scikit-learn", "1.5.2")
    client.log_text(
        best,
        "diff --git a/train.py b/train.py\n--- a/train.py\n+++ b/train.py\n@@ -1,2 +1,2 @@\n-lr = 0.1\n+lr = 0.01\n",
        "reproducibility/git.diff",
    )
    client.log_text(best, "numpy==2.1.0\nscikit-learn==1.5.2\n", "reproducibility/requirements.txt")
    client.log_bytes(best, png_bytes(), "plots/gradient.png")
    client.log_text(best, f"Training notes\n{XSS}\n" + "line\n" * 20, "notes.txt")
    client.log_dict(best, {"layers": [64, 128], "dropout": 0.1, "html": XSS}, "config.json")
    client.log_dict(best, {"model": "resnet", "augment": True}, "config.yaml")
    client.log_text(
        best,
        "epoch,loss,accuracy\n"
        + "".join(f"{e},{2 / (e + 1):.4f},{1 - 1 / (e + 2):.4f}\n" for e in range(25)),
        "history.csv",
    )
    client.log_text(
        best,
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><script>alert(1)</script><circle cx="20" cy="20" r="15" fill="teal"/></svg>',
        "plots/evil.svg",
    )
    client.log_text(best, "x" * 300_000, "big.log")
    client.log_text(
        best,
        json.dumps({"labels": ["cat", "dog", XSS], "matrix": [[50, 3, 1], [4, 45, 2], [0, 3, 40]]}),
        "training_confusion_matrix.json",
    )
    client.log_text(
        best,
        json.dumps({f"feature_{k}": 100.0 / (k + 1) for k in range(12)} | {XSS: 2.5}),
        "feature_importance_gain.json",
    )
    model = LogisticRegression().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1]))
    with tempfile.TemporaryDirectory() as folder:
        save_model_folder(
            model,
            Path(folder),
            extra={"run_id": best, "artifact_path": "model"},
            input_example=pd.DataFrame({XSS: [0.0, 1.0]}),
        )
        client.log_artifacts(best, folder, "model")
    client.update_run(best, description=f"Best run so far.\nChanged the learning rate. {XSS}")
    client.register_model(f"runs:/{best}/model", "image-classifier", description=XSS)
    client.set_registered_model_alias("image-classifier", "champion", 1)

    long_run = client.create_run(vision, run_name="long-history", start_time=now - 600_000)
    long_id = long_run.info.run_id
    store.runs["long-history"] = long_id
    steps = np.arange(100_000)
    values = np.sin(steps / 2000.0) + 0.05 * np.cos(steps)
    values[61_234] = 9.0  # a spike downsampling must keep
    client.flush()
    client.store.write_batch(
        Batch(series=[MetricSeries(long_id, "loss", steps, values, now - 600_000 + steps)])
    )
    client.log_batch(long_id, params={"lr": 0.02, "optimizer": "adam"})
    client.set_terminated(long_id, end_time=now - 500_000)

    running = client.create_run(vision, run_name="still-running", start_time=now - 30_000)
    store.runs["still-running"] = running.info.run_id
    client.log_metric(running.info.run_id, "loss", 1.5, step=0)

    for name in (f"<b>bold</b> {XSS}", "quote \" and ' run"):
        run = client.create_run(hostile, run_name=name, tags={"payload": XSS})
        client.log_batch(
            run.info.run_id, params={"payload": XSS, "lr": 0.1}, metrics={"val loss": 0.5}
        )
        client.set_terminated(run.info.run_id)
        store.runs[name] = run.info.run_id
    client.flush()
    return store


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class UIServer:
    """The UI served by uvicorn in a daemon thread."""

    def __init__(self, uri: str) -> None:
        import uvicorn

        from trialbook.ui import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(uri), host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="ui-server", daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + DEADLINE_S
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The UI server did not start")
            self.thread.join(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(DEADLINE_S)


@pytest.fixture(scope="session")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store with experiments, runs and artifacts (made once per session)."""
    return populate(str(tmp_path_factory.mktemp("e2e-store")))


@pytest.fixture(scope="session")
def ui_url(populated: Store) -> Iterator[str]:
    """The base URL of the UI serving the populated store."""
    server = UIServer(populated.uri)
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def screenshot_dir(request: pytest.FixtureRequest) -> Path:
    """Where the tests save their screenshots (reported at the end of the session)."""
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or request.config.rootpath / "e2e-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    request.config.stash[_SCREENSHOTS] = folder
    return folder


_SCREENSHOTS = pytest.StashKey[Path]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print where the screenshots are."""
    folder = config.stash.get(_SCREENSHOTS, None)
    if folder is not None:
        terminalreporter.write_line(f"e2e screenshots: {folder}")


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    """Chromium (Debian's), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def wait_until(page: Any, expression: str, arg: Any = None, deadline_s: float = DEADLINE_S) -> Any:
    """Poll a JavaScript function of ``arg`` in the page until it returns something truthy.

    Playwright's ``wait_for_function`` evaluates strings with ``eval``, which the pages'
    Content-Security-Policy forbids; ``page.evaluate`` goes through the DevTools protocol.
    """
    deadline = time.monotonic() + deadline_s
    while True:
        result = page.evaluate(expression, arg)
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"Still false after {deadline_s}s: {expression}")
        page.wait_for_timeout(50)


@pytest.fixture
def until() -> Any:
    """:func:`wait_until`, for the tests."""
    return wait_until


@pytest.fixture
def page(browser: Any, ui_url: str) -> Iterator[Any]:
    """A fresh browser page; JavaScript errors, server errors (5xx) and dialogs fail the test.

    (4xx answers are part of the UI's flow: a bad filter, a run without a git diff.)
    """
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=ui_url)
    page = context.new_page()
    page.set_default_timeout(DEADLINE_S * 1000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} from {response.url}")
            if response.status >= 500
            else None
        ),
    )
    page.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    yield page
    context.close()
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture(scope="session")
def ui_server() -> type[UIServer]:
    """:class:`UIServer`, for test modules that serve a store of their own."""
    return UIServer
