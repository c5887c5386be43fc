"""The autologging contract (:mod:`trialbook.testing.integration_contract`) against every
integration: the built-in ones and the example scipy plugin.

Each case trains a tiny model with the real framework.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from trialbook.testing.integration_contract import Case, IntegrationContract


def _data() -> tuple[Any, Any]:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(80, 4))
    labels = (features[:, 0] + features[:, 1] > 0).astype(int)
    return features, labels


# scikit-learn ------------------------------------------------------------------------------


def _sklearn_owners() -> list[Any]:
    import sklearn.base
    import sklearn.linear_model

    return [sklearn.linear_model.LogisticRegression, sklearn.base.BaseEstimator]


def _sklearn_train() -> Any:
    from sklearn.linear_model import LogisticRegression

    features, labels = _data()
    return LogisticRegression(max_iter=200).fit(features, labels).predict_proba(features)


def _sklearn_fail(error: BaseException) -> None:
    from sklearn.linear_model import LogisticRegression

    class Broken(LogisticRegression):
        def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Broken:
            raise error

    Broken().fit(*_data())


# XGBoost -----------------------------------------------------------------------------------


def _xgboost_owners() -> list[Any]:
    import xgboost
    import xgboost.sklearn
    import xgboost.training

    return [xgboost, xgboost.training, xgboost.XGBModel, xgboost.XGBClassifier, xgboost.sklearn]


def _xgboost_train() -> Any:
    import xgboost

    features, labels = _data()
    data = xgboost.DMatrix(features, label=labels)
    params = {"objective": "binary:logistic", "seed": 0, "nthread": 1}
    booster = xgboost.train(
        params, data, num_boost_round=5, evals=[(data, "train")], verbose_eval=False
    )
    return booster.predict(data)


def _xgboost_fail(error: BaseException) -> None:
    import xgboost

    class Boom(xgboost.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            raise error

    features, labels = _data()
    data = xgboost.DMatrix(features, label=labels)
    xgboost.train({"nthread": 1}, data, num_boost_round=3, callbacks=[Boom()])


# LightGBM ----------------------------------------------------------------------------------


def _lightgbm_owners() -> list[Any]:
    import lightgbm

    return [lightgbm, lightgbm.LGBMModel, lightgbm.LGBMClassifier, lightgbm.LGBMRegressor]


def _lightgbm_train() -> Any:
    import lightgbm

    features, labels = _data()
    data = lightgbm.Dataset(features, label=labels)
    params = {"objective": "binary", "seed": 0, "num_threads": 1, "verbose": -1}
    booster = lightgbm.train(params, data, num_boost_round=5, valid_sets=[data])
    return booster.predict(features)


def _lightgbm_fail(error: BaseException) -> None:
    import lightgbm

    def boom(env: Any) -> None:
        raise error

    features, labels = _data()
    data = lightgbm.Dataset(features, label=labels)
    lightgbm.train({"num_threads": 1, "verbose": -1}, data, num_boost_round=3, callbacks=[boom])


# Lightning ---------------------------------------------------------------------------------


def _lightning_module(raise_error: BaseException | None = None) -> Any:
    import lightning.pytorch as pl
    import torch

    class Tiny(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(4, 1)

        def training_step(self, batch: Any, _index: int) -> Any:
            if raise_error is not None:
                raise raise_error
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.layer(x).squeeze(-1), y)
            self.log("train_loss", loss, on_epoch=True, on_step=False)
            return loss

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    return Tiny()


def _lightning_fit(module: Any) -> Any:
    import lightning.pytorch as pl
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    features, labels = _data()
    x = torch.tensor(features, dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.float32)
    trainer = pl.Trainer(
        max_epochs=2,
        accelerator="cpu",
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
    )
    trainer.fit(module, DataLoader(TensorDataset(x, y), batch_size=40))
    with torch.no_grad():
        return module.layer(x).numpy()


def _lightning_owners() -> list[Any]:
    import lightning.pytorch as pl

    return [pl.Trainer]


def _lightning_train() -> Any:
    import lightning.pytorch as pl

    pl.seed_everything(0, verbose=False)
    return _lightning_fit(_lightning_module())


def _lightning_fail(error: BaseException) -> None:
    _lightning_fit(_lightning_module(error))


# The example third-party plugin ------------------------------------------------------------


def _scipy_owners() -> list[Any]:
    import scipy.optimize

    return [scipy.optimize]


def _scipy_train() -> Any:
    import scipy.optimize

    return scipy.optimize.minimize(lambda x: float((x[0] - 2.0) ** 2), x0=[0.0], method="BFGS").x


def _scipy_fail(error: BaseException) -> None:
    import scipy.optimize

    def objective(x: Any) -> float:
        raise error

    scipy.optimize.minimize(objective, x0=[0.0])


def _autolog(module: str) -> Callable[..., None]:
    """Enable one integration alone, so the others' patches do not blur the picture."""

    def enable(**settings: Any) -> None:
        importlib.import_module(module).autolog(**settings)

    return enable


