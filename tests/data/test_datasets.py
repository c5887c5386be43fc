"""trialbook.data: dataset descriptions and their digests."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import trialbook
from trialbook.data import digest as digest_module
from trialbook.data import from_numpy, from_pandas, from_training_data
from trialbook.errors import InvalidValueError


def frame(rows: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"x": rng.normal(size=rows), "n": np.arange(rows), "label": ["a", "b"] * (rows // 2)}
    )


def test_from_pandas_describes_name_source_schema_and_profile() -> None:
    dataset = from_pandas(frame(), source="s3://bucket/wine.csv", name="wine", targets="label")
    assert (dataset.name, dataset.source_type, dataset.source) == (
        "wine",
        "s3",
        "s3://bucket/wine.csv",
    )
    assert dataset.schema == {
        "mlflow_colspec": [
            {"name": "x", "type": "double"},
            {"name": "n", "type": "long"},
            {"name": "label", "type": "string"},
        ]
    }
    assert dataset.profile == {"num_rows": 50, "num_elements": 150}
    assert dataset.targets == "label"
    assert dataset.df is not None


def test_a_dataset_without_source_comes_from_the_running_code() -> None:
    dataset = from_numpy(np.zeros((3, 2)))
    assert dataset.source_type == "code"
    assert dataset.name == "dataset"


def test_a_local_path_is_a_local_source() -> None:
    assert from_numpy(np.zeros((3, 2)), source="data/x.npy").source_type == "local"
    assert from_numpy(np.zeros((3, 2)), source="file:///data/x.npy").source_type == "local"


def test_equal_data_gives_equal_digests_and_any_change_another() -> None:
    base = from_pandas(frame()).digest
    assert from_pandas(frame()).digest == base
    changed = frame()
    changed.loc[17, "x"] = 0.5
    assert from_pandas(changed).digest != base
    assert from_pandas(frame().rename(columns={"n": "m"})).digest != base
    assert from_pandas(frame(), targets="label").digest != base


def test_targets_are_part_of_a_numpy_digest() -> None:
    features = np.arange(12.0).reshape(4, 3)
    assert (
        from_numpy(features, targets=np.array([0, 1, 0, 1])).digest
        != from_numpy(features, targets=np.array([1, 1, 0, 1])).digest
    )


def test_a_digest_is_the_same_in_another_process() -> None:
    code = (
        "import numpy as np, pandas as pd; from trialbook.data import from_pandas;"
        "print(from_pandas(pd.DataFrame({'a': np.arange(100), 'b': ['x'] * 100})).digest)"
    )
    here = from_pandas(pd.DataFrame({"a": np.arange(100), "b": ["x"] * 100})).digest
    there = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert there == here


def test_large_data_is_digested_from_a_bounded_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest_module, "SAMPLE_ELEMENTS", 100)
    data = np.arange(10_000.0).reshape(5_000, 2)
    rows = digest_module.sample_rows(5_000, 2)
    assert len(rows) == 50
    assert (rows[0], rows[-1]) == (0, 4_999)
    first = from_numpy(data).digest
    unsampled = next(i for i in range(5_000) if i not in set(rows.tolist()))
    data[unsampled, 0] = -1.0
    assert from_numpy(data).digest == first  # documented: outside the sample
    data[rows[10], 0] = -1.0
    assert from_numpy(data).digest != first


def test_lists_tensors_series_and_sparse_matrices_are_training_data() -> None:
    scipy_sparse = pytest.importorskip("scipy.sparse")
    rows = [[1.0, 2.0], [3.0, 4.0]]
    as_list = from_training_data(rows, [0, 1])
    assert as_list is not None
    assert as_list.digest == from_numpy(np.array(rows), targets=np.array([0, 1])).digest
    series = from_training_data(pd.Series([1, 2, 3], name="s"))
    assert series is not None
    assert series.profile["num_rows"] == 3
    sparse = from_training_data(scipy_sparse.random(20, 5, density=0.3, random_state=0))
    assert sparse is not None
    assert sparse.profile["features_shape"] == [20, 5]
    assert from_training_data(iter(rows)) is None


def test_unhashable_cells_still_digest() -> None:
    data = pd.DataFrame({"tags": [["a"], ["b", "c"]]})
    assert from_pandas(data).digest != from_pandas(pd.DataFrame({"tags": [["a"], ["b"]]})).digest


def test_from_pandas_names_a_missing_target_column() -> None:
    with pytest.raises(InvalidValueError, match="quality"):
        from_pandas(frame(), targets="quality")


def test_the_stored_form_keeps_schema_and_profile_as_json() -> None:
    entity = from_pandas(frame(), name="wine").to_entity()
    assert json.loads(entity.profile) == {"num_rows": 50, "num_elements": 150}
    assert json.loads(entity.schema)["mlflow_colspec"][0] == {"name": "x", "type": "double"}


def test_importing_trialbook_does_not_import_the_data_module() -> None:
    code = "import sys, trialbook; print('trialbook.data' in sys.modules, trialbook.data.__name__)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "trialbook.data"]
    assert trialbook.data.from_pandas is from_pandas


def test_mlflows_positional_order_and_given_digest_are_accepted() -> None:
    features, targets = np.zeros((4, 2)), np.arange(4)
    by_position = from_numpy(features, "data/x.npy", targets, "x")
    assert (by_position.source, by_position.name) == ("data/x.npy", "x")
    assert by_position.digest == from_numpy(features, targets=targets).digest
    assert from_pandas(frame(), "wine.csv", "label", "wine", "abc123").digest == "abc123"
