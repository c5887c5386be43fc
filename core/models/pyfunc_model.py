"""One way to predict with any logged model: :class:`PyFuncModel` (``trialbook.pyfunc``).

::

    model = trialbook.pyfunc.load_model("runs:/<run_id>/model")   # any flavor
    model.predict(frame)              # checked against the signature, then the flavor predicts
    model.metadata.signature          # ModelSignature | None
    model.unwrap_python_model()       # the native model (the PythonModel for pyfunc models)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trialbook.models.enforce import enforce_schema
from trialbook.models.examples import read_input_example
from trialbook.models.flavor import PredictingFlavor
from trialbook.models.python_model import LoadedPythonModel
from trialbook.models.signature import ModelSignature, Schema
from trialbook.models.store import LoadedModel, load_model_with_metadata, signature_of


@dataclass(frozen=True)
class ModelMetadata:
    """What is known about a loaded model: flavor, source, signature."""

    flavor: str
    run_id: str | None
    artifact_path: str | None
    signature: ModelSignature | None
    fields: dict[str, Any]

    @property
    def flavors(self) -> dict[str, Any]:
        """``{flavor: {}}``, the shape of MLflow's ``Model.flavors``."""
        return {self.flavor: {}}

    def get_input_schema(self) -> Schema | None:
        """The input schema, if the model has a signature."""
        return self.signature.inputs if self.signature is not None else None

    def get_output_schema(self) -> Schema | None:
        """The output schema, if the signature has one."""
        return self.signature.outputs if self.signature is not None else None


class PyFuncModel:
    """A loaded model of any flavor with a common ``predict``."""

    def __init__(self, loaded: LoadedModel, flavor: Any) -> None:
        """Wrap ``loaded`` (from :func:`load_model_with_metadata`); ``flavor`` predicts."""
        self._loaded = loaded
        self._flavor = flavor
        meta = loaded.metadata
        self.metadata = ModelMetadata(
            flavor=str(meta.get("flavor")),
            run_id=meta.get("run_id"),
            artifact_path=meta.get("artifact_path"),
            signature=signature_of(meta),
            fields=meta,
        )

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """The model's predictions for ``data``.

        ``data`` is first checked against the signature's inputs: a missing or mistyped
        column raises :class:`~trialbook.models.enforce.SchemaEnforcementError` naming it.
        """
        signature = self.metadata.signature
        if signature is not None:
            data = enforce_schema(data, signature.inputs)
        model = self._loaded.model
        if isinstance(model, LoadedPythonModel):
            return model.predict(data, params)
        if isinstance(self._flavor, PredictingFlavor):
            return self._flavor.predict(model, data)
        return model.predict(data)

    def unwrap_python_model(self) -> Any:
        """The model itself: the :class:`PythonModel` for ``pyfunc`` models, else the native one."""
        model = self._loaded.model
        return model.python_model if isinstance(model, LoadedPythonModel) else model

    def get_raw_model(self) -> Any:
        """The native model (the same as :meth:`unwrap_python_model`)."""
        return self.unwrap_python_model()

    @property
    def input_example(self) -> Any:
        """The input example saved with the model (DataFrame or array), or None."""
        name = self._loaded.metadata.get("input_example")
        return read_input_example(self._loaded.folder / name) if name else None

    def __repr__(self) -> str:
        meta = self.metadata
        source = f"runs:/{meta.run_id}/{meta.artifact_path}" if meta.run_id else "a folder"
        return f"PyFuncModel(flavor={meta.flavor!r}, from {source})"


def load_pyfunc(model_uri: str, dst_path: str | None = None) -> PyFuncModel:
    """Load any logged model as a :class:`PyFuncModel` (trusted sources only)."""
    from trialbook.plugins.manager import model_flavors

    loaded = load_model_with_metadata(model_uri, dst_path)
    name = loaded.metadata.get("flavor")
    flavor = next((f for f in model_flavors() if f.name == name), None)
    return PyFuncModel(loaded, flavor)


__all__ = ["ModelMetadata", "PyFuncModel", "load_pyfunc"]
