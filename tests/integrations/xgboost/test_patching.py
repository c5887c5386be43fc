"""The autolog contract for XGBoost: patches applied once, reverted exactly, applied on import."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import trialbook
from trialbook.autolog.patching import is_patched
from trialbook.integrations import xgboost as integration_module
from trialbook.plugins import manager

xgboost = pytest.importorskip("xgboost")
pytestmark = pytest.mark.xgboost

xgboost_sklearn = pytest.importorskip("xgboost.sklearn")

WRAPPERS = (
    xgboost.XGBModel,
    xgboost.XGBClassifier,
    xgboost.XGBRegressor,
    xgboost.XGBRanker,
    xgboost.XGBRFClassifier,
    xgboost.XGBRFRegressor,
)


def snapshot() -> dict[str, Any]:
    """Everything autolog patches: the module attributes and the wrappers' class dicts."""
    state: dict[str, Any] = {
        "xgboost.train": vars(xgboost).get("train"),
        "xgboost.cv": vars(xgboost).get("cv"),
        "xgboost.sklearn.train": vars(xgboost_sklearn).get("train"),
    }
    for cls in WRAPPERS:
        state[cls.__name__] = dict(vars(cls))
    return state


def test_the_integration_is_registered_as_a_plugin() -> None:
    assert manager.integrations()["xgboost"] is integration_module.integration


def test_the_xgboost_flavor_is_registered_before_pickle() -> None:
    names = [flavor.name for flavor in manager.model_flavors()]
    assert names.index("xgboost") < names.index("pickle")


def test_autolog_patches_train_cv_and_every_wrappers_fit() -> None:
    trialbook.autolog()
    assert is_patched(xgboost.train)
    assert is_patched(xgboost.cv)
    for cls in WRAPPERS[1:]:
        assert is_patched(cls.fit)


def test_disable_reverts_every_patch_exactly() -> None:
    before = snapshot()
    trialbook.autolog()
    assert snapshot() != before
    trialbook.autolog(disable=True)
    assert snapshot() == before


def test_autolog_twice_changes_nothing() -> None:
    trialbook.autolog()
    once = snapshot()
    trialbook.autolog()
    assert snapshot() == once


def test_the_integrations_own_autolog_enables_it_alone(params: dict[str, Any], dtrain: Any) -> None:
    integration_module.autolog()
    assert is_patched(xgboost.train)
    xgboost.train(params, dtrain, 2)
    assert len(trialbook.search_runs(output_format="list")) == 1


def test_the_integrations_own_disable_reverts_exactly() -> None:
    before = snapshot()
    integration_module.autolog()
    integration_module.autolog(disable=True)
    assert snapshot() == before


def test_disabled_autolog_logs_nothing(params: dict[str, Any], dtrain: Any) -> None:
    trialbook.autolog()
    trialbook.autolog(disable=True)
    xgboost.train(params, dtrain, 2)
    assert trialbook.search_runs(output_format="list") == []


def test_xgboost_imported_after_autolog_is_patched(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import trialbook
        from trialbook.autolog.patching import is_patched

        trialbook.set_tracking_uri({str(tmp_path / "store")!r})
        trialbook.autolog()
        assert "xgboost" not in sys.modules
        import numpy as np
        import xgboost

        assert is_patched(xgboost.train)
        assert is_patched(xgboost.XGBClassifier.fit)
        data = xgboost.DMatrix(np.arange(20.0).reshape(10, 2), np.arange(10.0))
        xgboost.train({{"nthread": 1}}, data, 2, evals=[(data, "train")], verbose_eval=False)
        run = trialbook.last_active_run()
        assert "train-rmse" in run.data.metrics, run.data.metrics
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=tmp_path)
