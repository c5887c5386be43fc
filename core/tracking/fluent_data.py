"""The module-level API for datasets, tables and images, logging into the active run.

::

    trialbook.log_input(trialbook.data.from_pandas(df), context="training")
    trialbook.log_table({"prompt": ["a"], "score": [0.5]}, "eval/results.json")
    trialbook.log_image(array, key="samples", step=3)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trialbook.tracking.client import TrackingClient
from trialbook.tracking.fluent import current_run_id, get_tracking_uri


def _client() -> TrackingClient:
    return TrackingClient(get_tracking_uri())


def log_table(data: Any, artifact_file: str, run_id: str | None = None) -> str:
    """Save a table (dict of columns or DataFrame) as JSON; again to the same file appends rows.

    Into the active run, or into ``run_id`` (as MLflow's ``log_table`` allows).
    """
    return _client().log_table(run_id or current_run_id(), data, artifact_file)


def log_image(
    image: Any, artifact_file: str | None = None, key: str | None = None, step: int | None = None
) -> str:
    """Save an image at ``artifact_file``, or by ``key`` and ``step`` (a step slider in the UI)."""
    return _client().log_image(current_run_id(), image, artifact_file, key, step)


def log_input(
    dataset: Any, context: str | None = None, tags: Mapping[str, Any] | None = None
) -> None:
    """Record that the active run used a dataset (from :mod:`trialbook.data`) for ``context``."""
    _client().log_input(current_run_id(), dataset, context, tags)


def log_inputs(
    datasets: Sequence[Any],
    contexts: Sequence[str | None] | None = None,
    tags_list: Sequence[Mapping[str, Any] | None] | None = None,
) -> None:
    """Record several datasets at once (``contexts`` and ``tags_list`` match them one to one)."""
    from trialbook.tracking.inputs import dataset_input

    count = len(datasets)
    contexts = list(contexts) if contexts is not None else [None] * count
    tags_list = list(tags_list) if tags_list is not None else [None] * count
    if len(contexts) != count or len(tags_list) != count:
        raise ValueError("log_inputs: contexts and tags_list must have one item per dataset.")
    items = [dataset_input(d, c, t) for d, c, t in zip(datasets, contexts, tags_list, strict=True)]
    _client().log_inputs(current_run_id(), items)
