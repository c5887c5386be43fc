"""The ``xgboost`` model flavor: XGBoost's own binary JSON format (UBJSON).

::

    info = trialbook.log_model(booster, "model")          # or an XGBClassifier, XGBRegressor...
    same = trialbook.load_model(info.model_uri)            # the same class, same predictions

The folder holds ``model.ubj`` (``save_model``) and ``xgboost.json``: whether the model is a
``Booster`` or a scikit-learn wrapper, the wrapper's class and its JSON-serialisable
``get_params()``, so loading rebuilds the wrapper with its hyper-parameters and calls its
``load_model``. Nothing is unpickled.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from trialbook.errors import TrialbookError

MODEL_FILE = "model.ubj"
INFO_FILE = "xgboost.json"


class XGBoostFlavor:
    """Saves ``xgboost.Booster`` and the scikit-learn wrappers (``XGBModel`` subclasses)."""

    name = "xgboost"

    def handles(self, model: Any) -> bool:
        """Boosters and wrappers; other models are never made to import xgboost."""
        if "xgboost" not in sys.modules:
            return False
        if not any(c.__module__.startswith("xgboost") for c in type(model).__mro__):
            return False
        import xgboost

        return isinstance(model, (xgboost.Booster, xgboost.XGBModel))

    def save(self, model: Any, path: Path) -> None:
        """Write ``model.ubj`` and ``xgboost.json``."""
        import xgboost

        cls = type(model)
        info: dict[str, Any] = {"kind": "booster", "model_file": MODEL_FILE}
        if isinstance(model, xgboost.XGBModel):
            info = {
                **info,
                "kind": "sklearn",
                "module": cls.__module__,
                "class": cls.__qualname__,
                "params": _json_params(model.get_params()),
            }
        elif not isinstance(model, xgboost.Booster):
            raise TrialbookError(f"The xgboost flavor cannot save a {cls.__name__}.")
        model.save_model(str(path / MODEL_FILE))
        (path / INFO_FILE).write_text(json.dumps(info, indent=2, sort_keys=True))

    def load(self, path: Path, metadata: dict[str, Any]) -> Any:
        """A ``Booster``, or the wrapper class it was saved from with its params."""
        import xgboost

        info = json.loads((path / INFO_FILE).read_text())
        model_file = str(path / info.get("model_file", MODEL_FILE))
        if info.get("kind") != "sklearn":
            booster = xgboost.Booster()
            booster.load_model(model_file)
            return booster
        cls = _wrapper_class(info["module"], info["class"])
        try:
            model = cls(**info.get("params", {}))
        except TypeError:  # a param this xgboost version does not know
            model = cls()
        model.load_model(model_file)
        return model

    def versions(self, model: Any) -> dict[str, str]:
        """xgboost's version, and scikit-learn's for the wrappers."""
        import xgboost

        found = {"xgboost": str(xgboost.__version__)}
        sklearn = sys.modules.get("sklearn")
        if isinstance(model, xgboost.XGBModel) and sklearn is not None:
            found["scikit-learn"] = str(sklearn.__version__)
        return found

    def predict(self, model: Any, data: Any) -> Any:
        """A wrapper's ``predict``; a Booster's on a ``DMatrix`` of ``data``."""
        import xgboost

        if isinstance(model, xgboost.Booster) and not isinstance(data, xgboost.DMatrix):
            data = xgboost.DMatrix(data)
        return model.predict(data)


def _wrapper_class(module_name: str, qualname: str) -> type[Any]:
    """The saved wrapper class; only ``xgboost.XGBModel`` subclasses are accepted."""
    import xgboost

    found: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        found = getattr(found, part)
    if not (isinstance(found, type) and issubclass(found, xgboost.XGBModel)):
        raise TrialbookError(
            f"{module_name}.{qualname} is not an XGBoost scikit-learn wrapper; the model folder "
            "was not written by the xgboost flavor."
        )
    return found


def _json_params(params: dict[str, Any]) -> dict[str, Any]:
    """The params that survive a JSON round trip unchanged (no callbacks, functions or NaN)."""
    kept: dict[str, Any] = {}
    for key, value in params.items():
        try:
            text = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            continue
        if json.loads(text) == value:
            kept[key] = value
    return kept
