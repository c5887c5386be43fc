"""Autologging workloads: scikit-learn, XGBoost and Lightning (issues 3, 5 and 4).

Each measures training with autolog off, then on (models logged, default settings), in the
same process after a warm-up, and reports the added time. trialbook's side uses the
documented ``trialbook.autolog()`` in strict mode, so that an integration which fails to log
fails the workload instead of looking fast; a missing integration or framework makes the
workload return ``{"unavailable": reason}``.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import UNAVAILABLE, finish_helper, median, spawn_helper, timed

Toggle = Callable[[], None]


# Availability and switching autolog on and off ---------------------------------------------------


def _missing(framework: str) -> str | None:
    if importlib.util.find_spec(framework) is None:
        return f"{framework} is not installed"
    return None


def _tb_missing(integration: str, framework: str) -> str | None:
    """Why trialbook's ``integration`` cannot be benchmarked here, or None."""
    missing = _missing(framework)
    if missing:
        return missing
    from trialbook.plugins.manager import integrations

    if integration not in integrations():
        return f"trialbook's {integration} integration is not available"
    return None


def _tb_toggles() -> tuple[Toggle, Toggle]:
    import trialbook

    return (lambda: trialbook.autolog(strict=True)), (lambda: trialbook.autolog(disable=True))


def _tb_last_run() -> dict[str, Any]:
    """What the last run logged: the proof that autolog did its work."""
    import trialbook

    runs = trialbook.search_runs(output_format="list", max_results=1)
    if not runs:
        return {"runs_logged": 0}
    run = runs[0]
    client = trialbook.TrackingClient()
    return {
        "last_run_metrics": len(run.data.metrics),
        "last_run_params": len(run.data.params),
        "last_run_artifacts": len(client.list_artifacts(run.info.run_id)),
    }


def _mlflow_last_run() -> dict[str, Any]:
    import mlflow

    run = mlflow.last_active_run()
    if run is None:
        return {"runs_logged": 0}
    return {"last_run_metrics": len(run.data.metrics), "last_run_params": len(run.data.params)}


def _off_on(
    fit: Callable[[], object], enable: Toggle, disable: Toggle, repeat: int
) -> tuple[list[float], list[float]]:
    """Seconds of ``fit`` with autolog off and on, alternating, after one warm-up pair."""
    off: list[float] = []
    on: list[float] = []
    for attempt in range(repeat + 1):
        disable()
        seconds_off = timed(fit)
        enable()
        seconds_on = timed(fit)
        if attempt:
            off.append(seconds_off)
            on.append(seconds_on)
    disable()
    return off, on


def _added(name: str, off: list[float], on: list[float]) -> dict[str, float]:
    """The fastest fit off and on (ms) and their difference, plus both medians.

    Other processes on the machine only ever add time, so the fastest of several fits is
    the best estimate of each side's own cost; alternating off and on spreads any slow
    patch over both.
    """
    return {
        f"{name}_off_ms": min(off) * 1000,
        f"{name}_on_ms": min(on) * 1000,
        f"{name}_added_ms": (min(on) - min(off)) * 1000,
        f"{name}_off_median_ms": median(off) * 1000,
        f"{name}_on_median_ms": median(on) * 1000,
    }


# scikit-learn --------------------------------------------------------------------------------


def _sklearn_fits() -> dict[str, Callable[[], object]]:
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    x, y = make_classification(n_samples=2000, n_features=20, random_state=0)
    grid = {"C": [0.1, 1.0, 10.0], "tol": [1e-4, 1e-3, 1e-2]}
    return {
        "logreg": lambda: LogisticRegression(max_iter=1000).fit(x, y),
        "forest": lambda: RandomForestClassifier(n_estimators=50, random_state=0).fit(x, y),
        "grid": lambda: GridSearchCV(LogisticRegression(max_iter=1000), grid, cv=3).fit(x, y),
    }


