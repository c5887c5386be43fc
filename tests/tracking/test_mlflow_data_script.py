"""MLflow's dataset-tracking example, as its docs write it, with ``import trialbook as mlflow``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json
import numpy as np
import pandas as pd
import trialbook as mlflow
import trialbook.data
from sklearn.linear_model import LogisticRegression

df = pd.DataFrame({"alcohol": np.linspace(9, 14, 30), "quality": np.arange(30) % 3 + 4})
dataset = mlflow.data.from_pandas(
    df, source="https://example.com/winequality-red.csv", name="wine", targets="quality"
)
with mlflow.start_run():
    mlflow.log_input(dataset, context="training")
    mlflow.log_table(data=df.head(3), artifact_file="head.json")
    mlflow.log_image(np.zeros((4, 4, 3), dtype=np.uint8), key="blank", step=0)

run = mlflow.get_run(mlflow.last_active_run().info.run_id)
info = run.inputs.dataset_inputs[0].dataset
mlflow.autolog()
LogisticRegression(max_iter=200).fit(df[["alcohol"]], df["quality"])
trained = mlflow.get_run(mlflow.last_active_run().info.run_id).inputs.dataset_inputs
print(json.dumps({
    "name": info.name,
    "digest": info.digest,
    "source": info.source,
    "profile": json.loads(info.profile),
    "columns": [c["name"] for c in json.loads(info.schema)["mlflow_colspec"]],
    "context": run.inputs.dataset_inputs[0].tags[0].value,
    "autologged": [i.tags[0].value for i in trained],
    "found": len(mlflow.search_runs(filter_string=f"datasets.digest = '{info.digest}'")),
}))
"""


def test_mlflows_dataset_example_runs_with_the_one_line_change(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={"TRIALBOOK_TRACKING_URI": str(tmp_path / "store"), "PATH": "/usr/bin:/bin"},
    )
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["name"] == "wine"
    assert out["source"] == "https://example.com/winequality-red.csv"
    assert out["profile"] == {"num_rows": 30, "num_elements": 60}
    assert out["columns"] == ["alcohol", "quality"]
    assert out["context"] == "training"
    assert out["autologged"] == ["training"]
    assert out["found"] == 1
