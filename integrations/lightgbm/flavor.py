"""The ``lightgbm`` model flavor: boosters in LightGBM's text format, wrappers pickled.

::

    info = trialbook.log_model(booster, "model")          # or an LGBMClassifier, LGBMRegressor...
    same = trialbook.load_model(info.model_uri)            # the same class, same predictions

A ``Booster`` is saved as ``model.txt`` (``save_model``) and loaded without unpickling. A
scikit-learn wrapper is pickled to ``model.pkl``, LightGBM's own way to persist them (load only
models you trust), with its booster's ``model.txt`` beside it for other tools.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path
from typing import Any

from trialbook.errors import TrialbookError

BOOSTER_FILE = "model.txt"
WRAPPER_FILE = "model.pkl"
INFO_FILE = "lightgbm.json"


class LightGBMFlavor:
    """Saves ``lightgbm.Booster`` and the scikit-learn wrappers (``LGBMModel`` subclasses)."""

    name = "lightgbm"

    def handles(self, model: Any) -> bool:
        """Boosters and wrappers; other models are never made to import lightgbm."""
        if "lightgbm" not in sys.modules:
            return False
        if not any(c.__module__.startswith("lightgbm") for c in type(model).__mro__):
            return False
        import lightgbm

        return isinstance(model, (lightgbm.Booster, lightgbm.LGBMModel))

    def save(self, model: Any, path: Path) -> None:
        """Write ``model.txt`` (and ``model.pkl`` for a wrapper) and ``lightgbm.json``."""
        import lightgbm

        if isinstance(model, lightgbm.LGBMModel):
            with open(path / WRAPPER_FILE, "wb") as handle:
                pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
            model.booster_.save_model(str(path / BOOSTER_FILE))
            kind = "sklearn"
        elif isinstance(model, lightgbm.Booster):
            model.save_model(str(path / BOOSTER_FILE))
            kind = "booster"
        else:
            raise TrialbookError(f"The lightgbm flavor cannot save a {type(model).__name__}.")
        (path / INFO_FILE).write_text(json.dumps({"kind": kind}, indent=2))

    def load(self, path: Path, metadata: dict[str, Any]) -> Any:
        """The ``Booster``, or the pickled wrapper (trusted sources only)."""
        import lightgbm

        info = json.loads((path / INFO_FILE).read_text())
        if info.get("kind") == "sklearn":
            with open(path / WRAPPER_FILE, "rb") as handle:
                return pickle.load(handle)
        return lightgbm.Booster(model_file=str(path / BOOSTER_FILE))

    def versions(self, model: Any) -> dict[str, str]:
        """lightgbm's version, and scikit-learn's for the wrappers."""
        import lightgbm

        found = {"lightgbm": str(lightgbm.__version__)}
        sklearn = sys.modules.get("sklearn")
        if isinstance(model, lightgbm.LGBMModel) and sklearn is not None:
            found["scikit-learn"] = str(sklearn.__version__)
        return found
