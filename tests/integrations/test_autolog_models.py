"""Autologged models, MLflow-style (``import trialbook as mlflow``): signature, example, reload."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trialbook as mlflow
from trialbook.models.enforce import SchemaEnforcementError

FRAME = pd.DataFrame(
    {"alcohol": [9.4, 9.8, 10.0, 11.2, 12.8, 9.5], "pH": [3.5, 3.2, 3.3, 3.2, 3.3, 3.4]}
)
LABELS = np.array([0, 0, 1, 1, 1, 0])


def only_run_id() -> str:
    runs = mlflow.search_runs(output_format="list")
    assert len(runs) == 1
    return runs[0].info.run_id


@pytest.mark.sklearn
def test_sklearn_autolog_stores_the_signature_and_example_in_a_model_that_loads() -> None:
    from sklearn.linear_model import LogisticRegression

    mlflow.sklearn.autolog(log_input_examples=True)
    clf = LogisticRegression().fit(FRAME, LABELS)

    model = mlflow.pyfunc.load_model(f"runs:/{only_run_id()}/model")
    signature = model.metadata.signature
    assert signature is not None
    assert signature.inputs.input_names() == ["alcohol", "pH"]
    assert signature.inputs.input_types() == ["double", "double"]
    assert signature.outputs is not None
    assert signature.outputs.input_types() == ["int64"]
    assert model.input_example.equals(FRAME.head(5))
    assert (model.predict(FRAME) == clf.predict(FRAME)).all()
    with pytest.raises(SchemaEnforcementError, match="'pH'"):
        model.predict(FRAME[["alcohol"]])


@pytest.mark.sklearn
def test_sklearn_autolog_without_signatures_stores_none() -> None:
    from sklearn.linear_model import LogisticRegression

    mlflow.sklearn.autolog(log_model_signatures=False)
    LogisticRegression().fit(FRAME, LABELS)

    assert mlflow.pyfunc.load_model(f"runs:/{only_run_id()}/model").metadata.signature is None


@pytest.mark.sklearn
def test_autolog_registers_the_model_under_registered_model_name() -> None:
    from sklearn.linear_model import LogisticRegression

    mlflow.sklearn.autolog(registered_model_name="wine")
    clf = LogisticRegression().fit(FRAME, LABELS)

    loaded = mlflow.sklearn.load_model("models:/wine/1")
    assert (loaded.predict(FRAME) == clf.predict(FRAME)).all()


@pytest.mark.xgboost
def test_xgboost_autolog_signature_has_the_dmatrix_feature_names() -> None:
    xgboost = pytest.importorskip("xgboost")
    mlflow.xgboost.autolog()
    booster = xgboost.train(
        {"objective": "binary:logistic"}, xgboost.DMatrix(FRAME, LABELS), num_boost_round=2
    )

    model = mlflow.pyfunc.load_model(f"runs:/{only_run_id()}/model")
    assert model.metadata.signature is not None
    assert model.metadata.signature.inputs.input_names() == ["alcohol", "pH"]
    assert np.allclose(model.predict(FRAME), booster.predict(xgboost.DMatrix(FRAME)))
