"""Which runs are sampled: off by default; start_run, autolog and the environment turn it on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import trialbook
from trialbook.plugins import manager
from trialbook.system import DEFAULT_INTERVAL_S, SystemMetricsWarning, monitor, settings

pytest.importorskip("psutil")


def test_runs_are_not_sampled_by_default(system_keys: Callable[[str], set[str]]) -> None:
    with trialbook.start_run() as run:
        trialbook.log_metric("loss", 1.0)
        assert monitor.get(run.info.run_id) is None
    assert system_keys(run.info.run_id) == set()


def test_start_run_with_log_system_metrics_samples_the_run(
    wait_for_samples: Callable[..., Any], system_keys: Callable[[str], set[str]]
) -> None:
    with trialbook.start_run(log_system_metrics=True) as run:
        wait_for_samples(run.info.run_id)
    assert "system/cpu_percent" in system_keys(run.info.run_id)


@pytest.mark.usefixtures("autolog_off")
def test_autolog_with_log_system_metrics_samples_runs_started_afterwards(
    wait_for_samples: Callable[..., Any],
) -> None:
    trialbook.autolog(log_system_metrics=True)
    with trialbook.start_run() as run:
        assert wait_for_samples(run.info.run_id).samples >= 2


@pytest.mark.usefixtures("autolog_off")
def test_autolog_disabled_again_stops_sampling_new_runs() -> None:
    trialbook.autolog(log_system_metrics=True)
    trialbook.autolog(disable=True)
    with trialbook.start_run() as run:
        assert monitor.get(run.info.run_id) is None


@pytest.mark.usefixtures("autolog_off")
def test_autolog_without_log_system_metrics_samples_nothing() -> None:
    trialbook.autolog()
    with trialbook.start_run() as run:
        assert monitor.get(run.info.run_id) is None


@pytest.mark.parametrize("value", ["true", "1", "YES", "on"])
def test_environment_variable_turns_sampling_on(
    value: str, monkeypatch: pytest.MonkeyPatch, wait_for_samples: Callable[..., Any]
) -> None:
    monkeypatch.setenv(settings.ENABLE_ENV, value)
    with trialbook.start_run() as run:
        assert wait_for_samples(run.info.run_id).samples >= 2


@pytest.mark.parametrize("value", ["false", "0", "no", ""])
def test_environment_variable_false_leaves_sampling_off(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(settings.ENABLE_ENV, value)
    with trialbook.start_run() as run:
        assert monitor.get(run.info.run_id) is None


def test_explicit_false_beats_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.ENABLE_ENV, "true")
    with trialbook.start_run(log_system_metrics=False) as run:
        assert monitor.get(run.info.run_id) is None


@pytest.mark.usefixtures("autolog_off")
def test_explicit_false_beats_autolog() -> None:
    trialbook.autolog(log_system_metrics=True)
    with trialbook.start_run(log_system_metrics=False) as run:
        assert monitor.get(run.info.run_id) is None


def test_explicit_false_applies_to_its_own_run_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.ENABLE_ENV, "true")
    with trialbook.start_run(log_system_metrics=False):
        pass
    with trialbook.start_run() as run:
        assert monitor.get(run.info.run_id) is not None


def test_blocking_the_system_plugin_turns_sampling_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALBOOK_DISABLE_PLUGINS", "system")
    manager.reset_plugin_manager()
    try:
        with trialbook.start_run(log_system_metrics=True) as run:
            assert monitor.get(run.info.run_id) is None
    finally:
        manager.reset_plugin_manager()


def test_the_interval_defaults_to_ten_seconds() -> None:
    settings.set_interval(None)
    assert settings.get_interval() == DEFAULT_INTERVAL_S == 10.0


def test_the_interval_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings.set_interval(None)
    monkeypatch.setenv(settings.INTERVAL_ENV, "2.5")
    with trialbook.start_run(log_system_metrics=True) as run:
        sampled = monitor.get(run.info.run_id)
        assert sampled is not None
        assert sampled.interval == 2.5


def test_set_interval_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.INTERVAL_ENV, "2.5")
    trialbook.system.set_interval(0.5)
    assert trialbook.system.get_interval() == 0.5


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), float("inf")])
def test_set_interval_rejects_what_is_not_a_positive_number(seconds: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        trialbook.system.set_interval(seconds)


def test_an_invalid_interval_in_the_environment_warns_and_uses_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.set_interval(None)
    monkeypatch.setenv(settings.INTERVAL_ENV, "often")
    with pytest.warns(SystemMetricsWarning, match="TRIALBOOK_SYSTEM_METRICS_INTERVAL"):
        assert settings.get_interval() == DEFAULT_INTERVAL_S
