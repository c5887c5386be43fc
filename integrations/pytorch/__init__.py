"""PyTorch models: the ``pytorch`` flavor for any ``torch.nn.Module``.

::

    trialbook.pytorch.log_model(net, name="model")       # or trialbook.log_model(net, "model")
    trialbook.pyfunc.load_model(uri).predict(array)      # module(tensor), without gradients

Importing this package does not import torch. Lightning autologging is the ``lightning``
integration (``trialbook.pytorch.autolog()`` turns it on); LightningModules are saved by its
``lightning`` flavor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from trialbook.integrations.pytorch.flavor import PytorchFlavor, module_predict
from trialbook.plugins.hookspecs import hookimpl

if TYPE_CHECKING:
    from trialbook.models.flavor import ModelFlavor


@hookimpl
def trialbook_register_model_flavors(register: Callable[[ModelFlavor], None]) -> None:
    """Register the ``pytorch`` model flavor."""
    register(PytorchFlavor())


__all__ = ["PytorchFlavor", "module_predict"]
