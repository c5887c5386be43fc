"""The ``sklearn`` model flavor: scikit-learn estimators saved with pickle.

The same file format as the built-in ``pickle`` flavor (``model.pkl``), but the versions it
records (scikit-learn's and numpy's, so ``load_model`` warns when they differ) are read from
the imported modules instead of scanning every installed distribution.
"""

from __future__ import annotations

import sys
from typing import Any

from trialbook.models.flavor import PickleFlavor


class SklearnFlavor(PickleFlavor):
    """scikit-learn estimators (and user subclasses), pickled."""

    name = "sklearn"

    def handles(self, model: Any) -> bool:
        """Instances of ``sklearn.base.BaseEstimator`` not owned by another framework."""
        base = sys.modules.get("sklearn.base")
        if base is None or not isinstance(model, base.BaseEstimator):
            return False
        from trialbook.integrations.sklearn.patching import OWNED_ELSEWHERE

        return type(model).__module__.partition(".")[0] not in OWNED_ELSEWHERE

    def versions(self, model: Any) -> dict[str, str]:
        """scikit-learn's and numpy's versions."""
        import numpy
        import sklearn

        return {"scikit-learn": str(sklearn.__version__), "numpy": str(numpy.__version__)}
