"""Two ``trialbook server`` processes on one PostgreSQL database and one S3 artifact store.

The servers keep no state of their own: clients split between them lose and duplicate
nothing, and every read through either server agrees. Artifacts live in an S3-compatible
store (moto's server mode, on 127.0.0.1).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trialbook import TrackingClient
from trialbook.server.testing import ServerProcess, free_port
from trialbook.server.uploads import STAGING_FOLDER, STALE_PART_S, Staging
from trialbook.store.base import Batch, MetricSeries

pytestmark = pytest.mark.postgres

CLIENTS = 6
STEPS = 300


@pytest.fixture
def s3_bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new, empty bucket in an S3-compatible store on 127.0.0.1; this process and the
    servers it starts reach it through the environment."""
    moto_server = pytest.importorskip("moto.server")
    pytest.importorskip("s3fs")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port())
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "FSSPEC_S3_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    bucket = f"trialbook-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(endpoint_url=endpoint).mkdir(bucket)
    try:
        yield bucket
    finally:
        server.stop()


@pytest.fixture
def two_servers(
    fresh_postgres_uri: str, s3_bucket: str, tmp_path: Path
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two servers on one database and one bucket, each with its own port and log."""
    destination = f"s3://{s3_bucket}/artifacts"
    servers = [
        ServerProcess(fresh_postgres_uri, destination, log_path=tmp_path / f"server-{i}.log")
        for i in range(2)
    ]
    started: list[ServerProcess] = []
    try:
        for server in servers:
            server.start()
            started.append(server)
        yield servers[0], servers[1]
    finally:
        for server in started:
            server.stop()


def _train(client: TrackingClient, experiment_id: str, index: int, done: dict[str, Any]) -> None:
    """One training client: a run with params, a metric history, a tag and an artifact."""
    run_id = client.create_run(experiment_id, run_name=f"client-{index}").info.run_id
    client.log_param(run_id, "client", index)
    for step in range(STEPS):
        client.log_metric(run_id, "loss", 1.0 / (step + 1) + index, step=step)
    client.set_tag(run_id, "done", "yes")
    client.log_text(run_id, f"model of client {index}\n", "model/summary.txt")
    client.set_terminated(run_id)
    done[run_id] = index


def test_clients_split_between_two_servers_lose_nothing_and_read_alike(
    two_servers: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = two_servers
    clients = [TrackingClient(first.url), TrackingClient(second.url)]
    experiment_id = clients[0].create_experiment("shared")
    done: dict[str, Any] = {}
    threads = [
        threading.Thread(target=_train, args=(clients[i % 2], experiment_id, i, done))
        for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(done) == CLIENTS

    pages = [c.search_runs([experiment_id], order_by=["params.client"]) for c in clients]
    assert [r.info.run_id for r in pages[0].runs] == [r.info.run_id for r in pages[1].runs]
    assert sorted(r.info.run_id for r in pages[0].runs) == sorted(done)
    for one, other in zip(pages[0].runs, pages[1].runs, strict=True):
        assert one == other
        assert one.data.tags["done"] == "yes"
    for run_id, index in done.items():
        histories = [c.get_metric_history(run_id, "loss") for c in clients]
        assert histories[0] == histories[1]
        assert [m.step for m in histories[0]] == list(range(STEPS))
        assert histories[0][-1].value == pytest.approx(1.0 / STEPS + index)
        for client in clients:
            folder = client.download_artifacts(run_id, "model")
            text = (Path(folder) / "summary.txt").read_text()
            assert text == f"model of client {index}\n"


def test_a_batch_resent_to_the_other_server_is_applied_once(
    two_servers: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = two_servers
    client = TrackingClient(first.url)
    run_id = client.create_run(client.create_experiment("resent")).info.run_id
    batch = Batch(
        series=[MetricSeries(run_id, "loss", [0, 1, 2], [0.5, 0.4, 0.3], [1, 2, 3])],
        batch_id="a-batch-sent-twice",
    )
    # A client whose answer from one server was lost retries against the other one.
    TrackingClient(first.url).store.write_batch(batch)
    TrackingClient(second.url).store.write_batch(batch)
    steps = [m.step for m in TrackingClient(second.url).get_metric_history(run_id, "loss")]
    assert steps == [0, 1, 2]


def test_a_starting_server_keeps_the_other_servers_uploads_in_progress(tmp_path: Path) -> None:
    destination = str(tmp_path / "shared-artifacts")
    part = Staging(destination).new_part()  # another server's upload, still arriving
    part._write(b"the first bytes")
    part._handle.flush()
    Staging(destination).clean()  # a second server starts on the same destination
    assert Path(part.path).exists(), f"{part.path} removed by a starting server"
    part.discard()


def test_a_starting_server_removes_parts_another_host_left_long_ago(tmp_path: Path) -> None:
    folder = tmp_path / "shared-artifacts" / STAGING_FOLDER
    folder.mkdir(parents=True)
    recent, old = folder / "other-host~12~recent.part", folder / "other-host~12~old.part"
    recent.write_bytes(b"arriving")
    old.write_bytes(b"torn")
    long_ago = time.time() - STALE_PART_S - 60
    os.utime(old, (long_ago, long_ago))
    assert Staging(str(tmp_path / "shared-artifacts")).clean() == 1
    assert recent.exists()
    assert not old.exists()
