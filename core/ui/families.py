"""Which metrics belong in one chart: the same quantity measured on different datasets.

::

    metric_families(["train_loss", "val_loss", "validation_0-logloss", "validation_1-logloss"])
    # [Family("logloss", ["validation_0-logloss", "validation_1-logloss"]),
    #  Family("loss", ["train_loss", "val_loss"])]

A key splits into a dataset part and a quantity when it is ``<dataset><sep><quantity>``
(``train_loss``, ``val/acc``, ``validation_0-logloss``) with a separator ``_``, ``/``, ``-``
or ``.`` and a dataset name that says it is one (train, val, valid, validation, test, eval,
dev, holdout, optionally numbered: ``validation_0``). Keys with the same quantity form a
family; a key no other key shares a quantity with stays alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_DATASET = re.compile(
    r"^(?P<dataset>(?:train(?:ing)?|val(?:id(?:ation)?)?|test(?:ing)?|eval(?:uation)?|dev|holdout)"
    r"(?:[_-]?\d+)?)(?P<sep>[_/.\-])(?P<quantity>.+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Family:
    """Metrics charted together: the quantity they measure and their keys, sorted."""

    name: str
    keys: list[str]


def split_key(key: str) -> tuple[str, str] | None:
    """``(dataset, quantity)`` of a key like ``val_loss``; None when it names no dataset."""
    found = _DATASET.match(key)
    if found is None:
        return None
    return found["dataset"], found["quantity"]


def metric_families(keys: Iterable[str]) -> list[Family]:
    """The keys grouped by the quantity they measure, sorted by name; singletons included."""
    by_quantity: dict[str, list[str]] = {}
    for key in sorted(set(keys)):
        parts = split_key(key)
        by_quantity.setdefault(parts[1] if parts else key, []).append(key)
    families = []
    for quantity, members in by_quantity.items():
        if len(members) > 1:
            families.append(Family(quantity, members))
        else:
            families.extend(Family(key, [key]) for key in members)
    return sorted(families, key=lambda f: f.name)
