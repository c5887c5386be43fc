"""Chart data that integrations log as JSON artifacts, found and checked for the run page.

* ``*confusion_matrix.json`` (scikit-learn): ``{"labels": [...], "matrix": [[...], ...]}``,
  drawn as a heatmap.
* ``feature_importance_<type>.json`` (XGBoost): ``{"feature": score, ...}``, drawn as a bar
  chart of the highest scores.

Both are read from the top folder of the run's artifacts; a file of another shape is left
out rather than drawn wrong.
"""

from __future__ import annotations

import math
import posixpath
from typing import Any

from trialbook.artifacts import RunArtifacts
from trialbook.ui.previews import read_json

CONFUSION_SUFFIX = "confusion_matrix.json"
IMPORTANCE_PREFIX = "feature_importance_"
MAX_CLASSES = 100
"""Confusion matrices with more classes are not drawn."""
TOP_FEATURES = 40
"""Feature importances show this many of the highest scores."""


def evaluation_charts(repo: RunArtifacts) -> dict[str, list[dict[str, Any]]]:
    """The confusion matrices and feature importances in the run's top artifact folder."""
    confusion: list[dict[str, Any]] = []
    importance: list[dict[str, Any]] = []
    for info in repo.list(""):
        name = posixpath.basename(info.path)
        if info.is_dir or not name.endswith(".json"):
            continue
        if name.endswith(CONFUSION_SUFFIX):
            chart = confusion_matrix(read_json(repo, info.path))
            if chart is not None:
                confusion.append({"path": info.path, "title": _title(name), **chart})
        elif name.startswith(IMPORTANCE_PREFIX):
            kind = name[len(IMPORTANCE_PREFIX) : -len(".json")]
            chart = feature_importance(read_json(repo, info.path))
            if chart is not None:
                importance.append(
                    {"path": info.path, "title": f"Feature importance ({kind})", "type": kind}
                    | chart
                )
    return {"confusion_matrices": confusion, "feature_importances": importance}


def confusion_matrix(data: Any) -> dict[str, Any] | None:
    """``{"labels", "matrix"}`` when ``data`` is a square numeric matrix with its labels."""
    if not isinstance(data, dict):
        return None
    labels, matrix = data.get("labels"), data.get("matrix")
    if not isinstance(matrix, list) or not matrix or len(matrix) > MAX_CLASSES:
        return None
    size = len(matrix)
    if not all(isinstance(row, list) and len(row) == size for row in matrix):
        return None
    if not all(_is_number(cell) for row in matrix for cell in row):
        return None
    if not isinstance(labels, list) or len(labels) != size:
        labels = list(range(size))
    return {"labels": [str(label) for label in labels], "matrix": matrix}


def feature_importance(data: Any) -> dict[str, Any] | None:
    """The highest-scoring features (``features``, ``scores``) and how many there are."""
    if not isinstance(data, dict) or not data:
        return None
    scores = [(str(k), float(v)) for k, v in data.items() if _is_number(v)]
    if not scores:
        return None
    scores.sort(key=lambda item: -item[1])
    top = scores[:TOP_FEATURES]
    return {
        "features": [name for name, _ in top],
        "scores": [score for _, score in top],
        "total": len(scores),
    }


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _title(name: str) -> str:
    words = name.removesuffix(".json").replace("_", " ").strip()
    return words[:1].upper() + words[1:]