CASES = [
    Case(
        "sklearn",
        "sklearn",
        _sklearn_owners,
        _sklearn_train,
        _sklearn_fail,
        _autolog("trialbook.integrations.sklearn"),
    ),
    Case(
        "xgboost",
        "xgboost",
        _xgboost_owners,
        _xgboost_train,
        _xgboost_fail,
        _autolog("trialbook.integrations.xgboost"),
    ),
    Case(
        "lightgbm",
        "lightgbm",
        _lightgbm_owners,
        _lightgbm_train,
        _lightgbm_fail,
        _autolog("trialbook.integrations.lightgbm"),
    ),
    Case(
        "lightning",
        "lightning",
        _lightning_owners,
        _lightning_train,
        _lightning_fail,
        _autolog("trialbook.integrations.lightning"),
    ),
    Case(
        "scipy_optimize",
        "scipy",
        _scipy_owners,
        _scipy_train,
        _scipy_fail,
        _autolog("trialbook_scipy"),
    ),
]


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    case: Case = request.param
    pytest.importorskip(case.framework)
    from trialbook.plugins.manager import integrations

    if case.name not in integrations():
        pytest.skip(f"integration {case.name!r} is not installed")
    case.train()  # warm up: import everything the training touches before snapshots
    return case


class TestIntegrations(IntegrationContract):
    """Every test of the contract, once per integration."""


def _function_of(value: Any) -> Any:
    """The function behind a patched attribute (a method, static/class method or property)."""
    if isinstance(value, (staticmethod, classmethod)):
        return value.__func__
    if isinstance(value, property):
        return value.fget
    return value


def _resolve(module: str, qualname: str) -> Any:
    """What pickle finds at ``module`` + ``qualname``, or None where it cannot look."""
    import sys

    if "<locals>" in qualname or module not in sys.modules:
        return None
    found: Any = sys.modules[module]
    for part in qualname.split("."):
        found = vars(found).get(part) if hasattr(found, "__dict__") else None
        if found is None:
            return None
    return found


def _patches(case: Case) -> list[Any]:
    from trialbook.autolog.patching import Patch
    from trialbook.plugins.manager import integrations

    case.autolog(log_models=False)
    case.train()
    return [
        patch
        for patch in integrations()[case.name].patches.patches
        if not (isinstance(patch, Patch) and patch.name.startswith("__"))
    ]


def test_patched_attributes_keep_their_type_name_and_qualname(case: Case) -> None:
    from trialbook.autolog.patching import Patch

    patches = [p for p in _patches(case) if isinstance(p, Patch) and p.had_own]
    assert patches
    for patch in patches:
        current = vars(patch.owner)[patch.name]
        assert type(current) is type(patch.original), patch.name
        before, after = _function_of(patch.original), _function_of(current)
        assert after.__name__ == before.__name__
        assert after.__qualname__ == before.__qualname__


def test_patched_functions_pickle_by_reference_as_the_originals(case: Case) -> None:
    import pickle

    from trialbook.autolog.patching import CellPatch

    for patch in _patches(case):
        if isinstance(patch, CellPatch):
            assert pickle.loads(pickle.dumps(patch.owner)) is patch.owner
            continue
        if not patch.had_own or isinstance(patch.original, property):
            continue  # placed on a subclass, or a getter: neither is pickled by reference
        current = _function_of(vars(patch.owner)[patch.name])
        before = _function_of(patch.original)
        if not callable(current):
            continue
        found = _function_of(_resolve(current.__module__, current.__qualname__))
        if found is not current and found is not before:
            continue  # the original is not picklable by reference either
        assert found is current, f"{current.__module__}.{current.__qualname__}"
        assert pickle.loads(pickle.dumps(current)) is current
