"""The autologging safety contract, for the scikit-learn integration."""

from __future__ import annotations

import sys
import traceback
import warnings
from typing import Any

import numpy as np
import pytest

import trialbook
from trialbook.autolog import AutologgingWarning
from trialbook.autolog.run import ERROR_TAG

pytest.importorskip("sklearn")

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

pytestmark = pytest.mark.sklearn

X = np.random.RandomState(0).rand(40, 3)
Y = (X[:, 0] > 0.5).astype(int)


class Counting(ClassifierMixin, BaseEstimator):
    """Counts its fits; raises ``error`` from fit when given one."""

    calls = 0

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error

    def fit(self, X: Any, y: Any) -> Counting:
        type(self).calls += 1
        if self.error is not None:
            raise self.error
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any) -> Any:
        return np.full(len(X), self.classes_[0])


def only_run(client: trialbook.TrackingClient) -> trialbook.Run:
    runs = trialbook.search_runs(output_format="list")
    assert len(runs) == 1
    return client.get_run(runs[0].info.run_id)


def test_user_exception_propagates_unchanged(client: trialbook.TrackingClient) -> None:
    error = ValueError("bad data")
    trialbook.autolog()
    with pytest.raises(ValueError) as caught:
        Counting(error=error).fit(X, Y)
    assert caught.value is error
    frames = [frame.name for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert frames[-1] == "fit"
    assert only_run(client).info.status is trialbook.RunStatus.FAILED


def test_our_logging_failure_is_one_warning_and_a_tag(
    client: trialbook.TrackingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trialbook.integrations.sklearn import training

    def broken(*_args: Any) -> None:
        raise RuntimeError("trialbook bug")

    monkeypatch.setattr(training, "training_data", broken)  # fails before training
    monkeypatch.setattr(training.FitRun, "_log_training_metrics", broken)  # and after
    trialbook.autolog(strict=False)
    model = LogisticRegression()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = model.fit(X, Y)
    assert fitted is model
    assert hasattr(fitted, "coef_")
    ours = [w for w in caught if issubclass(w.category, AutologgingWarning)]
    assert len(ours) == 1
    run = only_run(client)
    assert "trialbook bug" in run.data.tags[ERROR_TAG]
    assert run.info.status is trialbook.RunStatus.FINISHED


def test_strict_mode_reraises_our_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from trialbook.integrations.sklearn import training

    def broken(*_args: Any) -> None:
        raise RuntimeError("trialbook bug")

    monkeypatch.setattr(training.FitRun, "_log_training_metrics", broken)
    trialbook.autolog(strict=True)
    with pytest.raises(RuntimeError, match="trialbook bug"):
        LogisticRegression().fit(X, Y)


def test_original_runs_exactly_once() -> None:
    Counting.calls = 0
    trialbook.autolog()
    Counting().fit(X, Y)
    assert Counting.calls == 1


def test_original_runs_exactly_once_when_our_logging_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trialbook.integrations.sklearn import training

    def broken(*_args: Any) -> None:
        raise RuntimeError("trialbook bug")

    monkeypatch.setattr(training, "training_data", broken)
    Counting.calls = 0
    trialbook.autolog(strict=False, silent=True)
    Counting().fit(X, Y)
    assert Counting.calls == 1


def test_the_users_active_run_is_logged_into_and_left_active(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.autolog()
    with trialbook.start_run() as run:
        LogisticRegression().fit(X, Y)
        active = trialbook.active_run()
        assert active is not None
        assert active.info.run_id == run.info.run_id
        assert client.get_run(run.info.run_id).data.params["C"] == "1.0"
    assert only_run(client).info.run_id == run.info.run_id


def test_exclusive_leaves_the_users_run_alone(client: trialbook.TrackingClient) -> None:
    trialbook.autolog(exclusive=True)
    with trialbook.start_run() as run:
        LogisticRegression().fit(X, Y)
    logged = client.get_run(run.info.run_id)
    assert logged.data.params == {}
    assert logged.data.metrics == {}


def test_no_attribute_is_set_on_the_estimator() -> None:
    plain = LogisticRegression().fit(X, Y)
    trialbook.autolog(log_input_examples=True)
    logged = LogisticRegression().fit(X, Y)
    logged.predict(X)
    logged.score(X, Y)
    assert vars(logged).keys() == vars(plain).keys()


def test_disabled_integration_runs_the_original_untouched(
    client: trialbook.TrackingClient,
) -> None:
    trialbook.integrations.sklearn.autolog()
    trialbook.integrations.sklearn.autolog(disable=True)
    LogisticRegression().fit(X, Y)
    assert trialbook.search_runs(output_format="list") == []


def test_the_integration_alone_can_be_enabled(client: trialbook.TrackingClient) -> None:
    trialbook.integrations.sklearn.autolog()
    LogisticRegression().fit(X, Y)
    assert only_run(client).data.tags["estimator_name"] == "LogisticRegression"


def test_integration_settings_win_over_global_ones(client: trialbook.TrackingClient) -> None:
    trialbook.integrations.sklearn.autolog(log_models=False)
    trialbook.autolog(log_models=True)
    LogisticRegression().fit(X, Y)
    run = only_run(client)
    assert "model" not in [f.path for f in client.list_artifacts(run.info.run_id)]


def test_keyboard_interrupt_ends_the_run_killed(client: trialbook.TrackingClient) -> None:
    trialbook.autolog()
    with pytest.raises(KeyboardInterrupt):
        Counting(error=KeyboardInterrupt()).fit(X, Y)
    assert only_run(client).info.status is trialbook.RunStatus.KILLED


@pytest.mark.slow
def test_estimator_in_main_pickles_by_value_with_cloudpickle(tmp_path: Any) -> None:
    import subprocess

    code = """
import numpy as np
import trialbook
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GridSearchCV

class Mine(ClassifierMixin, BaseEstimator):
    def __init__(self, c=1):
        self.c = c
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self
    def predict(self, X):
        return np.full(len(X), self.classes_[0])

trialbook.autolog(log_models=False)
X = np.random.RandomState(0).rand(30, 2); y = np.arange(30) % 2
GridSearchCV(Mine(), {"c": [1, 2]}, cv=2, n_jobs=2).fit(X, y)
print(len(trialbook.search_runs(output_format="list")))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3"]  # the search and its two candidates
