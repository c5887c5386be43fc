"""The ``pytorch`` model flavor: any ``torch.nn.Module``, saved whole with ``torch.save``.

::

    info = trialbook.pytorch.log_model(net, name="model")
    same = trialbook.pytorch.load_model(info.model_uri)      # the module, in eval mode

The folder holds ``model.pth``: the module pickled by ``torch.save`` with cloudpickle, so a
class defined in the training script is stored by value and the model loads in a process
without that script (:mod:`trialbook.models.byvalue`). Loading unpickles: trusted sources
only. LightningModules keep their own flavor (``lightning``), asked first.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

MODEL_FILE = "model.pth"


class PytorchFlavor:
    """Saves ``torch.nn.Module`` instances whole; predicts without gradients."""

    name = "pytorch"

    def handles(self, model: Any) -> bool:
        """``torch.nn.Module`` instances; other models never make torch be imported."""
        nn = sys.modules.get("torch.nn")
        return nn is not None and isinstance(model, nn.Module)

    def save(self, model: Any, path: Path) -> None:
        """``torch.save`` the module (by value for the training script's classes)."""
        import torch

        from trialbook.models import byvalue

        torch.save(model, path / MODEL_FILE, pickle_module=byvalue.pickle_module)

    def load(self, path: Path, metadata: dict[str, Any]) -> Any:
        """The module on the CPU, in eval mode."""
        import torch

        module = torch.load(path / MODEL_FILE, map_location="cpu", weights_only=False)
        module.eval()
        return module

    def versions(self, model: Any) -> dict[str, str]:
        """torch's version."""
        import torch

        return {"torch": str(torch.__version__)}

    def predict(self, model: Any, data: Any) -> Any:
        """See :func:`module_predict`."""
        return module_predict(model, data)


def module_predict(module: Any, data: Any) -> Any:
    """``module(data)`` without gradients, from and to NumPy.

    ``data`` may be a torch tensor, a NumPy array or a pandas DataFrame (its values); the
    output tensor comes back as a NumPy array (tuples and lists element by element).
    """
    import numpy as np
    import torch

    if hasattr(data, "to_numpy") and hasattr(data, "columns"):
        data = data.to_numpy()
    tensor = data if isinstance(data, torch.Tensor) else torch.from_numpy(np.asarray(data))
    parameter = next(iter(module.parameters()), None)
    if parameter is not None:
        tensor = tensor.to(parameter.device)
    with torch.no_grad():
        output = module(tensor)
    return _to_numpy(output)


def _to_numpy(output: Any) -> Any:
    import torch

    if isinstance(output, torch.Tensor):
        return output.detach().cpu().numpy()
    if isinstance(output, (tuple, list)):
        return type(output)(_to_numpy(item) for item in output)
    return output
