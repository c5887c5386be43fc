"""PyTorch Lightning integration: autolog, ``TrialbookCallback``, ``TrialbookLogger``.

::

    import trialbook
    trialbook.autolog()                                   # every Trainer.fit is tracked

    from trialbook.integrations.lightning import TrialbookCallback, TrialbookLogger
    Trainer(callbacks=[TrialbookCallback()])              # keeps your own logger
    Trainer(logger=TrialbookLogger(experiment_name="x"))  # trialbook as the logger

Both namespaces are supported, ``lightning.pytorch`` and ``pytorch_lightning``; their classes
cannot be mixed. ``TrialbookCallback`` and ``TrialbookLogger`` are built for
``lightning.pytorch`` when it is installed, else for ``pytorch_lightning``; get the other with
``callback_class("pytorch_lightning")`` and ``logger_class("pytorch_lightning")``. Importing
this module imports neither namespace. ``trialbook.log_model(module)`` saves LightningModules
with the ``lightning`` flavor (see :mod:`trialbook.integrations.lightning.flavor`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from trialbook.autolog import Integration
from trialbook.integrations.lightning.callback import callback_class
from trialbook.integrations.lightning.flavor import LightningCheckpoint, LightningFlavor
from trialbook.integrations.lightning.logger import logger_class
from trialbook.integrations.lightning.namespaces import LIGHTNING, PYTORCH_LIGHTNING
from trialbook.plugins.hookspecs import hookimpl

if TYPE_CHECKING:
    from trialbook.models.flavor import ModelFlavor

__all__ = [
    "INTEGRATIONS",
    "LightningCheckpoint",
    "LightningIntegration",
    "PytorchLightningIntegration",
    "TrialbookCallback",
    "TrialbookLogger",
    "autolog",
    "callback_class",
    "logger_class",
]


class LightningIntegration(Integration):
    """Autologging for ``lightning.pytorch``: patches ``Trainer.fit`` and ``Trainer.test``."""

    name = "lightning"
    module = "lightning"
    namespace: ClassVar[str] = LIGHTNING

    def _instrument(self) -> None:
        from trialbook.integrations.lightning.patching import patch_trainer

        patch_trainer(self)


class PytorchLightningIntegration(LightningIntegration):
    """Autologging for the ``pytorch_lightning`` namespace."""

    name = "pytorch_lightning"
    module = "pytorch_lightning"
    namespace: ClassVar[str] = PYTORCH_LIGHTNING


INTEGRATIONS = (LightningIntegration(), PytorchLightningIntegration())
"""The integration of each namespace; both are registered."""


def autolog(**settings: Any) -> None:
    """Configure Lightning autologging alone (both namespaces); wins over ``trialbook.autolog``.

    Takes the settings of :func:`trialbook.autolog` (``log_models``, ``disable``, ...).
    """
    for integration in INTEGRATIONS:
        integration.autolog(**settings)


@hookimpl
def trialbook_register_integrations(register: Callable[[Integration], None]) -> None:
    """Register the ``lightning`` and ``pytorch_lightning`` integrations."""
    for integration in INTEGRATIONS:
        register(integration)


@hookimpl
def trialbook_register_model_flavors(register: Callable[[ModelFlavor], None]) -> None:
    """Register the ``lightning`` model flavor."""
    register(LightningFlavor())


def __getattr__(name: str) -> Any:
    # TrialbookCallback and TrialbookLogger import Lightning, so they are built on first use.
    if name == "TrialbookCallback":
        return callback_class()
    if name == "TrialbookLogger":
        return logger_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
