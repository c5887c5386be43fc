"""Do no harm with Lightning: what Lightning's own tests check, compared with autolog off and on.

Lightning's test suite is not shipped in its wheel, so these are the behaviours it checks that
autologging touches: the callbacks lists, early stopping, resuming from a checkpoint, the
checkpoints and a user's logger files, pickling, and the threads left behind. Each test trains
the same seeded model with autologging off and on and expects the very same result.
"""

from __future__ import annotations

import copy
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest

import trialbook

pytestmark = [
    pytest.mark.lightning,
    pytest.mark.filterwarnings("ignore:`isinstance\\(treespec, LeafSpec\\)` is deprecated"),
]

T = TypeVar("T")


def off_and_on(train: Callable[[], T]) -> tuple[T, T]:
    """``train()`` with autologging off, then with it on (``log_models`` and all defaults)."""
    without = train()
    trialbook.autolog()
    try:
        with_autolog = train()
    finally:
        trialbook.autolog(disable=True)
    return without, with_autolog


def same(a: Any, b: Any) -> bool:
    """Deep equality where tensors count as equal when their values are."""
    import torch

    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    return bool(a == b)


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def seeded(lit: SimpleNamespace) -> Any:
    """A TinyModule with the same initial weights every time."""
    lit.pl.seed_everything(0, verbose=False)
    return lit.TinyModule()


def test_fit_leaves_the_users_and_the_trainers_callbacks_as_without_autolog(
    lit: SimpleNamespace, fast: dict[str, Any]
) -> None:
    def fit() -> tuple[list[type], list[type], bool]:
        stopping = lit.pl.callbacks.EarlyStopping("val_loss", patience=5)
        callbacks = [stopping]
        trainer = lit.pl.Trainer(**fast, callbacks=callbacks)
        trainer.fit(seeded(lit), lit.loader(0), lit.loader(1))
        kinds = [type(c) for c in callbacks]
        return kinds, [type(c) for c in trainer.callbacks], callbacks[0] is stopping

    off, on = off_and_on(fit)
    assert on == off


def test_early_stopping_stops_at_the_same_epoch_with_the_same_weights(
    lit: SimpleNamespace, fast: dict[str, Any]
) -> None:
    def fit() -> dict[str, Any]:
        stopping = lit.pl.callbacks.EarlyStopping("val_loss", patience=1, min_delta=0.05)
        trainer = lit.pl.Trainer(**{**fast, "max_epochs": 20}, callbacks=[stopping])
        model = seeded(lit)
        trainer.fit(model, lit.loader(0), lit.loader(1))
        return {
            "stopped_epoch": stopping.stopped_epoch,
            "best_score": stopping.best_score,
            "wait_count": stopping.wait_count,
            "epoch": trainer.current_epoch,
            "global_step": trainer.global_step,
            "weights": model.state_dict(),
        }

    off, on = off_and_on(fit)
    assert 0 < off["stopped_epoch"] < 19  # early stopping did stop the training
    assert same(on, off)


@pytest.mark.filterwarnings("ignore:Be aware that when using `ckpt_path`")
def test_resuming_from_a_checkpoint_trains_the_same_weights(
    lit: SimpleNamespace, fast: dict[str, Any], tmp_path: Path
) -> None:
    checkpoint = lit.pl.callbacks.ModelCheckpoint(dirpath=tmp_path / "first", save_last=True)
    first = {**fast, "enable_checkpointing": True, "max_epochs": 2}
    lit.pl.Trainer(**first, callbacks=[checkpoint]).fit(seeded(lit), lit.loader(0), lit.loader(1))

    def resume() -> dict[str, Any]:
        trainer = lit.pl.Trainer(**fast)
        model = seeded(lit)
        trainer.fit(model, lit.loader(0), lit.loader(1), ckpt_path=checkpoint.last_model_path)
        return {"epoch": trainer.current_epoch, "weights": model.state_dict()}

    off, on = off_and_on(resume)
    assert off["epoch"] == fast["max_epochs"]
    assert same(on, off)


def test_checkpoints_are_written_as_without_autolog(
    lit: SimpleNamespace, fast: dict[str, Any], tmp_path: Path
) -> None:
    import torch

    folder = tmp_path / "checkpoints"

    def fit() -> dict[str, Any]:
        shutil.rmtree(folder, ignore_errors=True)
        checkpoint = lit.pl.callbacks.ModelCheckpoint(
            dirpath=folder, monitor="val_loss", save_top_k=-1, save_last=True
        )
        trainer = lit.pl.Trainer(**{**fast, "enable_checkpointing": True}, callbacks=[checkpoint])
        trainer.fit(seeded(lit), lit.loader(0), lit.loader(1))
        return {
            name: torch.load(folder / name, weights_only=False) for name in sorted(files(folder))
        }

    off, on = off_and_on(fit)
    assert len(off) == fast["max_epochs"] + 1  # one per epoch, and last.ckpt
    assert on.keys() == off.keys()
    for name, saved in off.items():
        assert same(on[name], saved), name


