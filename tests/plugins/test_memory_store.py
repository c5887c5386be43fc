"""The example store backend (examples/trialbook-memory-store), installed for real: the store
and registry contracts through the ``memory://`` scheme, and the fluent API on top of it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

import trialbook
from trialbook.store import TrackingStore, open_store
from trialbook.testing.registry_contract import RegistryContract
from trialbook.testing.store_contract import StoreContract


@pytest.fixture(autouse=True)
def example_backend_installed() -> None:
    names = {e.name for e in entry_points(group="trialbook")}
    if "memory_store" not in names:
        message = "pip install examples/trialbook-memory-store (nox -s tests does it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


class TestMemoryStore(StoreContract):
    """The whole store contract against a store opened by URI scheme."""

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[TrackingStore]:
        store = open_store("memory://contract", str(tmp_path / "artifacts"))
        yield store
        store.close()


class TestMemoryRegistry(RegistryContract):
    """The whole registry contract, through the Python API on a ``memory://`` URI."""

    @pytest.fixture
    def tracking_uri(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
        monkeypatch.setenv("TRIALBOOK_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
        return f"memory://{tmp_path.name}"


def test_the_scheme_picks_the_plugins_backend(tmp_path: Path) -> None:
    store = open_store("memory://picked", str(tmp_path))
    assert type(store).__module__ == "trialbook_memory.store"


def test_the_fluent_api_logs_into_a_memory_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trialbook.tracking import reproducibility

    monkeypatch.setenv(reproducibility.DISABLE_ENV_VAR, "1")
    monkeypatch.setenv("TRIALBOOK_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    trialbook.set_tracking_uri("memory://fluent")
    with trialbook.start_run() as run:
        trialbook.log_param("lr", 0.1)
        for step in range(3):
            trialbook.log_metric("loss", 1.0 / (step + 1), step=step)
    found: Any = trialbook.search_runs(filter_string="params.lr = '0.1'", output_format="list")
    assert [r.info.run_id for r in found] == [run.info.run_id]
    history = trialbook.TrackingClient().get_metric_history(run.info.run_id, "loss")
    assert [p.step for p in history] == [0, 1, 2]


def test_a_store_without_dataset_inputs_refuses_log_input_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trialbook.errors import UnsupportedStoreError
    from trialbook.tracking import reproducibility

    monkeypatch.setenv(reproducibility.DISABLE_ENV_VAR, "1")
    monkeypatch.setenv("TRIALBOOK_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    trialbook.set_tracking_uri("memory://inputs")
    dataset = trialbook.data.from_numpy([[1.0, 2.0], [3.0, 4.0]], targets=[0, 1])
    with trialbook.start_run():
        with pytest.raises(UnsupportedStoreError, match="DatasetInputs"):
            trialbook.log_input(dataset, context="training")
        with pytest.raises(UnsupportedStoreError, match=r"datasets\.digest"):
            trialbook.search_runs(filter_string=f"datasets.digest = '{dataset.digest}'")
