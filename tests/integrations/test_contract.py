"""The autologging contract, one suite run against every integration.

Each case trains a tiny model with the real framework. Every integration must: change nothing
when enabled twice, revert its patches exactly, leave training results unchanged, log one run
per training, let the user's exceptions through untouched, turn its own failures into one
warning (or an error in strict mode), and respect the user's active run and ``exclusive``.
"""

from __future__ import annotations

import importlib
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import trialbook
from trialbook.autolog import AutologgingWarning
from trialbook.tracking import background
from trialbook.tracking.tracker import Tracker


@dataclass(frozen=True)
class Case:
    """How to exercise one integration."""

    name: str
    framework: str
    owners: Callable[[], list[Any]]
    """Classes and modules the integration patches; their ``__dict__`` must come back exactly."""
    train: Callable[[], Any]
    """Train a tiny model deterministically and return something to compare (predictions)."""
    fail: Callable[[BaseException], None]
    """Run a training in which the user's own code raises the given exception."""


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


CASES = [
    Case("sklearn", "sklearn", _sklearn_owners, _sklearn_train, _sklearn_fail),
    Case("xgboost", "xgboost", _xgboost_owners, _xgboost_train, _xgboost_fail),
    Case("lightning", "lightning", _lightning_owners, _lightning_train, _lightning_fail),
    Case("scipy_optimize", "scipy", _scipy_owners, _scipy_train, _scipy_fail),
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


def snapshot(owners: list[Any]) -> list[dict[str, Any]]:
    # ``__slotnames__`` is copyreg's cache, added by any pickling of an instance (log_model).
    return [{k: v for k, v in vars(owner).items() if k != "__slotnames__"} for owner in owners]


def only_autolog(case: Case, **settings: Any) -> None:
    """Enable one integration alone, so the others' patches do not blur the picture."""
    module = importlib.import_module(
        "trialbook_scipy"
        if case.name == "scipy_optimize"
        else f"trialbook.integrations.{case.name}"
    )
    module.autolog(**settings)


def runs() -> list[trialbook.Run]:
    return trialbook.search_runs(output_format="list", run_view_type="all")  # type: ignore[no-any-return]


def test_enabling_twice_changes_nothing(case: Case) -> None:
    trialbook.autolog()
    once = snapshot(case.owners())
    trialbook.autolog()
    assert snapshot(case.owners()) == once


def test_disabling_restores_every_patched_dict_exactly(case: Case) -> None:
    before = snapshot(case.owners())
    trialbook.autolog()
    case.train()
    trialbook.autolog(disable=True)
    assert snapshot(case.owners()) == before


def test_training_result_is_unchanged_by_autolog(case: Case) -> None:
    baseline = case.train()
    only_autolog(case)
    np.testing.assert_array_equal(case.train(), baseline)


def test_one_training_logs_one_finished_run(case: Case) -> None:
    only_autolog(case)
    case.train()
    (run,) = runs()
    assert run.info.status is trialbook.RunStatus.FINISHED
    assert run.data.tags.get("trialbook.autolog") == case.name


def test_user_exception_propagates_unchanged_and_fails_the_run(case: Case) -> None:
    only_autolog(case)
    error = KeyError("raised by the user's code")
    with pytest.raises(KeyError) as raised:
        case.fail(error)
    assert raised.value is error or raised.value.__cause__ is error or error in _chain(raised.value)
    (run,) = runs()
    assert run.info.status is trialbook.RunStatus.FAILED


def _chain(error: BaseException) -> list[BaseException]:
    found = []
    current: BaseException | None = error
    while current is not None and len(found) < 10:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _break_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the store is down")

    for name in ("log_metric", "log_metrics", "log_params", "set_tags"):
        monkeypatch.setattr(Tracker, name, broken)


def test_our_logging_failure_is_one_warning_and_training_goes_on(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = case.train()
    only_autolog(case, log_models=False, strict=False)
    _break_logging(monkeypatch)
    with pytest.warns(AutologgingWarning, match="the store is down") as caught:
        result = case.train()
    np.testing.assert_array_equal(result, baseline)
    assert len([w for w in caught if issubclass(w.category, AutologgingWarning)]) == 1


def test_strict_mode_raises_our_own_errors(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    only_autolog(case, log_models=False, strict=True)
    _break_logging(monkeypatch)
    with pytest.raises(RuntimeError, match="the store is down"):
        case.train()


def test_users_active_run_is_logged_into_and_left_open(case: Case) -> None:
    only_autolog(case, log_models=False)
    with trialbook.start_run() as run:
        case.train()
        assert trialbook.active_run() == run
    (stored,) = runs()
    assert stored.info.run_id == run.info.run_id
    assert stored.data.metrics or stored.data.params


def test_exclusive_leaves_the_users_active_run_alone(case: Case) -> None:
    only_autolog(case, exclusive=True, log_models=False)
    with trialbook.start_run() as run:
        case.train()
    (stored,) = runs()
    assert stored.info.run_id == run.info.run_id
    assert not stored.data.params
    assert not stored.data.metrics


def test_only_the_training_thread_touches_the_warnings_filters(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before Python 3.14 ``catch_warnings`` swaps process-wide state: entered from one of our
    # background threads it can undo the user's own ``catch_warnings(record=True)`` mid-fit.
    training_thread = threading.current_thread()
    entered_from: list[threading.Thread] = []
    enter = warnings.catch_warnings.__enter__

    def spy(self: warnings.catch_warnings[Any]) -> Any:
        entered_from.append(threading.current_thread())
        return enter(self)

    monkeypatch.setattr(warnings.catch_warnings, "__enter__", spy)
    only_autolog(case)
    case.train()
    background.wait()
    assert len(runs()) == 1
    assert [t.name for t in entered_from if t is not training_thread] == []


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

    only_autolog(case, log_models=False)
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
