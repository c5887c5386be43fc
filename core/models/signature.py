"""Model signatures: the names and types of a model's inputs and outputs.

::

    from trialbook.models import infer_signature

    signature = infer_signature(X_train, clf.predict(X_train))   # DataFrame/array, output
    trialbook.sklearn.log_model(clf, name="model", signature=signature, input_example=X[:5])

A pandas DataFrame gives one :class:`ColSpec` per column (its name and a type such as
``double`` or ``string``); a NumPy array gives one :class:`TensorSpec` (its dtype and its
shape, ``-1`` for the number of rows). The JSON forms are MLflow's, so
``ModelSignature.to_dict()`` reads the same in both. ``trialbook.pyfunc`` models check their
input against the signature before predicting (:mod:`trialbook.models.enforce`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trialbook.errors import TrialbookError

COLUMN_TYPES = ("boolean", "integer", "long", "float", "double", "string", "binary", "datetime")
"""The types of a column, as MLflow names them."""
SAMPLE_ROWS = 1000
"""Rows read where values, not dtypes, tell the type (object columns, lists)."""


class SignatureError(TrialbookError):
    """A signature could not be inferred or read; the message names the column or field."""


@dataclass(frozen=True)
class ColSpec:
    """One column: its type (one of :data:`COLUMN_TYPES`), its name, whether it is required."""

    type: str
    name: str | None = None
    required: bool = True

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise SignatureError(
                f"Unknown column type {self.type!r} for column {self.name!r}; "
                f"use one of {', '.join(COLUMN_TYPES)}."
            )

    def to_dict(self) -> dict[str, Any]:
        """MLflow's JSON form: ``{"type": "double", "name": "age", "required": true}``."""
        found: dict[str, Any] = {"type": self.type}
        if self.name is not None:
            found["name"] = self.name
        found["required"] = self.required
        return found


@dataclass(frozen=True)
class TensorSpec:
    """An array: its NumPy dtype name and shape (``-1`` where any size goes, e.g. rows)."""

    dtype: str
    shape: tuple[int, ...]
    name: str | None = None

    @property
    def type(self) -> str:
        """``tensor``, the kind of every TensorSpec."""
        return "tensor"

    def to_dict(self) -> dict[str, Any]:
        """MLflow's JSON form: ``{"type": "tensor", "tensor-spec": {"dtype", "shape"}}``."""
        found: dict[str, Any] = {
            "type": "tensor",
            "tensor-spec": {"dtype": self.dtype, "shape": list(self.shape)},
        }
        if self.name is not None:
            found["name"] = self.name
        return found


Spec = ColSpec | TensorSpec


