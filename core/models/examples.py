"""Input examples: a few rows of a model's input, saved in the model folder.

``log_model(..., input_example=X[:5])`` writes them as ``input_example.json``::

    {"columns": ["age", "income"], "data": [[41, 52000.0], [29, 31000.0], ...]}

(``columns`` only for tables; arrays record their ``dtype``). Only the first rows are read: the user's data is never
copied whole. :func:`read_input_example` turns the file back into a DataFrame or an array.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

INPUT_EXAMPLE_FILE = "input_example.json"
INPUT_EXAMPLE_ROWS = 5


def input_example(X: Any, rows: int = INPUT_EXAMPLE_ROWS) -> dict[str, Any] | None:
    """The first rows of ``X`` as ``{"columns": [...], "data": [[...]]}``, or None.

    ``X`` may be a pandas DataFrame or Series, a NumPy array, a SciPy sparse matrix, a torch
    tensor, a dict (one row of scalars, or columns) or a list of rows.
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
        head = X[:rows]
        if hasattr(head, "detach"):  # a torch tensor
            head = head.detach().cpu()
        return {"data": head.tolist(), "dtype": str(X.dtype).removeprefix("torch.")}
    if isinstance(X, Mapping):
        return _mapping_example(X, rows)
    if isinstance(X, (list, tuple)):
        if X and all(isinstance(r, Mapping) for r in X):
            columns = list(dict.fromkeys(str(k) for r in X[:rows] for k in r))
            data = [[r.get(c) for c in columns] for r in X[:rows]]
            return {"columns": columns, "data": data}
        return {"data": [list(r) if isinstance(r, (list, tuple)) else r for r in X[:rows]]}
    return None


def _mapping_example(X: Mapping[Any, Any], rows: int) -> dict[str, Any]:
    import numpy as np

    columns = [str(k) for k in X]
    values = list(X.values())
    if all(np.ndim(v) == 0 for v in values):
        return {"columns": columns, "data": [[_plain(v) for v in values]]}
    cut = [np.asarray(v)[:rows].tolist() for v in values]
    return {"columns": columns, "data": [list(row) for row in zip(*cut, strict=False)]}


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def write_input_example(example: dict[str, Any], folder: Path) -> str:
    """Write ``example`` (from :func:`input_example`) into ``folder``; return the file name."""
    text = json.dumps(example, allow_nan=True, default=str)
    (folder / INPUT_EXAMPLE_FILE).write_text(text, encoding="utf-8")
    return INPUT_EXAMPLE_FILE


def read_input_example(path: Path) -> Any:
    """The example saved at ``path``: a DataFrame when it has columns, else a NumPy array."""
    example = json.loads(path.read_text(encoding="utf-8"))
    if "columns" in example:
        import pandas as pd

        return pd.DataFrame(example["data"], columns=example["columns"])
    import numpy as np

    return np.asarray(example["data"], dtype=example.get("dtype"))


__all__ = [
    "INPUT_EXAMPLE_FILE",
    "INPUT_EXAMPLE_ROWS",
    "input_example",
    "read_input_example",
    "write_input_example",
]
