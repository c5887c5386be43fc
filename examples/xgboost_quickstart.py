"""XGBoost tracking: ``trialbook.autolog()``, or ``TrialbookCallback`` for explicit control.

Runs offline on synthetic data::

    python examples/xgboost_quickstart.py

Each training becomes a run with the booster's params, every eval metric per iteration
(``validation_0-logloss``, ``eval-rmse``...), early-stopping results (``best_iteration``,
``best_score``, ``best_<metric>``), feature importance for every importance type and the
model in XGBoost's own format. ``trialbook ui`` shows them.
"""

from __future__ import annotations

import numpy as np

import trialbook


def synthetic_data(rows: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ten features; the target depends on three of them, with noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 10))
    y = 2.0 * x[:, 0] - x[:, 1] + np.sin(3 * x[:, 2]) + rng.normal(scale=0.5, size=rows)
    return x, y


def with_autolog(x: np.ndarray, y: np.ndarray) -> None:
    """A classifier and a booster, each one run, with nothing but ``trialbook.autolog()``."""
    import xgboost as xgb

    trialbook.autolog()
    labels = (y > 0).astype(int)
    classifier = xgb.XGBClassifier(n_estimators=300, max_depth=3, early_stopping_rounds=10)
    classifier.fit(x[:1500], labels[:1500], eval_set=[(x[1500:], labels[1500:])], verbose=False)

    dtrain, dvalid = xgb.DMatrix(x[:1500], y[:1500]), xgb.DMatrix(x[1500:], y[1500:])
    params = {"max_depth": 4, "eta": 0.1, "eval_metric": ["rmse", "mae"]}
    xgb.train(params, dtrain, 100, evals=[(dtrain, "train"), (dvalid, "eval")], verbose_eval=False)
    xgb.cv(params, dtrain, 50, nfold=3)  # mean and std per iteration, plus cv_results.csv
    trialbook.autolog(disable=True)


def with_callback(x: np.ndarray, y: np.ndarray) -> str:
    """The callback logs into your own run; return the model's URI."""
    import xgboost as xgb

    from trialbook.integrations.xgboost import TrialbookCallback

    dtrain, dvalid = xgb.DMatrix(x[:1500], y[:1500]), xgb.DMatrix(x[1500:], y[1500:])
    with trialbook.start_run(run_name="xgboost-callback") as run:
        trialbook.set_tag("data", "synthetic")
        xgb.train(
            {"max_depth": 4, "eta": 0.1},
            dtrain,
            100,
            evals=[(dvalid, "eval")],
            early_stopping_rounds=10,
            verbose_eval=False,
            callbacks=[TrialbookCallback()],
        )
    return f"runs:/{run.info.run_id}/model"


def main() -> None:
    """Train, then print what was logged and reload a model."""
    trialbook.set_experiment("xgboost-quickstart")
    x, y = synthetic_data()
    with_autolog(x, y)
    model_uri = with_callback(x, y)

    runs = trialbook.search_runs(order_by=["start_time ASC"])
    shown = [c for c in ("run_name", "metrics.best_iteration", "metrics.eval-rmse") if c in runs]
    print(runs[shown].to_string(index=False))

    import xgboost as xgb

    booster = trialbook.load_model(model_uri)
    print(f"Reloaded {type(booster).__name__}: {booster.num_boosted_rounds()} trees;")
    print(f"predictions {booster.predict(xgb.DMatrix(x[:3])).round(3)}")


if __name__ == "__main__":
    main()