class Schema:
    """The inputs (or outputs) of a model: columns, or tensors; never both."""

    def __init__(self, inputs: Sequence[Spec]) -> None:
        """Build a schema from specs of one kind (all :class:`ColSpec` or all TensorSpec)."""
        self.inputs: list[Spec] = list(inputs)
        kinds = {isinstance(spec, TensorSpec) for spec in self.inputs}
        if len(kinds) > 1:
            raise SignatureError("A schema holds columns or tensors, not both.")

    def is_tensor_spec(self) -> bool:
        """Whether the schema describes arrays rather than columns."""
        return bool(self.inputs) and isinstance(self.inputs[0], TensorSpec)

    def has_input_names(self) -> bool:
        """Whether every spec is named."""
        return bool(self.inputs) and all(spec.name is not None for spec in self.inputs)

    def input_names(self) -> list[str | int]:
        """The specs' names (their positions where unnamed)."""
        return [spec.name if spec.name is not None else i for i, spec in enumerate(self.inputs)]

    def input_types(self) -> list[str]:
        """Column types, or tensor dtypes."""
        return [s.dtype if isinstance(s, TensorSpec) else s.type for s in self.inputs]

    def to_dict(self) -> list[dict[str, Any]]:
        """The specs as a JSON-ready list."""
        return [spec.to_dict() for spec in self.inputs]

    def to_json(self) -> str:
        """The specs as MLflow's JSON text."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, data: str | Sequence[Mapping[str, Any]]) -> Schema:
        """Read :meth:`to_json` text (or its parsed list)."""
        items = json.loads(data) if isinstance(data, str) else data
        specs: list[Spec] = []
        for item in items:
            if item.get("type") == "tensor":
                tensor = item.get("tensor-spec") or {}
                shape = tuple(int(d) for d in tensor.get("shape", ()))
                specs.append(TensorSpec(str(tensor.get("dtype")), shape, item.get("name")))
            else:
                specs.append(
                    ColSpec(str(item.get("type")), item.get("name"), bool(item.get("required", 1)))
                )
        return cls(specs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.inputs == other.inputs

    def __hash__(self) -> int:
        return hash(tuple(self.inputs))

    def __repr__(self) -> str:
        return "\n  ".join(
            f"{spec.name!r}: {t}" for spec, t in zip(self.inputs, self.input_types(), strict=True)
        )


@dataclass(frozen=True)
class ModelSignature:
    """A model's input schema and (optionally) output schema."""

    inputs: Schema
    outputs: Schema | None = None

    def to_dict(self) -> dict[str, Any]:
        """MLflow's form: the schemas as JSON text, ``{"inputs": "[...]", "outputs": ...}``."""
        return {
            "inputs": self.inputs.to_json(),
            "outputs": self.outputs.to_json() if self.outputs is not None else None,
            "params": None,
        }

    def to_metadata(self) -> dict[str, Any]:
        """The form stored in a model's metadata: the schemas as lists."""
        return {
            "inputs": self.inputs.to_dict(),
            "outputs": self.outputs.to_dict() if self.outputs is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelSignature:
        """Read :meth:`to_dict` or :meth:`to_metadata` output."""
        if "inputs" not in data:
            raise SignatureError("A signature needs 'inputs'.")
        outputs = data.get("outputs")
        return cls(
            Schema.from_json(data["inputs"]),
            Schema.from_json(outputs) if outputs is not None else None,
        )

    def __repr__(self) -> str:
        return f"inputs:\n  {self.inputs!r}\noutputs:\n  {self.outputs!r}"


def infer_signature(model_input: Any, model_output: Any = None) -> ModelSignature:
    """The signature of a model taking ``model_input`` and returning ``model_output``.

    Each may be a pandas DataFrame or Series, a NumPy array, a SciPy sparse matrix, a torch
    tensor, a dict of columns or arrays, or a list (of rows, dicts or scalars). Only dtypes
    and shapes are read, and the values of the first :data:`SAMPLE_ROWS` rows where the
    dtype does not tell (object columns, lists); the data is never copied whole.
    """
    inputs = infer_schema(model_input)
    return ModelSignature(inputs, infer_schema(model_output) if model_output is not None else None)


def infer_schema(data: Any) -> Schema:
    """The :class:`Schema` of one input or output (see :func:`infer_signature`)."""
    if hasattr(data, "dtypes") and hasattr(data, "columns"):  # a DataFrame
        return Schema([_column(str(name), data[name]) for name in data.columns])
    if hasattr(data, "dtype") and hasattr(data, "name") and hasattr(data, "iloc"):  # a Series
        name = None if data.name is None else str(data.name)
        return Schema([_column(name, data)])
    if isinstance(data, Mapping):
        return _mapping_schema(data)
    if isinstance(data, (list, tuple)):
        return _list_schema(data)
    if hasattr(data, "shape") and hasattr(data, "dtype"):  # NumPy, SciPy sparse, torch
        return Schema([_tensor(data)])
    if isinstance(data, (str, bytes, bool, int, float)):
        return Schema([ColSpec(_scalar_type(data, None))])
    raise SignatureError(
        f"Cannot infer a schema from a {type(data).__name__}; pass a pandas DataFrame, a NumPy "
        "array, a dict or a list, or build a ModelSignature by hand."
    )


def _tensor(data: Any, name: str | None = None) -> TensorSpec:
    dtype = str(data.dtype).removeprefix("torch.")
    shape = tuple(int(d) for d in data.shape)
    return TensorSpec(dtype, (-1, *shape[1:]) if shape else (), name)


def _mapping_schema(data: Mapping[Any, Any]) -> Schema:
    values = list(data.values())
    if values and all(hasattr(v, "shape") and hasattr(v, "dtype") for v in values):
        return Schema([_tensor(v, str(k)) for k, v in data.items()])
    import pandas as pd

    rows = [data] if all(_is_scalar(v) for v in values) else data
    return infer_schema(pd.DataFrame(rows))


def _list_schema(data: Sequence[Any]) -> Schema:
    import pandas as pd

    head = list(data[:SAMPLE_ROWS])
    if head and all(isinstance(row, Mapping) for row in head):
        return infer_schema(pd.DataFrame(head))
    if head and all(_is_scalar(v) for v in head):
        return infer_schema(pd.Series(head))
    import numpy as np

    return infer_schema(np.asarray(head))


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bytes, bool, int, float))


def _column(name: str | None, series: Any) -> ColSpec:
    """The :class:`ColSpec` of a pandas Series, from its dtype (object columns: its values)."""
    return ColSpec(column_type(series, name), name)


def column_type(series: Any, name: str | None) -> str:
    """The :data:`COLUMN_TYPES` entry of a pandas Series (raises for mixed or odd columns)."""
    import pandas as pd

    dtype = series.dtype
    kind = getattr(dtype, "kind", "O")
    if isinstance(dtype, pd.CategoricalDtype):
        return column_type(pd.Series(dtype.categories), name)
    if kind == "b":
        return "boolean"
    if kind in "iu":
        return "integer" if dtype.itemsize < 4 or (kind == "i" and dtype.itemsize == 4) else "long"
    if kind == "f":
        return "float" if dtype.itemsize <= 4 else "double"
    if kind == "M":
        return "datetime"
    inferred = pd.api.types.infer_dtype(series.iloc[:SAMPLE_ROWS], skipna=True)
    found = {"string": "string", "bytes": "binary", "boolean": "boolean"}.get(inferred)
    if found is None:
        raise SignatureError(
            f"Column {name!r} holds {inferred} values; a signature column must hold one type "
            f"({', '.join(COLUMN_TYPES)}). Convert it, or build the ModelSignature by hand."
        )
    return found


def _scalar_type(value: Any, name: str | None) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, bytes):
        return "binary"
    if isinstance(value, str):
        return "string"
    raise SignatureError(f"Cannot infer a column type for {name!r} from a {type(value).__name__}.")


__all__ = [
    "COLUMN_TYPES",
    "ColSpec",
    "ModelSignature",
    "Schema",
    "SignatureError",
    "TensorSpec",
    "column_type",
    "infer_schema",
    "infer_signature",
]
