"""Shapes taken from MLflow's own example scripts, run with ``import trialbook as mlflow``.

Each test is a minimal script of ours reproducing what one of MLflow's examples does and that
failed with trialbook before the fix next to it.
"""

from __future__ import annotations

import trialbook as mlflow


def test_a_run_reads_its_info_and_data_under_mlflows_private_names() -> None:
    # MLflow's sklearn_autolog/simple.py and pipeline.py read ``run._info.run_id``.
    with mlflow.start_run() as run:
        mlflow.log_param("alpha", 0.5)

    fetched = mlflow.tracking.MlflowClient().get_run(run._info.run_id)

    assert run._info.run_id == run.info.run_id
    assert fetched._data.params == {"alpha": "0.5"}
    assert fetched._info == fetched.info
