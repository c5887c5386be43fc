"""The example third-party plugin package (examples/trialbook-scipy-plugin), installed for real."""

from __future__ import annotations

import os
from importlib.metadata import entry_points

import pytest

import trialbook
from trialbook.plugins import manager


@pytest.fixture(autouse=True)
def example_plugin_installed() -> None:
    names = {e.name for e in entry_points(group="trialbook")}
    if "scipy_optimize" not in names:
        message = "pip install examples/trialbook-scipy-plugin (nox -s tests does it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def revert() -> object:
    yield
    trialbook.autolog(disable=True)


def test_entry_point_plugin_registers_its_integration() -> None:
    assert "scipy_optimize" in manager.integrations()


def test_autolog_tracks_minimize_through_the_plugin() -> None:
    import scipy.optimize

    trialbook.autolog()
    result = scipy.optimize.minimize(lambda x: (x[0] - 3.0) ** 2, x0=[0.0], method="BFGS")
    (run,) = trialbook.search_runs(output_format="list")
    client = trialbook.TrackingClient()
    history = client.get_metric_history(run.info.run_id, "objective")
    assert len(history) == result.nit
    assert run.data.params["method"] == "BFGS"
    assert run.data.metrics["fun"] == pytest.approx(result.fun)
    assert run.data.tags["trialbook.autolog"] == "scipy_optimize"


def test_disabling_autolog_restores_minimize() -> None:
    import scipy.optimize

    original = scipy.optimize.minimize
    trialbook.autolog()
    assert scipy.optimize.minimize is not original
    trialbook.autolog(disable=True)
    assert scipy.optimize.minimize is original


def test_objective_is_logged_when_the_function_also_returns_its_gradient() -> None:
    import numpy as np
    import scipy.optimize

    def with_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        return float((x[0] - 1.0) ** 2), np.array([2 * (x[0] - 1.0)])

    seen: list[np.ndarray] = []
    trialbook.autolog()
    scipy.optimize.minimize(with_gradient, x0=[3.0], jac=True, method="BFGS", callback=seen.append)
    (run,) = trialbook.search_runs(output_format="list")
    history = trialbook.TrackingClient().get_metric_history(run.info.run_id, "objective")
    assert len(history) == len(seen) > 0
    assert history[-1].value == pytest.approx(float((seen[-1][0] - 1.0) ** 2))
