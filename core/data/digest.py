"""Content digests of datasets, computed from a bounded sample so they stay cheap.

A digest is the first 16 hex characters of a SHA-256 over:

* a header: the kind of data, its shape, its column names and types;
* the sampled rows: every row when the data has at most :data:`SAMPLE_ELEMENTS` values,
  else evenly spaced rows (always the first and the last) holding about that many values.

So a digest costs about the same for 1 MB and for 100 GB, is the same in every process
and on every machine for the same data, and changes when the shape, the columns, the
types or any sampled value change. A change confined to rows outside the sample of a large
dataset keeps the digest (MLflow's digests, which hash the first rows, share that limit).
Nothing is copied but the sample.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

__all__ = [
    "DIGEST_LENGTH",
    "SAMPLE_ELEMENTS",
    "Hasher",
    "numpy_part",
    "pandas_part",
    "sample_rows",
    "sparse_part",
]

SAMPLE_ELEMENTS = 100_000
"""About how many values of a dataset a digest reads (800 KB of float64)."""
DIGEST_LENGTH = 16
"""Hex characters of a digest."""


def sample_rows(rows: int, row_size: int) -> Any:
    """Indices of the rows a digest reads: all of them, or evenly spaced ones with both ends."""
    import numpy as np

    budget = max(1, SAMPLE_ELEMENTS // max(1, row_size))
    if rows <= budget:
        return np.arange(rows)
    return np.unique(np.linspace(0, rows - 1, budget).round().astype(np.int64))


class Hasher:
    """A SHA-256 fed with a header and sample parts; :meth:`digest` gives the short hex."""

    def __init__(self, kind: str) -> None:
        self._sha = hashlib.sha256(kind.encode())

    def header(self, value: Any) -> None:
        """Add JSON-able facts about the data (shape, columns, types)."""
        self._sha.update(json.dumps(value, sort_keys=True, default=str).encode())

    def array(self, values: Any) -> None:
        """Add a numpy array (a sample): its dtype, shape and bytes."""
        import numpy as np

        array = np.asarray(values)
        self.header([str(array.dtype), list(array.shape)])
        if array.dtype.kind == "O":
            self._sha.update(repr(array.tolist()).encode())
        else:
            self._sha.update(np.ascontiguousarray(array).tobytes())

    def digest(self) -> str:
        """The short hex digest."""
        return self._sha.hexdigest()[:DIGEST_LENGTH]


def numpy_part(hasher: Hasher, values: Any, rows: Any | None = None) -> Any:
    """Add an array-like (numpy, list, tensor on CPU) sampled by rows; return the row indices."""
    import numpy as np

    if isinstance(values, Sequence) and not isinstance(values, (str, bytes)):
        count = len(values)
        first = np.asarray(values[0]) if count else np.asarray([])
        if rows is None:
            rows = sample_rows(count, max(1, first.size))
        hasher.header(["array", [count, *first.shape]])  # as the list's numpy array
        hasher.array(np.asarray([values[int(i)] for i in rows]))
        return rows
    array = np.asarray(values)
    if array.ndim == 0:
        hasher.array(array)
        return rows
    if rows is None:
        rows = sample_rows(array.shape[0], max(1, array.size // max(1, array.shape[0])))
    hasher.header(["array", list(array.shape)])
    hasher.array(array[rows] if len(rows) < array.shape[0] else array)
    return rows


def sparse_part(hasher: Hasher, matrix: Any) -> None:
    """Add a scipy sparse matrix: its shape and format, and a sample of its stored values."""
    import numpy as np

    hasher.header(["sparse", matrix.format, list(matrix.shape), int(matrix.nnz)])
    for name in ("data", "indices", "indptr", "row", "col"):
        values = getattr(matrix, name, None)
        if values is not None:
            index = sample_rows(len(values), 1)
            hasher.array(np.asarray(values)[index])


def pandas_part(hasher: Hasher, frame: Any, rows: Any | None = None) -> Any:
    """Add a DataFrame or Series: its columns and types, and its sampled rows' hashes."""
    import pandas as pd

    columns = [str(c) for c in frame.columns] if hasattr(frame, "columns") else [str(frame.name)]
    dtypes = [str(t) for t in frame.dtypes] if hasattr(frame, "columns") else [str(frame.dtype)]
    hasher.header(["pandas", len(frame), columns, dtypes])
    if rows is None:
        rows = sample_rows(len(frame), max(1, len(columns)))
    sample = frame.iloc[rows] if len(rows) < len(frame) else frame
    hashes: Any
    try:
        hashes = pd.util.hash_pandas_object(sample, index=False).to_numpy()
    except TypeError:  # unhashable cells (lists, dicts): their text instead
        is_frame = hasattr(sample, "columns")
        cells = sample.itertuples(index=False, name=None) if is_frame else sample
        hashes = [repr(cell) for cell in cells]
    hasher.array(hashes)
    return rows