def test_a_users_csv_logger_writes_the_same_files(
    lit: SimpleNamespace, fast: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "logs"

    def fit() -> dict[str, bytes]:
        shutil.rmtree(folder, ignore_errors=True)
        logger = lit.pl.loggers.CSVLogger(folder, name="tiny", version=0)
        trainer = lit.pl.Trainer(**{**fast, "logger": logger})
        trainer.fit(seeded(lit), lit.loader(0), lit.loader(1))
        return files(folder)

    off, on = off_and_on(fit)
    assert "tiny/version_0/metrics.csv" in off
    assert on == off


def test_test_results_are_the_same(lit: SimpleNamespace, fast: dict[str, Any]) -> None:
    def fit_and_test() -> Any:
        trainer = lit.pl.Trainer(**fast)
        model = seeded(lit)
        trainer.fit(model, lit.loader(0), lit.loader(1))
        return trainer.test(model, lit.loader(2), verbose=False)

    off, on = off_and_on(fit_and_test)
    assert on == off


def outcome(action: Callable[[], Any]) -> str:
    """``"ok"``, or the name of the exception ``action`` raised."""
    try:
        action()
    except Exception as err:  # noqa: BLE001 - which error Lightning's objects raise is compared
        return type(err).__name__
    return "ok"


def test_trainer_module_logger_and_callbacks_pickle_and_copy_as_without_autolog(
    lit: SimpleNamespace, fast: dict[str, Any], tmp_path: Path
) -> None:
    folders = iter([tmp_path / "off", tmp_path / "on"])

    def fit() -> dict[str, str]:
        folder = next(folders)
        logger = lit.pl.loggers.CSVLogger(folder / "logs")
        checkpoint = lit.pl.callbacks.ModelCheckpoint(dirpath=folder / "checkpoints")
        stopping = lit.pl.callbacks.EarlyStopping("val_loss", patience=5)
        options = {**fast, "logger": logger, "enable_checkpointing": True}
        trainer = lit.pl.Trainer(**options, callbacks=[checkpoint, stopping])
        model = seeded(lit)
        trainer.fit(model, lit.loader(0), lit.loader(1))
        found = {}
        for name, thing in [
            ("trainer", trainer),
            ("module", model),
            ("logger", logger),
            ("callbacks", trainer.callbacks),
        ]:
            found[f"pickle {name}"] = outcome(lambda t=thing: pickle.loads(pickle.dumps(t)))
            found[f"deepcopy {name}"] = outcome(lambda t=thing: copy.deepcopy(t))
        return found

    off, on = off_and_on(fit)
    assert off["pickle logger"] == off["pickle callbacks"] == "ok"
    assert on == off


def test_module_callbacks_and_logger_of_an_autologged_fit_unpickle_without_trialbook(
    lit: SimpleNamespace, fast: dict[str, Any], tmp_path: Path
) -> None:
    logger = lit.pl.loggers.CSVLogger(tmp_path / "logs")
    checkpoint = lit.pl.callbacks.ModelCheckpoint(dirpath=tmp_path / "checkpoints")
    options = {**fast, "logger": logger, "enable_checkpointing": True}
    trainer = lit.pl.Trainer(**options, callbacks=[checkpoint])
    model = seeded(lit)
    trialbook.autolog()
    trainer.fit(model, lit.loader(0), lit.loader(1))
    pickled = tmp_path / "trainer-parts.pkl"
    # Lightning's callbacks hold the module's bound `log`: they pickle with the module.
    pickled.write_bytes(pickle.dumps((model, trainer.callbacks, trainer.loggers)))
    expected = sorted(type(c).__name__ for c in trainer.callbacks)
    script = textwrap.dedent(
        """
        import pickle, sys

        sys.modules["trialbook"] = None  # any import of trialbook now fails
        model, callbacks, loggers = pickle.loads(open(sys.argv[1], "rb").read())
        assert type(model).__name__ == "TinyModule", model
        found = sorted(type(c).__name__ for c in callbacks)
        assert found == sys.argv[2].split(","), found
        assert [type(logger).__name__ for logger in loggers] == ["CSVLogger"], loggers
        """
    )
    # The module's class is importable from the repository root, as pytest imported it.
    root = Path(__file__).parents[3]
    subprocess.run(
        [sys.executable, "-c", script, str(pickled), ",".join(expected)],
        check=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(root)},
    )


def test_no_trialbook_thread_is_left_after_fit(
    lit: SimpleNamespace,
    fast: dict[str, Any],
    lingering_trialbook_threads: Callable[[], list[str]],
) -> None:
    trialbook.autolog()
    lit.pl.Trainer(**fast).fit(seeded(lit), lit.loader(0), lit.loader(1))
    assert lingering_trialbook_threads() == []
