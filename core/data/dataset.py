"""Datasets described for tracking: name, digest, source, schema and profile.

::

    dataset = from_pandas(df, source="data/wine.csv", name="wine", targets="quality")
    dataset.digest, dataset.schema, dataset.profile   # the data itself is never stored
    trialbook.log_input(dataset, context="training")
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trialbook.data.digest import Hasher, numpy_part, pandas_part, sparse_part
from trialbook.entities import Dataset as DatasetEntity
from trialbook.errors import InvalidValueError

DEFAULT_NAME = "dataset"

_TYPE_NAMES = {
    "float64": "double",
    "float32": "float",
    "int64": "long",
    "int32": "integer",
    "bool": "boolean",
    "object": "string",
    "str": "string",
    "string": "string",
    "bytes": "binary",
}


@dataclass(frozen=True)
class Dataset:
    """A dataset described for tracking; ``features`` and ``targets`` are never stored.

    Attributes:
        name: What the user calls it (``"dataset"`` when not given).
        digest: A stable hash of the content (see :mod:`trialbook.data.digest`).
        source_type: ``"local"``, ``"http"``, ``"s3"``..., or ``"code"`` for data made by the
            script that logs it.
        source: Where the data came from (a path or URI; the script for ``"code"``).
        schema: Column names and types (``{"mlflow_colspec": [...]}``) for a DataFrame, dtype
            and shape of each array (``{"mlflow_tensorspec": {...}}``) for arrays.
        profile: Sizes (``num_rows``, ``num_elements``, or each array's shape and bytes).
        features: The DataFrame or feature array (kept in memory only).
        targets: The target column's name for a DataFrame, the target array for arrays.
    """

    name: str
    digest: str
    source_type: str
    source: str
    schema: Mapping[str, Any]
    profile: Mapping[str, Any]
    features: Any = field(default=None, repr=False, compare=False)
    targets: Any = field(default=None, repr=False, compare=False)

    @property
    def df(self) -> Any:
        """The DataFrame (MLflow's ``PandasDataset.df``)."""
        return self.features

    def to_entity(self) -> DatasetEntity:
        """The stored form: schema and profile as JSON text."""
        return DatasetEntity(
            name=self.name,
            digest=self.digest,
            source_type=self.source_type,
            source=self.source,
            schema=json.dumps(self.schema, sort_keys=True),
            profile=json.dumps(self.profile, sort_keys=True),
        )


def from_pandas(
    df: Any,
    source: Any = None,
    targets: str | None = None,
    name: str | None = None,
    digest: str | None = None,
) -> Dataset:
    """Describe a pandas DataFrame; ``targets`` names its target column, if any.

    The arguments are MLflow's, in its order; ``digest`` replaces the computed one.
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InvalidValueError("df", type(df).__name__, "from_pandas takes a pandas DataFrame")
    if targets is not None and targets not in df.columns:
        raise InvalidValueError(
            "targets", targets, f"not a column of the DataFrame (columns: {list(df.columns)[:20]})"
        )
    hasher = Hasher("pandas")
    pandas_part(hasher, df)
    hasher.header(["targets", targets])
    columns = [{"name": str(c), "type": _type_name(t)} for c, t in df.dtypes.items()]
    source_type, source_text = describe_source(source)
    return Dataset(
        name=name or DEFAULT_NAME,
        digest=digest or hasher.digest(),
        source_type=source_type,
        source=source_text,
        schema={"mlflow_colspec": columns},
        profile={"num_rows": len(df), "num_elements": int(df.size)},
        features=df,
        targets=targets,
    )


def from_numpy(
    features: Any,
    source: Any = None,
    targets: Any = None,
    name: str | None = None,
    digest: str | None = None,
) -> Dataset:
    """Describe feature and target arrays (numpy, or anything ``numpy.asarray`` takes).

    The arguments are MLflow's, in its order; ``digest`` replaces the computed one.
    """
    import numpy as np

    hasher = Hasher("numpy")
    rows = numpy_part(hasher, features)
    if targets is not None:
        numpy_part(hasher, targets, rows)
    schema: dict[str, Any] = {"features": _tensor_spec(np.asarray(features[:1]), features)}
    profile: dict[str, Any] = _array_profile("features", features)
    if targets is not None:
        schema["targets"] = _tensor_spec(np.asarray(targets[:1]), targets)
        profile.update(_array_profile("targets", targets))
    source_type, source_text = describe_source(source)
    return Dataset(
        name=name or DEFAULT_NAME,
        digest=digest or hasher.digest(),
        source_type=source_type,
        source=source_text,
        schema={"mlflow_tensorspec": schema},
        profile=profile,
        features=features,
        targets=targets,
    )


def from_training_data(
    features: Any, targets: Any = None, name: str | None = None, source: str | None = None
) -> Dataset | None:
    """Describe what a training call received, or None for data it cannot read cheaply.

    DataFrames and Series, numpy arrays, lists, scipy sparse matrices and CPU tensors are
    described; anything else (iterators, framework-specific matrices) gives None. This is
    what autologging calls for every ``fit``: it reads a bounded sample and copies nothing.
    """
    kind = _kind(features)
    if kind is None or (targets is not None and _kind(targets) is None):
        return None
    if kind == "pandas" and (targets is None or _kind(targets) == "pandas"):
        hasher = Hasher("pandas")
        rows = pandas_part(hasher, features)
        if targets is not None:
            pandas_part(hasher, targets, rows)
        frame_type = type(features).__name__
        columns = (
            [{"name": str(c), "type": _type_name(t)} for c, t in features.dtypes.items()]
            if frame_type == "DataFrame"
            else [{"name": str(features.name), "type": _type_name(features.dtype)}]
        )
        source_type, source_text = describe_source(source)
        return Dataset(
            name=name or DEFAULT_NAME,
            digest=hasher.digest(),
            source_type=source_type,
            source=source_text,
            schema={"mlflow_colspec": columns},
            profile={"num_rows": len(features), "num_elements": int(features.size)},
            features=features,
            targets=targets,
        )
    if kind == "sparse":
        hasher = Hasher("sparse")
        sparse_part(hasher, features)
        if targets is not None:
            numpy_part(hasher, _as_array(targets))
        source_type, source_text = describe_source(source)
        shape = [int(n) for n in features.shape]
        return Dataset(
            name=name or DEFAULT_NAME,
            digest=hasher.digest(),
            source_type=source_type,
            source=source_text,
            schema={
                "mlflow_tensorspec": {
                    "features": {"type": str(features.dtype), "shape": [-1, *shape[1:]]}
                }
            },
            profile={"features_shape": shape, "features_nnz": int(features.nnz)},
            features=features,
            targets=targets,
        )
    return from_numpy(
        _as_array(features),
        source=source,
        targets=None if targets is None else _as_array(targets),
        name=name,
    )


def describe_source(source: Any) -> tuple[str, str]:
    """(source type, source text): a URI's scheme, ``local`` for a path, ``code`` for none.

    A path, a URI, or an object with a ``uri`` attribute (as MLflow's dataset sources have).
    """
    if source is None:
        script = sys.argv[0] if sys.argv and sys.argv[0] else "<interactive>"
        return "code", script
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
    else:
        text = str(getattr(source, "uri", source))
    scheme, sep, _rest = text.partition("://")
    if sep and scheme.isalnum():
        return ("local" if scheme == "file" else scheme.lower()), text
    return "local", text


def _kind(value: Any) -> str | None:
    module = type(value).__module__.split(".")[0]
    if module == "pandas" and type(value).__name__ in ("DataFrame", "Series"):
        return "pandas"
    if module == "scipy" and hasattr(value, "nnz") and hasattr(value, "format"):
        return "sparse"
    if module == "numpy" and hasattr(value, "shape"):
        return "numpy"
    if module == "torch" and hasattr(value, "device"):
        return "numpy" if str(value.device) == "cpu" else None
    if isinstance(value, (list, tuple)) and value:
        return "numpy"
    return None


def _as_array(value: Any) -> Any:
    if type(value).__module__.split(".")[0] == "torch":
        return value.detach().numpy()
    if type(value).__module__.split(".")[0] == "pandas":
        return value.to_numpy()
    return value


def _type_name(dtype: Any) -> str:
    text = str(dtype)
    if text.startswith("datetime64"):
        return "datetime"
    return _TYPE_NAMES.get(text, text)


def _tensor_spec(first: Any, values: Any) -> dict[str, Any]:
    import numpy as np

    count = len(values)
    shape = list(np.asarray(first).shape)
    return {"type": str(np.asarray(first).dtype), "shape": [-1, *shape[1:]] if shape else [count]}


def _array_profile(prefix: str, values: Any) -> dict[str, Any]:
    import numpy as np

    if hasattr(values, "shape") and hasattr(values, "nbytes"):
        shape, size, nbytes = list(values.shape), int(values.size), int(values.nbytes)
    else:
        first = np.asarray(values[0]) if len(values) else np.asarray([])
        shape = [len(values), *first.shape]
        size = int(np.prod(shape))
        nbytes = size * first.itemsize
    return {
        f"{prefix}_shape": [int(n) for n in shape],
        f"{prefix}_size": size,
        f"{prefix}_nbytes": nbytes,
    }
