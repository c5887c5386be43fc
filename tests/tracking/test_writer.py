"""The buffered writer: backpressure while the store answers, no blocking while it is down."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from trialbook.errors import StoreUnavailableError
from trialbook.store.base import Batch
from trialbook.tracking.writer import BufferedWriter


class FlakyStore:
    """A store whose writes fail while ``down`` is set."""

    def __init__(self) -> None:
        self.down = False
        self.batches: list[Batch] = []
        self.calls = 0

    def write_batch(self, batch: Batch) -> None:
        self.calls += 1
        if self.down:
            raise StoreUnavailableError("store unreachable")
        self.batches.append(batch)

    def heartbeat(self, run_ids: Any, now: int) -> None:
        pass


def add_points(writer: BufferedWriter, count: int) -> None:
    from trialbook.tracking.writer import SeriesBuffer

    for step in range(count):
        with writer.lock:
            buffer = writer.series.setdefault(("run", "m"), SeriesBuffer())
            buffer.steps.append(step)
            buffer.values.append(float(step))
            buffer.timestamps.append(step)
            writer.points += 1
        if writer.points > writer.max_pending:
            writer.relieve()


def stored_points(store: FlakyStore) -> int:
    return sum(len(s) for b in store.batches for s in b.series)


@pytest.fixture
def store() -> FlakyStore:
    return FlakyStore()


@pytest.fixture
def writer(store: FlakyStore) -> Any:
    writer = BufferedWriter(store, max_pending=100)  # type: ignore[arg-type]
    yield writer
    store.down = False
    writer.close()


def test_full_buffer_is_written_by_the_logging_call(
    writer: BufferedWriter, store: FlakyStore
) -> None:
    add_points(writer, 250)
    assert stored_points(store) >= 200
    assert writer.points <= writer.max_pending


def test_store_down_never_blocks_and_memory_stays_bounded(
    writer: BufferedWriter, store: FlakyStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.down = True
    writer.store_down = True
    with caplog.at_level(logging.WARNING):
        add_points(writer, 5_000)
    assert store.calls == 0  # logging calls did not try the store
    assert writer.points <= 10 * writer.max_pending + 1
    assert any("dropped" in r.message for r in caplog.records)


def test_failed_batch_is_resent_once_the_store_is_back(
    writer: BufferedWriter, store: FlakyStore
) -> None:
    add_points(writer, 50)
    store.down = True
    with pytest.raises(StoreUnavailableError):
        writer.flush()
    store.down = False
    writer.flush()
    assert stored_points(store) == 50
