"""The data of ``xgboost.train`` and of the scikit-learn wrappers' ``fit``, as dataset inputs.

A ``DMatrix`` is described by its shape, feature names and types, and digested from the rows
:func:`trialbook.data.digest.sample_rows` picks (sliced out, nothing else is copied). A
``QuantileDMatrix`` cannot be sliced: it is left out.
"""

from __future__ import annotations

from typing import Any

from trialbook.autolog.run import AutologRun
from trialbook.data import Dataset, describe_source, from_training_data
from trialbook.data.digest import Hasher, numpy_part, sample_rows, sparse_part


def dmatrix_dataset(dmatrix: Any, name: str) -> Dataset | None:
    """A dataset describing ``dmatrix`` (None when it cannot be sampled)."""
    import xgboost

    try:
        rows, columns = int(dmatrix.num_row()), int(dmatrix.num_col())
        index = sample_rows(rows, columns)
        sample = dmatrix.slice(index.tolist())
        data, labels = sample.get_data(), sample.get_label()
        names, types = dmatrix.feature_names, dmatrix.feature_types
    except (xgboost.core.XGBoostError, TypeError, ValueError):
        return None
    hasher = Hasher("xgboost.DMatrix")
    hasher.header([rows, columns, names, types])
    sparse_part(hasher, data)
    numpy_part(hasher, labels)
    source_type, source = describe_source(None)
    names = names or [f"f{i}" for i in range(columns)]
    types = types or ["float"] * columns
    return Dataset(
        name=name,
        digest=hasher.digest(),
        source_type=source_type,
        source=source,
        schema={
            "mlflow_colspec": [{"name": n, "type": t} for n, t in zip(names, types, strict=False)]
        },
        profile={"num_rows": rows, "num_elements": rows * columns},
    )


def log_train_datasets(run: AutologRun, dtrain: Any, evals: Any) -> None:
    """Record ``dtrain`` (training) and each other matrix of ``evals`` (evaluation) by name."""
    named = [(m, str(n)) for m, n in (evals or ()) if m is not None]
    train_name = next((n for m, n in named if m is dtrain), "train")
    items = [(dtrain, train_name, "training")]
    items += [(m, n, "evaluation") for m, n in named if m is not dtrain]
    for matrix, name, context in items:
        if matrix is not None:
            _log(run, dmatrix_dataset(matrix, name), context)


def log_fit_datasets(run: AutologRun, features: Any, targets: Any, eval_set: Any) -> None:
    """Record ``fit``'s ``X``/``y`` (training) and each ``(X, y)`` of ``eval_set`` (evaluation)."""
    _log(run, from_training_data(features, targets), "training")
    for position, pair in enumerate(eval_set or ()):
        if isinstance(pair, (tuple, list)) and len(pair) == 2:
            found = from_training_data(pair[0], pair[1], name=f"validation_{position}")
            _log(run, found, "evaluation")


def _log(run: AutologRun, dataset: Dataset | None, context: str) -> None:
    if dataset is not None:
        run.log_input(dataset, context)
