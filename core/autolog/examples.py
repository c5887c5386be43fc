"""Input examples: the first rows of a model's training input, saved next to the model.

With ``autolog(log_input_examples=True)`` integrations save them as
``model/input_example.json`` (at the run's root when models are not logged)::

    {"columns": ["age", "income"], "data": [[41, 52000.0], [29, 31000.0], ...]}

Only the first rows are read: the user's data is never copied whole.
"""

from __future__ import annotations

from typing import Any

INPUT_EXAMPLE_FILE = "input_example.json"
INPUT_EXAMPLE_ROWS = 5


def input_example(X: Any, rows: int = INPUT_EXAMPLE_ROWS) -> dict[str, Any] | None:
    """The first rows of ``X`` as ``{"columns": [...], "data": [[...]]}``, or None.

    ``X`` may be a pandas DataFrame, a NumPy array, a SciPy sparse matrix or a list of rows.
    """
    if hasattr(X, "iloc"):
        head = X.iloc[:rows]
        columns = getattr(head, "columns", None)
        example: dict[str, Any] = {"data": head.to_numpy().tolist()}
        if columns is not None:
            example["columns"] = [str(c) for c in columns]
        return example
    if getattr(X, "format", None) in ("csr", "csc", "lil", "dok"):
        return {"data": X[:rows].toarray().tolist()}
    if hasattr(X, "shape") and hasattr(X, "tolist"):
        return {"data": X[:rows].tolist()}
    if isinstance(X, (list, tuple)):
        return {"data": [list(r) if isinstance(r, (list, tuple)) else r for r in X[:rows]]}
    return None


def example_path(log_models: bool, model_name: str = "model") -> str:
    """Where the example goes: beside the model, or at the run's root without one."""
    return f"{model_name}/{INPUT_EXAMPLE_FILE}" if log_models else INPUT_EXAMPLE_FILE
