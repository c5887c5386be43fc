"""The ``lightning`` model flavor: a LightningModule saved as a Lightning checkpoint.

::

    info = trialbook.log_model(module, "model")      # any LightningModule
    same = trialbook.load_model(info.model_uri)     # ModuleClass.load_from_checkpoint(...)
    # the weights of a checkpoint file instead of the module's current ones:
    trialbook.log_model(LightningCheckpoint(module, checkpoint_callback.best_model_path), "best")

The model folder holds ``model.ckpt`` (a Lightning checkpoint: the state dict and the
``save_hyperparameters()`` values) and ``lightning-module.json`` (the module's class and how to
load it). Loading imports that class and calls its ``load_from_checkpoint``, so the class must
be importable where the model is loaded. When the class cannot be rebuilt from its hparams
(``__init__`` needs arguments that ``save_hyperparameters`` did not record), cannot be
imported by name, or lives in the training script (``__main__``: another process has no such
module), the whole module is also pickled with ``torch.save`` and cloudpickle (``module.pt``;
the script's classes by value, :mod:`trialbook.models.byvalue`) and the checkpoint's weights
are loaded into it. A module that cannot be pickled even so keeps only ``model.ckpt``;
``load_model`` then explains how to load those weights by hand. Both files are unpickled when
loading: load only models from sources you trust. Loaded modules come back as Lightning returns them (call
``.eval()`` before predicting).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import os
import pickle
import shutil
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from trialbook.errors import TrialbookError
from trialbook.integrations.lightning import namespaces
from trialbook.integrations.pytorch import module_predict

CHECKPOINT_FILE = "model.ckpt"
INFO_FILE = "lightning-module.json"
MODULE_FILE = "module.pt"
FROM_CHECKPOINT = "load_from_checkpoint"
PICKLED = "pickle"
WEIGHTS_ONLY = "weights_only"


@dataclass(frozen=True)
class LightningCheckpoint:
    """A LightningModule with the checkpoint file whose weights :func:`log_model` saves.

    Attributes:
        module: The LightningModule (its class and hparams).
        path: A checkpoint file written by Lightning for this module.
    """

    module: Any
    path: str | os.PathLike[str]


def class_path(cls: type) -> str:
    """``module:QualName`` of a class."""
    return f"{cls.__module__}:{cls.__qualname__}"


def import_class(path: str) -> Any:
    """The object named by ``module:QualName`` (raises ImportError or AttributeError)."""
    module_name, _, qualname = path.partition(":")
    found: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def rebuildable(module: Any) -> bool:
    """Whether ``load_from_checkpoint`` can recreate the module from its class and hparams.

    Never for a class of the training script (``__main__``), which no other process has.
    """
    cls = type(module)
    if cls.__module__ == "__main__":
        return False
    try:
        if import_class(class_path(cls)) is not cls:
            return False
    except (ImportError, AttributeError):
        return False
    saved = set(getattr(module, "hparams", {}) or {})
    for name, parameter in list(inspect.signature(cls.__init__).parameters.items())[1:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.default is parameter.empty and name not in saved:
            return False
    return True


def _checkpoint(module: Any, namespace: str) -> dict[str, Any]:
    """A minimal Lightning checkpoint of the module's current weights."""
    return {
        "pytorch-lightning_version": namespaces.load(namespace).__version__,
        "state_dict": module.state_dict(),
        "hyper_parameters": dict(getattr(module, "hparams", {}) or {}),
    }


@functools.cache
def _version(distribution: str) -> str | None:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


class LightningFlavor:
    """Save LightningModules as Lightning checkpoints; load with ``load_from_checkpoint``."""

    name = "lightning"

    def handles(self, model: Any) -> bool:
        """LightningModules of either namespace, and :class:`LightningCheckpoint`."""
        return isinstance(model, LightningCheckpoint) or namespaces.is_lightning_module(model)

    def save(self, model: Any, path: Path) -> None:
        """Write ``model.ckpt`` and ``lightning-module.json`` (and ``module.pt`` if needed)."""
        import torch

        source = None
        if isinstance(model, LightningCheckpoint):
            model, source = model.module, model.path
        namespace = namespaces.namespace_of(model) or namespaces.resolve()
        if source is not None:
            shutil.copyfile(os.path.realpath(source), path / CHECKPOINT_FILE)
        else:
            torch.save(_checkpoint(model, namespace), path / CHECKPOINT_FILE)
        loader = FROM_CHECKPOINT if rebuildable(model) else PICKLED
        if loader == PICKLED:
            from trialbook.models import byvalue

            try:
                torch.save(model, path / MODULE_FILE, pickle_module=byvalue.pickle_module)
            except (AttributeError, TypeError, pickle.PicklingError):
                # Something in the module cannot be pickled: keep the weights, loadable by hand.
                (path / MODULE_FILE).unlink(missing_ok=True)
                loader = WEIGHTS_ONLY
        info = {"class": class_path(type(model)), "namespace": namespace, "loader": loader}
        (path / INFO_FILE).write_text(json.dumps(info, indent=2))

    def load(self, path: Path, metadata: dict[str, Any]) -> Any:
        """The module, rebuilt by its class's ``load_from_checkpoint`` (or unpickled)."""
        info = json.loads((path / INFO_FILE).read_text())
        checkpoint = path / CHECKPOINT_FILE
        if info["loader"] == WEIGHTS_ONLY:
            raise TrialbookError(
                f"The LightningModule class {info['class']!r} of this model is neither "
                f"importable nor picklable; only its weights were "
                f"saved: {info['class'].rsplit(':', 1)[-1]}.load_from_checkpoint("
                f"'{checkpoint}') loads them where the class exists."
            )
        if info["loader"] == PICKLED:
            import torch

            module = torch.load(path / MODULE_FILE, map_location="cpu", weights_only=False)
            state = torch.load(checkpoint, map_location="cpu", weights_only=False)["state_dict"]
            module.load_state_dict(state)
            return module
        try:
            cls = import_class(info["class"])
        except (ImportError, AttributeError) as err:
            raise TrialbookError(
                f"Cannot import the LightningModule class {info['class']!r} of this model "
                f"({err}); load it where that class is importable."
            ) from err
        return cls.load_from_checkpoint(str(checkpoint), weights_only=False)

    def versions(self, model: Any) -> dict[str, str]:
        """The torch and Lightning versions the model was saved with."""
        if isinstance(model, LightningCheckpoint):
            model = model.module
        namespace = namespaces.namespace_of(model) or namespaces.resolve()
        dists = ("torch", namespaces.distribution(namespace))
        return {dist: found for dist in dists if (found := _version(dist))}

    def predict(self, model: Any, data: Any) -> Any:
        """``model(data)`` in eval mode, without gradients (see ``module_predict``)."""
        model.eval()
        return module_predict(model, data)
