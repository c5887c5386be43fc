"""Tables and images as run artifacts: what ``log_table`` and ``log_image`` write.

::

    table_json({"x": [1, 2]}, previous=None)      # '{"columns": ["x"], "data": [[1], [2]]}'
    image_path("samples/val", step=3)              # "images/samples#val/step-000000000003.png"
    image_bytes(array_or_pil_or_figure, "png")

Tables are JSON with ``columns`` and ``data`` (pandas' ``orient="split"`` without the
index, MLflow's format); logging a table again to the same file appends its rows. Images
logged by key and step go to ``images/<key>/step-<step>.png`` (a ``/`` in the key becomes
``#``), one file per step, so the UI can show a key's images with a step slider.
"""

from __future__ import annotations

import io
import json
import posixpath
from typing import Any

from trialbook.errors import InvalidValueError, TrialbookError

IMAGES_FOLDER = "images"
STEP_DIGITS = 12
"""Steps are zero-padded in image file names, so names sort by step."""


def table_json(data: Any, previous: bytes | None) -> str:
    """The JSON text of a table (a dict of columns or a DataFrame), after ``previous`` rows."""
    import pandas as pd

    if isinstance(data, dict):
        frame = pd.DataFrame(data)
    elif isinstance(data, pd.DataFrame):
        frame = data
    else:
        raise InvalidValueError(
            "data", type(data).__name__, "log_table takes a dict of columns or a pandas DataFrame"
        )
    if previous is not None:
        try:
            old = json.loads(previous)
            earlier = pd.DataFrame(old["data"], columns=old["columns"])
        except (ValueError, KeyError, TypeError) as err:
            raise TrialbookError(
                "The existing table artifact is not a table trialbook wrote (JSON with "
                "'columns' and 'data'); log to another artifact_file."
            ) from err
        frame = pd.concat([earlier, frame], ignore_index=True)
    return frame.to_json(orient="split", index=False, date_format="iso", default_handler=str)  # type: ignore[no-any-return]


def check_table_file(artifact_file: str) -> None:
    """Tables are JSON files: raise InvalidValueError for another extension."""
    if posixpath.splitext(artifact_file)[1].lower() != ".json":
        raise InvalidValueError("artifact_file", artifact_file, "a table's file must end in .json")


def image_path(key: str, step: int) -> str:
    """Where the image of ``key`` at ``step`` goes."""
    from trialbook.validation import check_key

    check_key(key)
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise InvalidValueError("step", step, "an image step must be an integer >= 0")
    folder = key.replace("/", "#")
    return f"{IMAGES_FOLDER}/{folder}/step-{step:0{STEP_DIGITS}d}.png"


def parse_image_path(path: str) -> tuple[str, int] | None:
    """(key, step) of a file :func:`image_path` names, or None for another file."""
    parts = path.split("/")
    if len(parts) != 3 or parts[0] != IMAGES_FOLDER:
        return None
    name = parts[2]
    if not (name.startswith("step-") and name.endswith(".png")):
        return None
    digits = name[len("step-") : -len(".png")]
    if not digits.isdigit():
        return None
    return parts[1].replace("#", "/"), int(digits)


def image_bytes(image: Any, image_format: str = "png") -> bytes:
    """Encode a numpy array (HxW, HxWx1, HxWx3, HxWx4), a PIL image or a matplotlib figure."""
    image_format = image_format.lower().lstrip(".") or "png"
    module = type(image).__module__
    buffer = io.BytesIO()
    if module.startswith("matplotlib"):
        image.savefig(buffer, format=image_format)
        return buffer.getvalue()
    pil = _pillow()
    picture = image if isinstance(image, pil.Image) else pil.fromarray(_pixels(image))
    if image_format in ("jpg", "jpeg") and picture.mode in ("RGBA", "LA", "P"):
        picture = picture.convert("RGB")
    picture.save(buffer, format="JPEG" if image_format == "jpg" else image_format.upper())
    return buffer.getvalue()


def _pixels(image: Any) -> Any:
    """A uint8 array PIL accepts: floats in [0, 1] are scaled, integers must be in [0, 255]."""
    import numpy as np

    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise InvalidValueError(
            "image", f"shape {array.shape}", "use HxW, HxWx1, HxWx3 or HxWx4 pixels"
        )
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if array.dtype.kind == "f":
        if array.size and (np.nanmin(array) < 0 or np.nanmax(array) > 1):
            raise InvalidValueError("image", "float pixels", "float pixels must lie in [0, 1]")
        return (np.nan_to_num(array) * 255).round().astype(np.uint8)
    if array.dtype.kind in "iu":
        if array.size and (array.min() < 0 or array.max() > 255):
            raise InvalidValueError(
                "image", "integer pixels", "integer pixels must lie in [0, 255]"
            )
        return array.astype(np.uint8)
    raise InvalidValueError("image", str(array.dtype), "pixels must be numbers")


def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError as err:
        from trialbook.extras import install_command

        raise TrialbookError(
            f"log_image needs Pillow for arrays and PIL images: {install_command('images')}"
        ) from err
    return Image
