"""Dataset inputs of runs: what ``log_input`` accepts, turned into what the store records.

::

    dataset_input(trialbook.data.from_pandas(df), context="training", tags={"split": "a"})
    record(store, run_id, [that_input])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trialbook.entities import CONTEXT_TAG, Dataset, DatasetInput, InputTag
from trialbook.errors import InvalidValueError, UnsupportedStoreError
from trialbook.store.base import DatasetInputs, TrackingStore


def dataset_input(
    dataset: Any, context: str | None = None, tags: Mapping[str, Any] | None = None
) -> DatasetInput:
    """A :class:`DatasetInput` of a :class:`trialbook.data.Dataset` or a stored
    :class:`~trialbook.entities.Dataset`, with ``context`` as its context tag."""
    from trialbook.data import Dataset as DescribedDataset

    if isinstance(dataset, DescribedDataset):
        stored = dataset.to_entity()
    elif isinstance(dataset, Dataset):
        stored = dataset
    else:
        raise InvalidValueError(
            "dataset",
            type(dataset).__name__,
            "log_input takes a dataset from trialbook.data.from_pandas or from_numpy",
        )
    items = [InputTag(CONTEXT_TAG, str(context))] if context else []
    items.extend(InputTag(str(k), str(v)) for k, v in (tags or {}).items() if k != CONTEXT_TAG)
    if tags and CONTEXT_TAG in tags and not context:
        items.insert(0, InputTag(CONTEXT_TAG, str(tags[CONTEXT_TAG])))
    return DatasetInput(stored, tuple(items))


def record(store: TrackingStore, run_id: str, inputs: Sequence[DatasetInput]) -> None:
    """Have ``store`` link the inputs to the run; UnsupportedStoreError if it cannot."""
    if not isinstance(store, DatasetInputs):
        raise UnsupportedStoreError(type(store).__name__, "DatasetInputs", "log_input")
    store.log_inputs(run_id, list(inputs))
