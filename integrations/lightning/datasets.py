"""The data of a Lightning fit as dataset inputs: tensor datasets behind its dataloaders.

A dataloader whose ``dataset`` holds its tensors (``torch.utils.data.TensorDataset``) is
described and digested from a bounded sample of them (:func:`trialbook.data.from_training_data`);
the training loader is the ``training`` input, each validation loader an ``evaluation`` one.
Datasets that produce items one by one (files, transforms) are not read: that would cost a
pass over the data, so they are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trialbook.data import Dataset, from_training_data


def fit_datasets(trainer: Any) -> list[tuple[Dataset, str]]:
    """(dataset, context) of the fit's training loader and of its validation loaders.

    Validation loaders are known at training start when the sanity check loaded them.
    """
    datamodule = getattr(trainer, "datamodule", None)
    prefix = type(datamodule).__name__ if datamodule is not None else ""
    found: list[tuple[Dataset, str]] = []
    for loader in _loaders(getattr(trainer, "train_dataloader", None)):
        dataset = tensor_dataset(loader, f"{prefix}.train" if prefix else "train")
        if dataset is not None:
            found.append((dataset, "training"))
    for position, loader in enumerate(_loaders(getattr(trainer, "val_dataloaders", None))):
        name = f"{prefix}.val" if prefix else "val"
        dataset = tensor_dataset(loader, name if position == 0 else f"{name}_{position}")
        if dataset is not None:
            found.append((dataset, "evaluation"))
    return found


def tensor_dataset(loader: Any, name: str) -> Dataset | None:
    """The dataset of a loader whose ``dataset`` has ``tensors``, or None."""
    tensors = getattr(getattr(loader, "dataset", None), "tensors", None)
    if not isinstance(tensors, tuple) or not tensors:
        return None
    targets = tensors[1] if len(tensors) > 1 else None
    return from_training_data(tensors[0], targets, name=name)


def _loaders(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return list(value.values())
    if isinstance(value, Sequence):
        return list(value)
    return [value]
