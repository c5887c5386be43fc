"""Small synthetic data sets for the XGBoost tests (single-threaded, so timings stay stable)."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest

if importlib.util.find_spec("xgboost") is None:
    collect_ignore_glob = ["test_*.py"]  # xgboost is an optional extra


@pytest.fixture
def regression() -> tuple[Any, Any]:
    """200 rows, 4 features; y depends mostly on the first feature."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4))
    y = 2.0 * x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.3, size=200)
    return x, y


@pytest.fixture
def classification() -> tuple[Any, Any]:
    """200 rows, 4 features, two classes."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 4))
    y = (x[:, 0] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    return x, y


@pytest.fixture
def dtrain(regression: tuple[Any, Any]) -> Any:
    """The first 150 rows as a DMatrix."""
    import xgboost

    x, y = regression
    return xgboost.DMatrix(x[:150], y[:150])


@pytest.fixture
def dvalid(regression: tuple[Any, Any], dtrain: Any) -> Any:
    """The last 50 rows as a DMatrix."""
    import xgboost

    x, y = regression
    return xgboost.DMatrix(x[150:], y[150:])


@pytest.fixture
def params() -> dict[str, Any]:
    """Booster params for quick, deterministic trainings."""
    return {"max_depth": 3, "eta": 0.3, "nthread": 1, "seed": 0}
