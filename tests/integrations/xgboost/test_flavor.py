"""The ``xgboost`` model flavor: XGBoost's native format, loaded as Booster or wrapper."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import trialbook
from trialbook.errors import TrialbookError
from trialbook.integrations.xgboost.flavor import INFO_FILE, MODEL_FILE, XGBoostFlavor

xgboost = pytest.importorskip("xgboost")
pytestmark = pytest.mark.xgboost


def test_log_model_picks_the_xgboost_flavor_for_a_booster(
    params: dict[str, Any], dtrain: Any
) -> None:
    booster = xgboost.train(params, dtrain, 3)
    with trialbook.start_run():
        info = trialbook.log_model(booster, "model")
    assert info.flavor == "xgboost"
    assert info.metadata["versions"] == {"xgboost": xgboost.__version__}


def test_a_booster_is_saved_in_xgboosts_own_format(
    params: dict[str, Any], dtrain: Any, tmp_path: Path
) -> None:
    booster = xgboost.train(params, dtrain, 3)
    XGBoostFlavor().save(booster, tmp_path)
    native = xgboost.Booster(model_file=str(tmp_path / MODEL_FILE))
    np.testing.assert_array_equal(native.predict(dtrain), booster.predict(dtrain))


def test_a_wrapper_loads_with_its_class_and_params(
    regression: tuple[Any, Any], tmp_path: Path
) -> None:
    x, y = regression
    model = xgboost.XGBRegressor(n_estimators=4, max_depth=2, n_jobs=1).fit(x, y)
    flavor = XGBoostFlavor()
    flavor.save(model, tmp_path)
    loaded = flavor.load(tmp_path, {})
    assert type(loaded) is xgboost.XGBRegressor
    assert (loaded.n_estimators, loaded.max_depth) == (4, 2)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_a_wrapper_with_a_callback_param_is_saved_without_it(
    regression: tuple[Any, Any], tmp_path: Path
) -> None:
    from trialbook.integrations.xgboost import TrialbookCallback

    x, y = regression
    model = xgboost.XGBRegressor(n_estimators=2, n_jobs=1, callbacks=[TrialbookCallback()])
    model.fit(x, y)
    XGBoostFlavor().save(model, tmp_path)
    info = json.loads((tmp_path / INFO_FILE).read_text())
    assert "callbacks" not in info["params"]
    assert info["params"]["n_estimators"] == 2


def test_a_saved_class_that_is_not_a_wrapper_is_refused(
    regression: tuple[Any, Any], tmp_path: Path
) -> None:
    x, y = regression
    XGBoostFlavor().save(xgboost.XGBRegressor(n_estimators=2, n_jobs=1).fit(x, y), tmp_path)
    info = json.loads((tmp_path / INFO_FILE).read_text())
    info.update(module="collections", **{"class": "OrderedDict"})
    (tmp_path / INFO_FILE).write_text(json.dumps(info))
    with pytest.raises(TrialbookError, match="not an XGBoost scikit-learn wrapper"):
        XGBoostFlavor().load(tmp_path, {})


def test_other_models_are_not_handled() -> None:
    assert not XGBoostFlavor().handles({"weights": [1, 2]})
    assert not XGBoostFlavor().handles(xgboost.DMatrix(np.zeros((2, 2))))


def test_a_wrapper_records_the_scikit_learn_version(regression: tuple[Any, Any]) -> None:
    import sklearn

    x, y = regression
    model = xgboost.XGBRegressor(n_estimators=2, n_jobs=1).fit(x, y)
    assert XGBoostFlavor().versions(model) == {
        "xgboost": xgboost.__version__,
        "scikit-learn": sklearn.__version__,
    }
