"""Model signatures: inference from data, MLflow's JSON form, and checks at predict time."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from trialbook.models import ColSpec, ModelSignature, Schema, TensorSpec, infer_signature
from trialbook.models.enforce import SchemaEnforcementError, enforce_schema
from trialbook.models.signature import SignatureError

FRAME = pd.DataFrame(
    {
        "age": np.array([41, 29, 35], dtype="int64"),
        "income": [52000.0, 31000.0, 40000.5],
        "city": ["Lyon", "Oslo", "Pune"],
        "member": [True, False, True],
    }
)


def test_a_dataframe_gives_one_named_column_per_column_with_its_type() -> None:
    signature = infer_signature(FRAME)
    assert signature.inputs.input_names() == list(FRAME.columns)
    assert signature.inputs.input_types() == ["long", "double", "string", "boolean"]
    assert signature.outputs is None


def test_an_array_gives_its_dtype_and_shape_with_any_number_of_rows() -> None:
    signature = infer_signature(np.zeros((7, 3), dtype="float32"), np.zeros(7, dtype="int64"))
    assert signature.inputs.inputs == [TensorSpec("float32", (-1, 3))]
    assert signature.outputs is not None
    assert signature.outputs.inputs == [TensorSpec("int64", (-1,))]


def test_lists_and_dicts_are_read_like_tables() -> None:
    rows = infer_signature([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}])
    assert rows.inputs.input_names() == ["a", "b"]
    assert rows.inputs.input_types() == ["long", "string"]
    one_row = infer_signature({"a": 1.5, "b": "x"})
    assert one_row.inputs.input_types() == ["double", "string"]


def test_a_column_of_mixed_values_is_refused_with_its_name() -> None:
    with pytest.raises(SignatureError, match="'mixed'"):
        infer_signature(pd.DataFrame({"mixed": [1, "a", 2.5]}))


def test_to_dict_is_mlflows_form_and_reads_back() -> None:
    signature = infer_signature(FRAME[["age", "city"]], np.zeros(3))
    as_dict = signature.to_dict()
    assert json.loads(as_dict["inputs"]) == [
        {"type": "long", "name": "age", "required": True},
        {"type": "string", "name": "city", "required": True},
    ]
    assert json.loads(as_dict["outputs"]) == [
        {"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}
    ]
    assert ModelSignature.from_dict(as_dict) == signature
    assert ModelSignature.from_dict(signature.to_metadata()) == signature


def test_an_unknown_column_type_is_refused() -> None:
    with pytest.raises(SignatureError, match="decimal"):
        ColSpec("decimal", "price")


def columns(**types: str) -> Schema:
    return Schema([ColSpec(kind, name) for name, kind in types.items()])


def test_a_missing_column_is_named() -> None:
    with pytest.raises(SchemaEnforcementError, match="missing the column 'income'"):
        enforce_schema(FRAME[["age"]], columns(age="long", income="double"))


def test_a_mistyped_column_is_named_with_both_types() -> None:
    wrong = FRAME.assign(income=["a", "b", "c"])
    with pytest.raises(SchemaEnforcementError, match=r"'income' has type string.*expects double"):
        enforce_schema(wrong, columns(age="long", income="double"))


def test_extra_columns_are_dropped_and_the_order_follows_the_schema() -> None:
    checked = enforce_schema(FRAME, columns(income="double", age="long"))
    assert list(checked.columns) == ["income", "age"]
    assert list(FRAME.columns) == ["age", "income", "city", "member"]


def test_integers_are_accepted_and_converted_for_a_float_column() -> None:
    checked = enforce_schema(FRAME[["age"]], columns(age="double"))
    assert checked["age"].dtype == np.float64
    assert FRAME["age"].dtype == np.int64


def test_a_dict_of_columns_becomes_a_table() -> None:
    checked = enforce_schema({"age": [1, 2], "income": [1.0, 2.0]}, columns(age="long"))
    assert checked["age"].tolist() == [1, 2]


def test_an_array_for_a_column_schema_is_refused_with_the_columns_wanted() -> None:
    with pytest.raises(SchemaEnforcementError, match=r"columns \['age'\]"):
        enforce_schema(np.zeros((2, 1)), columns(age="long"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.zeros((2, 4)), r"shape \(2, 4\).*\(-1, 3\)"),
        (np.zeros((2, 3), dtype="float64"), "dtype float64.*float32"),
        (np.zeros((2, 3), dtype="complex64"), "dtype complex64"),
    ],
)
def test_a_tensor_of_the_wrong_shape_or_dtype_is_refused(data: Any, message: str) -> None:
    with pytest.raises(SchemaEnforcementError, match=message):
        enforce_schema(data, Schema([TensorSpec("float32", (-1, 3))]))


def test_a_tensor_converts_safely_to_the_schema_dtype() -> None:
    checked = enforce_schema(
        np.ones((2, 3), dtype="int16"), Schema([TensorSpec("float32", (-1, 3))])
    )
    assert checked.dtype == np.float32
