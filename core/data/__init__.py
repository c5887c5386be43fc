"""Datasets: describe the data a run uses, and log it by digest without copying it.

::

    import trialbook

    dataset = trialbook.data.from_pandas(df, source="data/wine.csv", name="wine", targets="quality")
    with trialbook.start_run():
        trialbook.log_input(dataset, context="training")

    trialbook.search_runs(filter_string=f"datasets.digest = '{dataset.digest}'")

Autologging does the same for the data of every ``fit`` (see
:func:`~trialbook.data.dataset.from_training_data`). How digests are computed, and what they
cannot see, is in :mod:`trialbook.data.digest`.
"""

from __future__ import annotations

from trialbook.data.dataset import (
    Dataset,
    describe_source,
    from_numpy,
    from_pandas,
    from_training_data,
)

__all__ = [
    "Dataset",
    "describe_source",
    "from_numpy",
    "from_pandas",
    "from_training_data",
]
