"""Model flavors: how a kind of model is saved to files and loaded back.

The built-in ``pickle`` flavor handles any picklable object. Integrations register
framework-native flavors (XGBoost's JSON format, Lightning checkpoints) through the
``trialbook_register_model_flavors`` hook; ``log_model`` picks the first that handles the
object, ``load_model`` the one named in the model's metadata. A flavor that also has a
``predict(model, data)`` method (:class:`PredictingFlavor`) says how ``trialbook.pyfunc``
predicts with its models; otherwise the model's own ``predict`` is called.
"""

from __future__ import annotations

import functools
import pickle
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from trialbook.errors import TrialbookError
from trialbook.plugins.hookspecs import hookimpl


class ModelFlavor(Protocol):
    """A way to save and load one kind of model."""

    name: str

    def handles(self, model: Any) -> bool:
        """Whether this flavor can save ``model``."""
        ...

    def save(self, model: Any, path: Path) -> None:
        """Write ``model`` into the existing empty folder ``path``."""
        ...

    def load(self, path: Path, metadata: dict[str, Any]) -> Any:
        """Load the model saved in folder ``path`` (``metadata`` is what was recorded)."""
        ...

    def versions(self, model: Any) -> dict[str, str]:
        """Versions of the packages the saved model depends on, by distribution name."""
        ...


@runtime_checkable
class PredictingFlavor(Protocol):
    """A flavor that knows how its models predict (used by ``trialbook.pyfunc``)."""

    def predict(self, model: Any, data: Any) -> Any:
        """``model``'s predictions for ``data`` (already checked against the signature)."""
        ...


class PickleFlavor:
    """Any picklable object, saved with cloudpickle (load only models you trust).

    Classes defined in the training script (``__main__``) are stored by value, so the model
    loads in a process without that script (:mod:`trialbook.models.byvalue`).
    """

    name = "pickle"
    filename = "model.pkl"

    def handles(self, model: Any) -> bool:
        """Every object; pickling failures surface when saving."""
        return True

    def save(self, model: Any, path: Path) -> None:
        """Pickle the model to ``model.pkl``."""
        from trialbook.models import byvalue

        with open(path / self.filename, "wb") as handle:
            byvalue.dump(model, handle)

    def load(self, path: Path, metadata: dict[str, Any]) -> Any:
        """Unpickle ``model.pkl``: this runs code from the file; trusted sources only."""
        with open(path / self.filename, "rb") as handle:
            return pickle.load(handle)

    def versions(self, model: Any) -> dict[str, str]:
        """The version of the package the model's class comes from, when installed."""
        return package_versions(type(model).__module__)

    def predict(self, model: Any, data: Any) -> Any:
        """``model.predict(data)``, or ``model(data)`` for a callable without ``predict``."""
        if hasattr(model, "predict"):
            return model.predict(data)
        if callable(model):
            return model(data)
        raise TrialbookError(
            f"A {type(model).__name__} has no predict method and is not callable: it cannot "
            "predict through trialbook.pyfunc. Load it with trialbook.load_model instead."
        )


def package_versions(module_name: str) -> dict[str, str]:
    """``{distribution: version}`` for the distribution providing top-level ``module_name``."""
    from importlib.metadata import version

    top = module_name.split(".", 1)[0]
    if top in sys.stdlib_module_names or top == "builtins":
        return {}
    found: dict[str, str] = {}
    for dist in _distributions_of(tuple(sys.path)).get(top, []):
        try:
            found[dist] = version(dist)
        except (ValueError, LookupError):
            continue
    return found


@functools.lru_cache(maxsize=4)
def _distributions_of(_path: tuple[str, ...]) -> Mapping[str, list[str]]:
    """Top-level module to distributions; scanning takes a while, so once per ``sys.path``."""
    from importlib.metadata import packages_distributions

    return packages_distributions()


@hookimpl
def trialbook_register_model_flavors(register: Callable[[ModelFlavor], None]) -> None:
    """Register the ``pyfunc`` flavor, then the pickle one (the fallback: asked last)."""
    from trialbook.models.python_model import PythonModelFlavor  # deferred: import cost

    register(PythonModelFlavor())
    register(PickleFlavor())
