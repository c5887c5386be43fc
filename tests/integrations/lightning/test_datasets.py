"""Lightning autolog records the tensors behind the fit's dataloaders as dataset inputs."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

import trialbook

pytestmark = [
    pytest.mark.lightning,
    pytest.mark.filterwarnings("ignore:`isinstance\\(treespec, LeafSpec\\)` is deprecated"),
]


def test_fit_records_the_training_and_validation_tensors(
    lit: SimpleNamespace, fast: dict[str, Any]
) -> None:
    trialbook.autolog()
    lit.pl.Trainer(**fast).fit(lit.TinyModule(), datamodule=lit.TinyData())
    run = trialbook.last_active_run()
    assert run is not None
    found = trialbook.get_run(run.info.run_id).inputs.dataset_inputs
    tensors = lit.loader(0).dataset.tensors
    expected = trialbook.data.from_training_data(tensors[0], tensors[1])
    assert expected is not None
    by_context = {i.context: i.dataset for i in found}
    assert by_context["training"].name == "TinyData.train"
    assert by_context["training"].digest == expected.digest
    assert by_context["evaluation"].name == "TinyData.val"  # loaded by the sanity check


def test_log_datasets_false_records_nothing(lit: SimpleNamespace, fast: dict[str, Any]) -> None:
    trialbook.autolog(log_datasets=False)
    lit.pl.Trainer(**fast).fit(lit.TinyModule(), lit.loader(0), lit.loader(1))
    run = trialbook.last_active_run()
    assert run is not None
    assert trialbook.get_run(run.info.run_id).inputs.dataset_inputs == ()
