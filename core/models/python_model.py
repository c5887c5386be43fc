"""Custom Python models: a :class:`PythonModel` subclass with files it needs (``pyfunc``).

::

    class AddN(trialbook.pyfunc.PythonModel):
        def __init__(self, n):
            self.n = n

        def predict(self, context, model_input, params=None):
            return model_input + self.n

    info = trialbook.pyfunc.log_model(name="add_n", python_model=AddN(5))
    trialbook.pyfunc.load_model(info.model_uri).predict(frame)

The instance is saved with cloudpickle (classes of the training script by value); the files
of ``artifacts={"name": "path"}`` are copied into the model folder, and their local paths
reach ``load_context`` and ``predict`` as ``context.artifacts["name"]``.
"""

from __future__ import annotations

import abc
import inspect
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialbook.errors import TrialbookError

MODEL_FILE = "python_model.pkl"
ARTIFACTS_FOLDER = "artifacts"


@dataclass(frozen=True)
class PythonModelContext:
    """What a :class:`PythonModel` gets when loaded: the local paths of its artifacts."""

    artifacts: dict[str, str] = field(default_factory=dict)
    model_config: dict[str, Any] = field(default_factory=dict)


class PythonModel(abc.ABC):
    """Base class of custom models: override ``predict`` (and ``load_context`` if needed)."""

    def load_context(self, context: PythonModelContext) -> None:  # noqa: B027 - optional
        """Called once after loading, with the artifacts' local paths; load them here."""

    @abc.abstractmethod
    def predict(self, context: PythonModelContext, model_input: Any, params: Any = None) -> Any:
        """Predictions for ``model_input`` (checked against the signature first)."""


class FunctionModel(PythonModel):
    """A plain function ``f(model_input)`` used as a model."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        """Wrap ``function``."""
        self.function = function

    def predict(self, context: PythonModelContext, model_input: Any, params: Any = None) -> Any:
        """``function(model_input)``."""
        return self.function(model_input)


@dataclass(frozen=True)
class PythonModelPackage:
    """A :class:`PythonModel` with the files (``{name: local path}``) saved beside it."""

    python_model: PythonModel
    artifacts: Mapping[str, str] = field(default_factory=dict)


@dataclass
class LoadedPythonModel:
    """A loaded :class:`PythonModel` and the context it was given."""

    python_model: PythonModel
    context: PythonModelContext

    def predict(self, data: Any, params: Any = None) -> Any:
        """Call the model's ``predict``, with the context when it takes one."""
        names = list(inspect.signature(self.python_model.predict).parameters)
        if names and names[0] == "context":
            return self.python_model.predict(self.context, data, params)
        if "params" in names:
            return self.python_model.predict(data, params=params)  # type: ignore[call-arg]
        return self.python_model.predict(data)  # type: ignore[call-arg]


def as_python_model(python_model: Any) -> PythonModel:
    """``python_model`` itself, or a plain function wrapped in :class:`FunctionModel`."""
    if isinstance(python_model, PythonModel):
        return python_model
    if callable(python_model):
        return FunctionModel(python_model)
    raise TrialbookError(
        f"python_model must be a trialbook.pyfunc.PythonModel or a function; got a "
        f"{type(python_model).__name__}."
    )


class PythonModelFlavor:
    """The ``pyfunc`` flavor: :class:`PythonModel` instances and their artifacts."""

    name = "pyfunc"

    def handles(self, model: Any) -> bool:
        """PythonModel instances, alone or in a :class:`PythonModelPackage`."""
        return isinstance(model, (PythonModel, PythonModelPackage))

    def save(self, model: Any, path: Path) -> None:
        """Pickle the model into ``python_model.pkl``, copy its artifacts into ``artifacts/``."""
        from trialbook.models import byvalue

        package = model if isinstance(model, PythonModelPackage) else PythonModelPackage(model)
        for name, source in package.artifacts.items():
            target = path / ARTIFACTS_FOLDER / name
            target.parent.mkdir(parents=True, exist_ok=True)
            local = Path(source)
            if local.is_dir():
                shutil.copytree(local, target)
            elif local.is_file():
                shutil.copyfile(local, target)
            else:
                raise TrialbookError(
                    f"Artifact {name!r} of the python model is {source!r}, which is neither a "
                    "file nor a folder; pass local paths."
                )
        with open(path / MODEL_FILE, "wb") as handle:
            byvalue.dump(package.python_model, handle)

    def load(self, path: Path, metadata: dict[str, Any]) -> LoadedPythonModel:
        """Unpickle the model (trusted sources only) and call its ``load_context``."""
        import pickle

        with open(path / MODEL_FILE, "rb") as handle:
            python_model = pickle.load(handle)
        folder = path / ARTIFACTS_FOLDER
        artifacts = (
            {p.name: str(p.resolve()) for p in sorted(folder.iterdir())} if folder.is_dir() else {}
        )
        context = PythonModelContext(artifacts=artifacts)
        python_model.load_context(context)
        return LoadedPythonModel(python_model, context)

    def versions(self, model: Any) -> dict[str, str]:
        """Nothing: the model's own imports say what it needs."""
        return {}

    def predict(self, model: Any, data: Any) -> Any:
        """The python model's ``predict``."""
        return model.predict(data)


__all__ = [
    "FunctionModel",
    "LoadedPythonModel",
    "PythonModel",
    "PythonModelContext",
    "PythonModelFlavor",
    "PythonModelPackage",
    "as_python_model",
]
