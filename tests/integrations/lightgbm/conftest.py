"""Tiny synthetic data for the LightGBM tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("lightgbm")


@pytest.fixture(autouse=True)
def no_context_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reproducibility capture (git, pip) is irrelevant here and slow."""
    monkeypatch.setenv("TRIALBOOK_DISABLE_CONTEXT", "1")


@pytest.fixture
def classification() -> tuple[Any, Any]:
    """200 rows of 5 features and a binary label that depends on two of them."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 5))
    y = (x[:, 0] + 0.5 * x[:, 1] + 0.3 * rng.normal(size=200) > 0).astype(int)
    return x, y


@pytest.fixture
def params() -> dict[str, Any]:
    """Binary objective, one thread, quiet."""
    return {"objective": "binary", "num_threads": 1, "verbose": -1, "seed": 0}
