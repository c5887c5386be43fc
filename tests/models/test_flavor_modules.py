"""MLflow's flavor modules as written in MLflow's examples, with ``import trialbook as mlflow``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import trialbook
import trialbook as mlflow
from trialbook.models import infer_signature
from trialbook.models.enforce import SchemaEnforcementError

WINE = pd.DataFrame(
    {
        "alcohol": [9.4, 9.8, 10.0, 11.2, 12.8, 9.5, 10.5, 11.0],
        "pH": [3.51, 3.2, 3.26, 3.16, 3.3, 3.4, 3.35, 3.1],
        "sulphates": [0.56, 0.68, 0.65, 0.58, 0.8, 0.6, 0.7, 0.62],
    }
)
QUALITY = pd.Series([5, 5, 5, 6, 7, 5, 6, 6], name="quality")


def test_importing_trialbook_imports_no_framework_and_the_flavor_modules_lazily() -> None:
    code = (
        "import sys, trialbook\n"
        "heavy = ('sklearn', 'torch', 'xgboost', 'lightgbm', 'lightning', 'pandas', 'cloudpickle')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "trialbook.sklearn, trialbook.xgboost, trialbook.lightgbm, trialbook.pytorch, trialbook.pyfunc\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[]", "[]"]


def test_an_unknown_attribute_of_trialbook_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_flavor"):
        _ = trialbook.no_such_flavor  # type: ignore[attr-defined]


@pytest.mark.sklearn
def test_elastic_net_example_logs_a_model_with_signature_and_registers_it() -> None:
    from sklearn.linear_model import ElasticNet

    with mlflow.start_run():
        lr = ElasticNet(alpha=0.5, l1_ratio=0.5, random_state=42).fit(WINE, QUALITY)
        signature = infer_signature(WINE, lr.predict(WINE))
        model_info = mlflow.sklearn.log_model(
            lr,
            name="model",
            signature=signature,
            input_example=WINE.head(3),
            registered_model_name="ElasticnetWineModel",
        )
    assert model_info.registered_model_version == 1
    assert model_info.signature == signature
    loaded = mlflow.pyfunc.load_model(model_info.model_uri)
    assert np.allclose(loaded.predict(WINE), lr.predict(WINE))
    assert loaded.input_example.equals(WINE.head(3))
    same = mlflow.sklearn.load_model("models:/ElasticnetWineModel/1")
    assert np.allclose(same.predict(WINE), lr.predict(WINE))


@pytest.mark.sklearn
def test_pyfunc_predict_names_a_missing_column() -> None:
    from sklearn.linear_model import LinearRegression

    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            LinearRegression().fit(WINE, QUALITY), artifact_path="model", input_example=WINE
        )
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    with pytest.raises(SchemaEnforcementError, match="'sulphates'"):
        loaded.predict(WINE.drop(columns="sulphates"))
    with pytest.raises(SchemaEnforcementError, match="'pH' has type string"):
        loaded.predict(WINE.assign(pH="acid"))


@pytest.mark.sklearn
def test_save_model_and_load_it_from_the_folder(tmp_path: Path) -> None:
    from sklearn.tree import DecisionTreeRegressor

    tree = DecisionTreeRegressor(max_depth=2).fit(WINE, QUALITY)
    mlflow.sklearn.save_model(tree, tmp_path / "tree")
    assert np.allclose(
        mlflow.sklearn.load_model(str(tmp_path / "tree")).predict(WINE), tree.predict(WINE)
    )
    with pytest.raises(mlflow.TrialbookError, match="not empty"):
        mlflow.sklearn.save_model(tree, tmp_path / "tree")


@pytest.mark.sklearn
def test_mlflow_environment_options_are_accepted_and_unknown_ones_refused() -> None:
    from sklearn.dummy import DummyRegressor

    model = DummyRegressor().fit(WINE, QUALITY)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            model, name="m", conda_env=None, pip_requirements=["scikit-learn"]
        )
        assert info.flavor == "sklearn"
        with pytest.raises(TypeError, match="colour"):
            mlflow.sklearn.log_model(model, name="m2", colour="red")


@pytest.mark.xgboost
def test_xgboost_log_model_and_pyfunc_predict_on_a_dataframe() -> None:
    xgboost = pytest.importorskip("xgboost")
    booster = xgboost.train(
        {"objective": "reg:squarederror"}, xgboost.DMatrix(WINE, QUALITY), num_boost_round=3
    )
    with mlflow.start_run():
        info = mlflow.xgboost.log_model(booster, name="model", input_example=WINE.head(2))
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    expected = booster.predict(xgboost.DMatrix(WINE))
    assert np.allclose(loaded.predict(WINE), expected)
    assert isinstance(loaded.unwrap_python_model(), xgboost.Booster)
    assert isinstance(mlflow.xgboost.load_model(info.model_uri), xgboost.Booster)


@pytest.mark.lightning
def test_a_torch_module_round_trips_through_the_pytorch_flavor() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    with mlflow.start_run():
        info = mlflow.pytorch.log_model(net, name="net", input_example=x)
    assert info.flavor == "pytorch"
    loaded = mlflow.pytorch.load_model(info.model_uri)
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
        assert np.allclose(loaded(torch.from_numpy(x)).numpy(), expected)
    wrapper = mlflow.pyfunc.load_model(info.model_uri)
    assert np.allclose(wrapper.predict(x), expected)
    with pytest.raises(SchemaEnforcementError, match="float64"):
        wrapper.predict(x.astype("float64"))


@pytest.mark.lightning
def test_pytorch_log_model_refuses_what_is_not_a_module() -> None:
    pytest.importorskip("torch")
    with mlflow.start_run(), pytest.raises(mlflow.TrialbookError, match=r"torch\.nn\.Module"):
        mlflow.pytorch.log_model({"weights": [1]}, name="x")


class AddN(mlflow.pyfunc.PythonModel):
    def __init__(self, n: int) -> None:
        self.n = n
        self.offset = 0.0

    def load_context(self, context: Any) -> None:
        self.offset = float(Path(context.artifacts["offset"]).read_text())

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return model_input.apply(lambda column: column + self.n + self.offset)


def test_a_python_model_with_artifacts_loads_and_predicts(tmp_path: Path) -> None:
    offset = tmp_path / "offset.txt"
    offset.write_text("0.5")
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(
            name="add_n",
            python_model=AddN(5),
            artifacts={"offset": str(offset)},
            input_example=frame,
        )
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    assert loaded.predict(frame)["x"].tolist() == [6.5, 7.5]
    assert isinstance(loaded.unwrap_python_model(), AddN)
    assert loaded.metadata.get_input_schema() == infer_signature(frame).inputs


def test_a_function_is_a_python_model(tmp_path: Path) -> None:
    mlflow.pyfunc.save_model(tmp_path / "f", python_model=lambda rows: [len(r) for r in rows])
    assert mlflow.pyfunc.load_model(str(tmp_path / "f")).predict(["ab", "c"]) == [2, 1]


@pytest.mark.lightgbm
def test_lightgbm_log_model_autolog_and_pyfunc_predict() -> None:
    lightgbm = pytest.importorskip("lightgbm")
    mlflow.lightgbm.autolog(log_models=False)
    with mlflow.start_run():
        booster = lightgbm.train(
            {"objective": "regression", "verbose": -1, "min_data_in_leaf": 1},
            lightgbm.Dataset(WINE, QUALITY),
            num_boost_round=3,
        )
        info = mlflow.lightgbm.log_model(booster, name="model", input_example=WINE.head(2))
    run = mlflow.get_run(info.run_id)
    assert run.data.params["objective"] == "regression"  # autolog logged the training
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    np.testing.assert_allclose(loaded.predict(WINE), booster.predict(WINE))
    assert isinstance(mlflow.lightgbm.load_model(info.model_uri), lightgbm.Booster)