def _sklearn(
    enable: Toggle, disable: Toggle, repeat: int, models: list[str] | None
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, fit in _sklearn_fits().items():
        if models is None or name in models:
            result.update(_added(name, *_off_on(fit, enable, disable, repeat)))
    return result


def tb_sklearn(repeat: int, models: list[str] | None = None) -> dict[str, Any]:
    """Added time per fit with ``trialbook.autolog()`` (``models``: a subset of the fits)."""
    missing = _tb_missing("sklearn", "sklearn")
    if missing:
        return {UNAVAILABLE: missing}
    return {**_sklearn(*_tb_toggles(), repeat, models), **_tb_last_run()}


def mlflow_sklearn(repeat: int, models: list[str] | None = None) -> dict[str, Any]:
    """Added time per fit with ``mlflow.sklearn.autolog()``."""
    missing = _missing("sklearn")
    if missing:
        return {UNAVAILABLE: missing}
    import mlflow

    def enable() -> None:
        mlflow.sklearn.autolog()

    def disable() -> None:
        mlflow.sklearn.autolog(disable=True)

    return {**_sklearn(enable, disable, repeat, models), **_mlflow_last_run()}


def sklearn_first_fit(tool: str) -> dict[str, Any]:
    """One fresh process: import and enable ``tool``'s autolog (unless "none"), then one fit."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    x, y = make_classification(n_samples=2000, n_features=20, random_state=0)
    start = time.perf_counter()
    if tool == "trialbook":
        import trialbook

        imported = time.perf_counter()
        trialbook.autolog(strict=True)
    elif tool == "mlflow":
        import mlflow

        imported = time.perf_counter()
        mlflow.sklearn.autolog()
    else:
        imported = start
    enabled = time.perf_counter()
    LogisticRegression(max_iter=1000).fit(x, y)
    end = time.perf_counter()
    return {
        "total_ms": (end - start) * 1000,
        "import_ms": (imported - start) * 1000,
        "autolog_ms": (enabled - imported) * 1000,
        "fit_ms": (end - enabled) * 1000,
    }


def _first_fit(tool: str, repeat: int) -> dict[str, Any]:
    samples: dict[str, list[dict[str, Any]]] = {"none": [], tool: []}
    for i in range(repeat):
        for kind in samples:
            out = Path(f"first-fit-{kind}-{i}.json")
            proc = spawn_helper("bench_autolog", "sklearn_first_fit", {"tool": kind}, out)
            result = finish_helper(proc, out, 600)
            if "error" in result:
                raise RuntimeError(result["error"])
            samples[kind].append(result)

    def fastest(kind: str, key: str) -> float:
        return float(min(s[key] for s in samples[kind]))

    return {
        "first_fit_plain_ms": fastest("none", "total_ms"),
        "first_fit_on_ms": fastest(tool, "total_ms"),
        "first_fit_added_ms": fastest(tool, "total_ms") - fastest("none", "total_ms"),
        "first_fit_import_ms": fastest(tool, "import_ms"),
        "first_fit_autolog_ms": fastest(tool, "autolog_ms"),
        "first_fit_fit_ms": fastest(tool, "fit_ms"),
    }


def tb_sklearn_first_fit(repeat: int) -> dict[str, Any]:
    """First fit in a fresh process, import, autolog() and store creation included."""
    missing = _tb_missing("sklearn", "sklearn")
    if missing:
        return {UNAVAILABLE: missing}
    return _first_fit("trialbook", repeat)


def mlflow_sklearn_first_fit(repeat: int) -> dict[str, Any]:
    """The same with ``mlflow.sklearn.autolog()``."""
    missing = _missing("sklearn")
    if missing:
        return {UNAVAILABLE: missing}
    return _first_fit("mlflow", repeat)


# XGBoost -------------------------------------------------------------------------------------


def _xgboost_fit(rounds: int) -> Callable[[], object]:
    import xgboost as xgb
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=5000, n_features=20, random_state=0)
    train = xgb.DMatrix(x[:4000], label=y[:4000])
    valid = xgb.DMatrix(x[4000:], label=y[4000:])
    params = {"objective": "binary:logistic", "eval_metric": "logloss", "max_depth": 4}

    def fit() -> object:
        return xgb.train(params, train, rounds, evals=[(valid, "val")], verbose_eval=False)

    return fit


def tb_xgboost(rounds: int, repeat: int) -> dict[str, Any]:
    """``xgboost.train`` with an eval set, ``trialbook.autolog()`` off and on."""
    missing = _tb_missing("xgboost", "xgboost") or _missing("sklearn")
    if missing:
        return {UNAVAILABLE: missing}
    off, on = _off_on(_xgboost_fit(rounds), *_tb_toggles(), repeat)
    return {**_added("train", off, on), **_tb_last_run()}


def mlflow_xgboost(rounds: int, repeat: int) -> dict[str, Any]:
    """The same with ``mlflow.xgboost.autolog()``."""
    missing = _missing("xgboost") or _missing("sklearn")
    if missing:
        return {UNAVAILABLE: missing}
    import mlflow

    def enable() -> None:
        mlflow.xgboost.autolog()

    def disable() -> None:
        mlflow.xgboost.autolog(disable=True)

    off, on = _off_on(_xgboost_fit(rounds), enable, disable, repeat)
    return {**_added("train", off, on), **_mlflow_last_run()}


# Lightning -----------------------------------------------------------------------------------


def _lightning(epochs: int, repeat: int, enable: Toggle, disable: Toggle) -> dict[str, Any]:
    import lightning_model

    train, val = lightning_model.loaders()
    fits: dict[str, list[float]] = {"off": [], "on": []}
    epochs_seconds: dict[str, list[float]] = {"off": [], "on": []}
    for attempt in range(repeat + 1):
        for mode, toggle in (("off", disable), ("on", enable)):
            toggle()
            seconds, epoch_seconds = lightning_model.fit(epochs, train, val)
            if attempt:  # the first pair warms up
                fits[mode].append(seconds)
                epochs_seconds[mode].append(median(epoch_seconds))
    disable()
    return {
        **_added("fit", fits["off"], fits["on"]),
        **_added("epoch", epochs_seconds["off"], epochs_seconds["on"]),
    }


def tb_lightning(epochs: int, repeat: int) -> dict[str, Any]:
    """A small model for ``epochs`` epochs, ``trialbook.autolog()`` off and on."""
    missing = _tb_missing("lightning", "lightning")
    if missing:
        return {UNAVAILABLE: missing}
    return {**_lightning(epochs, repeat, *_tb_toggles()), **_tb_last_run()}


def mlflow_lightning(epochs: int, repeat: int) -> dict[str, Any]:
    """The same with ``mlflow.pytorch.autolog()``."""
    missing = _missing("lightning")
    if missing:
        return {UNAVAILABLE: missing}
    import mlflow

    def enable() -> None:
        mlflow.pytorch.autolog()

    def disable() -> None:
        mlflow.pytorch.autolog(disable=True)

    return {**_lightning(epochs, repeat, enable, disable), **_mlflow_last_run()}
