"""Checking a model's input against its signature before predicting.

::

    checked = enforce_schema(data, signature.inputs)   # a copy, ready for the model

Columns: the data must be a pandas DataFrame (or a dict or list of rows); a missing column or
one of the wrong type raises :class:`SchemaEnforcementError` naming it. Extra columns are
dropped and the columns put in the schema's order; integers are accepted for float columns
and converted. Tensors: the dtype must convert safely and the shape match, ``-1`` matching any
size. The user's data is never changed in place.
"""

from __future__ import annotations

from typing import Any

from trialbook.errors import TrialbookError
from trialbook.models.signature import ColSpec, Schema, TensorSpec, column_type

_ACCEPTED = {
    "boolean": {"boolean"},
    "integer": {"integer"},
    "long": {"integer", "long"},
    "float": {"float", "double", "integer", "long"},
    "double": {"float", "double", "integer", "long"},
    "string": {"string"},
    "binary": {"binary"},
    "datetime": {"datetime"},
}
"""For each schema type, the column types accepted (and converted to it where they differ)."""

_CONVERTED = {"float": "float32", "double": "float64", "long": "int64"}


class SchemaEnforcementError(TrialbookError):
    """The input does not match the model's signature; the message names what differs."""


def enforce_schema(data: Any, schema: Schema) -> Any:
    """``data`` checked against ``schema`` (see the module docstring); raises when it differs."""
    if not schema.inputs:
        return data
    if schema.is_tensor_spec():
        return _enforce_tensors(data, schema)
    if not schema.has_input_names():
        return data
    return _enforce_columns(data, schema)


def _enforce_columns(data: Any, schema: Schema) -> Any:
    import pandas as pd

    expected = [spec for spec in schema.inputs if isinstance(spec, ColSpec)]
    names = [str(spec.name) for spec in expected]
    if isinstance(data, dict) or (isinstance(data, list) and data and isinstance(data[0], dict)):
        data = pd.DataFrame([data] if isinstance(data, dict) and _one_row(data) else data)
    if not isinstance(data, pd.DataFrame):
        raise SchemaEnforcementError(
            f"This model takes a pandas DataFrame with columns {names}; got a "
            f"{type(data).__name__}. Pass a DataFrame (or a dict of columns)."
        )
    present = {str(c): c for c in data.columns}
    missing = [spec.name for spec in expected if spec.required and spec.name not in present]
    if missing:
        raise SchemaEnforcementError(
            f"The model input is missing the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)}; the model's signature needs {names}."
        )
    kept = [present[spec.name] for spec in expected if spec.name in present]
    checked = data.loc[:, kept].copy()
    for spec in expected:
        if spec.name not in present:
            continue
        column = present[str(spec.name)]
        actual = column_type(checked[column], spec.name) if len(checked) else spec.type
        if actual not in _ACCEPTED[spec.type]:
            raise SchemaEnforcementError(
                f"Column {spec.name!r} has type {actual} ({checked[column].dtype}); the model's "
                f"signature expects {spec.type}. Convert the column before predicting."
            )
        target = _CONVERTED.get(spec.type)
        if actual != spec.type and target is not None:
            checked[column] = checked[column].astype(target)
    return checked


def _one_row(data: dict[Any, Any]) -> bool:
    """Whether a dict is one row (scalars) rather than columns (lists or arrays)."""
    import numpy as np

    return all(np.ndim(v) == 0 for v in data.values())


def _enforce_tensors(data: Any, schema: Schema) -> Any:
    import numpy as np

    specs = [spec for spec in schema.inputs if isinstance(spec, TensorSpec)]
    if len(specs) > 1 or (specs[0].name is not None and isinstance(data, dict)):
        if not isinstance(data, dict):
            raise SchemaEnforcementError(
                f"This model takes a dict of arrays named {[s.name for s in specs]}; got a "
                f"{type(data).__name__}."
            )
        missing = [s.name for s in specs if s.name not in data]
        if missing:
            raise SchemaEnforcementError(
                f"The model input is missing the array(s) {missing}; the model's signature "
                f"needs {[s.name for s in specs]}."
            )
        return {**data, **{s.name: _tensor(data[s.name], s) for s in specs if s.name}}
    spec = specs[0]
    if getattr(data, "format", None) in ("csr", "csc"):
        _check_shape(data.shape, spec)
        return data
    if hasattr(data, "to_numpy") and hasattr(data, "columns"):
        data = data.to_numpy()
    if not hasattr(data, "dtype"):
        data = np.asarray(data)
    return _tensor(data, spec)


def _tensor(array: Any, spec: TensorSpec) -> Any:
    import numpy as np

    if "torch" in type(array).__module__:  # a torch tensor: compare its dtype by name
        dtype_name = str(array.dtype).removeprefix("torch.")
        if dtype_name != spec.dtype:
            raise _dtype_error(dtype_name, spec)
        _check_shape(tuple(array.shape), spec)
        return array
    array = np.asarray(array)
    _check_shape(array.shape, spec)
    expected = np.dtype(spec.dtype)
    if array.dtype == expected:
        return array
    if not np.can_cast(array.dtype, expected, "safe"):
        raise _dtype_error(str(array.dtype), spec)
    return array.astype(expected)


def _dtype_error(actual: str, spec: TensorSpec) -> SchemaEnforcementError:
    what = f"array {spec.name!r}" if spec.name else "The input array"
    return SchemaEnforcementError(
        f"{what} has dtype {actual}; the model's signature expects {spec.dtype}, and {actual} "
        f"does not convert to it without loss. Convert it first (e.g. .astype('{spec.dtype}'))."
    )


def _check_shape(shape: tuple[int, ...], spec: TensorSpec) -> None:
    expected = spec.shape
    fits = len(shape) == len(expected) and all(
        want in (-1, got) for want, got in zip(expected, shape, strict=True)
    )
    if not fits:
        raise SchemaEnforcementError(
            f"The input has shape {tuple(shape)}; the model's signature expects "
            f"{tuple(expected)} (-1: any size)."
        )


__all__ = ["SchemaEnforcementError", "enforce_schema"]
