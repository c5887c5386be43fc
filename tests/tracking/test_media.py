"""log_table and log_image, as MLflow scripts call them."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

import trialbook as mlflow
from trialbook.errors import InvalidValueError, TrialbookError
from trialbook.tracking.media import image_path, parse_image_path

Image = pytest.importorskip("PIL.Image")


def read(run_id: str, path: str) -> bytes:
    local = mlflow.TrackingClient().download_artifacts(run_id, path)
    with open(local, "rb") as handle:
        return handle.read()


def test_a_table_is_json_with_columns_and_rows_and_appends_when_logged_again() -> None:
    with mlflow.start_run() as run:
        mlflow.log_table({"prompt": ["a", "b"], "score": [0.5, 0.25]}, "eval/results.json")
        mlflow.log_table(pd.DataFrame({"prompt": ["c"], "score": [1.0]}), "eval/results.json")
    table = json.loads(read(run.info.run_id, "eval/results.json"))
    assert table == {
        "columns": ["prompt", "score"],
        "data": [["a", 0.5], ["b", 0.25], ["c", 1.0]],
    }


def test_a_table_must_be_a_json_file() -> None:
    with mlflow.start_run(), pytest.raises(InvalidValueError, match="json"):
        mlflow.log_table({"a": [1]}, "table.csv")


def test_appending_to_a_file_that_is_no_table_is_refused() -> None:
    with mlflow.start_run():
        mlflow.log_dict({"not": "a table"}, "other.json")
        with pytest.raises(TrialbookError, match="another artifact_file"):
            mlflow.log_table({"a": [1]}, "other.json")


def test_images_by_key_and_step_are_one_png_per_step() -> None:
    with mlflow.start_run() as run:
        for step in range(3):
            mlflow.log_image(np.full((4, 5, 3), step / 2), key="samples/val", step=step)
    files = mlflow.TrackingClient().list_artifacts(run.info.run_id, "images/samples#val")
    assert [parse_image_path(f.path) for f in files] == [("samples/val", s) for s in range(3)]
    picture = Image.open(io.BytesIO(read(run.info.run_id, files[2].path)))
    assert picture.size == (5, 4)
    assert picture.getpixel((0, 0)) == (255, 255, 255)


def test_mlflows_artifact_file_spelling_takes_pil_images_and_figures() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    axes.plot([1, 2, 3])
    with mlflow.start_run() as run:
        mlflow.log_image(Image.new("RGB", (3, 2), "red"), artifact_file="red.png")
        mlflow.log_image(figure, artifact_file="plots/line.png")
        mlflow.log_image(np.zeros((2, 2), dtype=np.uint8), artifact_file="black.jpg")
    plt.close(figure)
    assert Image.open(io.BytesIO(read(run.info.run_id, "red.png"))).getpixel((0, 0)) == (255, 0, 0)
    assert read(run.info.run_id, "plots/line.png").startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(read(run.info.run_id, "black.jpg"))).format == "JPEG"


@pytest.mark.parametrize(
    ("pixels", "message"),
    [
        (np.full((2, 2), 2.0), r"\[0, 1\]"),
        (np.full((2, 2), 300), r"\[0, 255\]"),
        (np.zeros((2, 2, 2)), "HxW"),
    ],
)
def test_pixels_out_of_range_are_refused_with_the_reason(pixels: object, message: str) -> None:
    with mlflow.start_run(), pytest.raises(InvalidValueError, match=message):
        mlflow.log_image(pixels, key="bad")


def test_log_image_needs_exactly_one_of_artifact_file_and_key() -> None:
    with mlflow.start_run(), pytest.raises(TrialbookError, match="either"):
        mlflow.log_image(np.zeros((2, 2)))
    with mlflow.start_run(), pytest.raises(TrialbookError, match="either"):
        mlflow.log_image(np.zeros((2, 2)), artifact_file="a.png", key="a")


def test_image_steps_must_be_non_negative_integers() -> None:
    with pytest.raises(InvalidValueError, match="step"):
        image_path("k", -1)
    assert image_path("a/b", 7) == "images/a#b/step-000000000007.png"
