"""What the Lightning integration reads from a Trainer, its module and callbacks.

Pure functions over public Lightning attributes; they return flat ``{key: value}`` dicts whose
keys are valid trialbook keys. The names (listed in the README) are::

    trainer/max_epochs, trainer/precision, ...        trainer settings (params)
    optimizer, optimizer/lr, optimizer/betas, ...     the first optimizer (params)
    optimizer_1/group_0/lr                            later optimizers, several param groups
    lr_scheduler, lr_scheduler/step_size, ...         LR schedulers (params)
    optimizer/lr                                      the learning rate of each epoch (metric)
    early_stopping/monitor, early_stopping/patience   EarlyStopping settings (params)
    checkpoint/monitor, checkpoint/save_top_k         ModelCheckpoint settings (params)
    global_seed                                       the seed of ``seed_everything`` (param)
"""

from __future__ import annotations

import math
import os
import re
from argparse import Namespace
from collections.abc import Mapping
from typing import Any

from trialbook.errors import InvalidKeyError
from trialbook.validation import MAX_PARAM_VALUE_LENGTH, check_key

_BAD_KEY_CHARS = re.compile(r"[^\w\-. :/]")
_clean_keys: dict[str, str] = {}

TRAINER_SETTINGS = (
    "max_epochs",
    "min_epochs",
    "max_steps",
    "min_steps",
    "precision",
    "accumulate_grad_batches",
    "gradient_clip_val",
    "gradient_clip_algorithm",
    "check_val_every_n_epoch",
    "val_check_interval",
    "limit_train_batches",
    "limit_val_batches",
    "log_every_n_steps",
    "num_devices",
    "num_nodes",
    "world_size",
)
"""Public Trainer attributes logged as ``trainer/<name>`` params."""

_PARAM_GROUP_SKIP = frozenset({"params", "initial_lr", "param_names"})
_SCHEDULER_SKIP = frozenset(
    {"last_epoch", "base_lrs", "best", "num_bad_epochs", "cooldown_counter"}
)


def clean_key(key: str) -> str:
    """``key`` if it is a valid trialbook key, else with each forbidden character as ``_``."""
    cleaned = _clean_keys.get(key)
    if cleaned is not None:
        return cleaned
    try:
        cleaned = check_key(key)
    except InvalidKeyError:
        parts = [p for p in _BAD_KEY_CHARS.sub("_", str(key)).split("/") if p not in ("", "..")]
        cleaned = "/".join(parts)[:250] or "_"
    if len(_clean_keys) < 10_000:
        _clean_keys[key] = cleaned
    return cleaned


def param_text(value: Any) -> str:
    """A param value as text, cut to trialbook's limit."""
    text = value if isinstance(value, str) else str(value)
    return text[:MAX_PARAM_VALUE_LENGTH]


def flatten(params: Mapping[str, Any] | Namespace | None, prefix: str = "") -> dict[str, str]:
    """Nested dicts and Namespaces as ``{"a/b": "value"}`` with valid keys."""
    if params is None:
        return {}
    items = vars(params) if isinstance(params, Namespace) else params
    flat: dict[str, str] = {}
    for key, value in items.items():
        name = f"{prefix}/{key}" if prefix else str(key)
        if isinstance(value, (Mapping, Namespace)) and value:
            flat.update(flatten(value, name))
        else:
            flat[clean_key(name)] = param_text(value)
    return flat


def hyperparameters(module: Any, datamodule: Any) -> dict[str, str]:
    """The ``save_hyperparameters()`` values of the module and the datamodule."""
    found = flatten(getattr(datamodule, "hparams", None)) if datamodule is not None else {}
    found.update(flatten(getattr(module, "hparams", None)))
    return found


def trainer_settings(trainer: Any) -> dict[str, str]:
    """The Trainer's settings that shape training, as ``trainer/<name>``."""
    found = {
        f"trainer/{name}": param_text(getattr(trainer, name))
        for name in TRAINER_SETTINGS
        if hasattr(trainer, name)
    }
    found["trainer/strategy"] = type(trainer.strategy).__name__
    found["trainer/accelerator"] = type(trainer.accelerator).__name__
    seed = os.environ.get("PL_GLOBAL_SEED")
    if seed is not None:
        found["global_seed"] = seed
    return found


