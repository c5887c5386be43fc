"""The buffered writer resends a batch that failed with the store's "try again" as is (so a
server applies it once), and never drops one without saying so."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from trialbook.errors import RunNotFoundError, StoreUnavailableError
from trialbook.store.base import Batch, part_batch_id
from trialbook.tracking.writer import BufferedWriter, SeriesBuffer

RUN_A = "a" * 32
RUN_B = "b" * 32


class FlakyStore:
    """Records every batch; fails the first ``failures`` writes with ``error``."""

    idempotent_batches = True

    def __init__(
        self,
        failures: int = 0,
        bad_run: str | None = None,
        error: Exception | None = None,
    ) -> None:
        self.failures = failures
        self.error = error or StoreUnavailableError("server restarting")
        self.bad_run = bad_run
        self.attempts: list[Batch] = []
        self.applied: dict[str, Batch] = {}

    def write_batch(self, batch: Batch) -> None:
        self.attempts.append(batch)
        if self.failures:
            self.failures -= 1
            raise self.error
        runs = {s.run_id for s in batch.series} | {p[0] for p in batch.params}
        if self.bad_run in runs:
            raise RunNotFoundError(self.bad_run or "")
        self.applied.setdefault(batch.batch_id or "", batch)

    def heartbeat(self, run_ids: Any, now: int) -> None:
        pass


@pytest.fixture
def make_writer() -> Iterator[Any]:
    writers: list[BufferedWriter] = []

    def make(store: FlakyStore) -> BufferedWriter:
        writer = BufferedWriter(store)  # type: ignore[arg-type]
        writer._closed = True  # No background flushes: the test flushes by hand.
        writer.wake()
        writers.append(writer)
        return writer

    yield make
    for writer in writers:
        if writer._thread is not None:
            writer._thread.join(timeout=5)


def log(writer: BufferedWriter, run_id: str, *values: float) -> None:
    with writer.lock:
        buffer = writer.series.setdefault((run_id, "m"), SeriesBuffer())
        for value in values:
            buffer.steps.append(len(buffer.steps))
            buffer.values.append(value)
            buffer.timestamps.append(0)
            writer.points += 1


def test_failed_batch_is_resent_with_its_batch_id_before_newer_data(make_writer: Any) -> None:
    store = FlakyStore(failures=1)
    writer = make_writer(store)
    log(writer, RUN_A, 1.0, 2.0)
    with pytest.raises(StoreUnavailableError):
        writer.flush()
    log(writer, RUN_A, 3.0)
    writer.flush()
    first, resent, newer = store.attempts
    assert resent is first
    assert newer.batch_id != first.batch_id
    assert [list(b.series[0].values) for b in (resent, newer)] == [[1.0, 2.0], [3.0]]


def test_batches_of_a_store_without_idempotency_carry_no_id(make_writer: Any) -> None:
    store = FlakyStore()
    store.idempotent_batches = False  # type: ignore[misc]
    writer = make_writer(store)
    log(writer, RUN_A, 1.0)
    writer.flush()
    assert store.attempts[0].batch_id is None


def test_parts_of_an_isolated_batch_have_ids_derived_from_its_id(
    make_writer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    store = FlakyStore(bad_run=RUN_B)
    writer = make_writer(store)
    log(writer, RUN_A, 1.0)
    log(writer, RUN_B, 2.0)
    writer.flush()
    assert RUN_B in caplog.text
    whole = store.attempts[0]
    assert whole.batch_id is not None
    assert list(store.applied) == [part_batch_id(whole.batch_id, "items 0-1")]


def test_one_item_batch_that_fails_is_dropped_without_a_retry(
    make_writer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    store = FlakyStore(bad_run=RUN_B)
    writer = make_writer(store)
    log(writer, RUN_B, 2.0)
    writer.flush()
    assert RUN_B in caplog.text
    assert len(store.attempts) == 1


def test_a_batch_failing_with_another_error_is_reported_dropped(
    make_writer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # An error of the backend's own library is no "try again": keeping the batch would wedge
    # the writer, dropping it silently would lose data unseen.
    store = FlakyStore(failures=1, error=ConnectionError("unreachable"))
    writer = make_writer(store)
    log(writer, RUN_A, 1.0, 2.0)
    with pytest.raises(ConnectionError):
        writer.flush()
    assert "dropped 2 metric points" in caplog.text
    log(writer, RUN_A, 3.0)
    writer.flush()
    assert [list(b.series[0].values) for b in store.applied.values()] == [[3.0]]