def _scalar(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    return isinstance(value, (tuple, list)) and all(_scalar(v) for v in value)


def _optimizer_base(index: int) -> str:
    return "optimizer" if index == 0 else f"optimizer_{index}"


def _group_base(optimizer_index: int, group_index: int, groups: int) -> str:
    base = _optimizer_base(optimizer_index)
    return base if groups == 1 else f"{base}/group_{group_index}"


def optimizer_settings(trainer: Any) -> dict[str, str]:
    """Each optimizer's class and its param groups' settings (``lr`` as configured)."""
    found: dict[str, str] = {}
    for i, optimizer in enumerate(trainer.optimizers):
        found[_optimizer_base(i)] = type(optimizer).__name__
        groups = optimizer.param_groups
        for j, group in enumerate(groups):
            base = _group_base(i, j, len(groups))
            for key, value in group.items():
                if key not in _PARAM_GROUP_SKIP and _scalar(value):
                    found[clean_key(f"{base}/{key}")] = param_text(value)
            if "initial_lr" in group:
                found[f"{base}/lr"] = param_text(group["initial_lr"])
    return found


def scheduler_settings(trainer: Any) -> dict[str, str]:
    """Each LR scheduler's class, interval, frequency, monitor and static settings."""
    found: dict[str, str] = {}
    for i, config in enumerate(trainer.lr_scheduler_configs):
        base = "lr_scheduler" if i == 0 else f"lr_scheduler_{i}"
        scheduler = config.scheduler
        found[base] = type(scheduler).__name__
        found[f"{base}/interval"] = str(config.interval)
        found[f"{base}/frequency"] = str(config.frequency)
        if config.monitor is not None:
            found[f"{base}/monitor"] = str(config.monitor)
        state = scheduler.state_dict() if hasattr(scheduler, "state_dict") else {}
        for key, value in state.items():
            if not key.startswith("_") and key not in _SCHEDULER_SKIP and _scalar(value):
                found[clean_key(f"{base}/{key}")] = param_text(value)
    return found


def learning_rates(trainer: Any) -> dict[str, float]:
    """The current learning rate of every param group, as ``optimizer/lr`` metrics."""
    found: dict[str, float] = {}
    for i, optimizer in enumerate(trainer.optimizers):
        groups = optimizer.param_groups
        for j, group in enumerate(groups):
            lr = group.get("lr")
            if isinstance(lr, (int, float)):
                found[f"{_group_base(i, j, len(groups))}/lr"] = float(lr)
    return found


def early_stopping_settings(callback: Any) -> dict[str, str]:
    """An EarlyStopping callback's monitor, mode, patience and min_delta."""
    return {
        "early_stopping/monitor": str(callback.monitor),
        "early_stopping/mode": str(callback.mode),
        "early_stopping/patience": str(callback.patience),
        "early_stopping/min_delta": str(abs(float(callback.min_delta))),
    }


def early_stopping_results(callback: Any) -> dict[str, float]:
    """Where an EarlyStopping callback stopped: stopped epoch, wait count, best score."""
    found = {
        "early_stopping/stopped_epoch": float(callback.stopped_epoch),
        "early_stopping/wait_count": float(callback.wait_count),
    }
    best = float(callback.best_score)
    if math.isfinite(best):
        found["early_stopping/best_score"] = best
    return found


def checkpoint_settings(callback: Any) -> dict[str, str]:
    """A ModelCheckpoint's monitor, mode, save_top_k and save_last."""
    return {
        "checkpoint/monitor": str(callback.monitor),
        "checkpoint/mode": str(callback.mode),
        "checkpoint/save_top_k": str(callback.save_top_k),
        "checkpoint/save_last": str(callback.save_last),
    }


def metric_values(metrics: Mapping[str, Any]) -> dict[str, float]:
    """Scalar metrics (0-d tensors, numbers) as floats under valid keys; others are skipped."""
    found: dict[str, float] = {}
    for key, value in metrics.items():
        if getattr(value, "ndim", 0) != 0 or isinstance(value, (str, bytes)):
            continue
        try:
            found[clean_key(key)] = float(value)
        except (TypeError, ValueError):
            continue
    return found
