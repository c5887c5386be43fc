"""What is sampled, at which steps, when sampling stops, and how failures are reported."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import trialbook
from trialbook.system import SystemMetricsWarning, monitor, plugin
from trialbook.system.sampler import SystemSampler

psutil = pytest.importorskip("psutil")

ALWAYS = {
    "system/cpu_percent",
    "system/process_cpu_percent",
    "system/memory_rss_mb",
    "system/memory_used_mb",
    "system/memory_percent",
    "system/disk_usage_percent",
}
DISK_IO = {"system/disk_read_mb", "system/disk_write_mb"}
NETWORK = {"system/network_sent_mb", "system/network_received_mb"}


def expected_keys() -> set[str]:
    """Every key this machine can give (some have no disk or network counters)."""
    keys = set(ALWAYS)
    if psutil.disk_io_counters() is not None:
        keys |= DISK_IO
    if psutil.net_io_counters() is not None:
        keys |= NETWORK
    return keys


def test_a_sample_holds_cpu_memory_disk_and_network_metrics(
    wait_for_samples: Callable[..., Any], system_keys: Callable[[str], set[str]]
) -> None:
    with trialbook.start_run(log_system_metrics=True) as run:
        wait_for_samples(run.info.run_id)
    assert system_keys(run.info.run_id) == expected_keys()


def test_values_are_plausible(wait_for_samples: Callable[..., Any]) -> None:
    with trialbook.start_run(log_system_metrics=True) as run:
        wait_for_samples(run.info.run_id)
    client = trialbook.TrackingClient()
    latest = {s.key: s.latest for s in client.get_metric_summaries(run.info.run_id)}
    assert 0 <= latest["system/memory_percent"] <= 100
    assert 0 < latest["system/memory_rss_mb"] < latest["system/memory_used_mb"] * 10
    assert 0 <= latest["system/disk_usage_percent"] <= 100
    assert latest["system/cpu_percent"] >= 0


def test_steps_are_sample_indexes_from_zero(wait_for_samples: Callable[..., Any]) -> None:
    with trialbook.start_run(log_system_metrics=True) as run:
        wait_for_samples(run.info.run_id, 3)
    history = trialbook.TrackingClient().get_metric_history(run.info.run_id, "system/cpu_percent")
    steps = [m.step for m in history]
    assert steps == list(range(len(steps)))


def test_a_healthy_run_gives_no_warning(wait_for_samples: Callable[..., Any]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SystemMetricsWarning)
        with trialbook.start_run(log_system_metrics=True) as run:
            wait_for_samples(run.info.run_id, 3)
    assert [w for w in caught if issubclass(w.category, SystemMetricsWarning)] == []


def test_sampling_stops_when_the_run_ends(
    wait_for_samples: Callable[..., Any], system_keys: Callable[[str], set[str]]
) -> None:
    with trialbook.start_run(log_system_metrics=True) as run:
        sampled = wait_for_samples(run.info.run_id)
    client = trialbook.TrackingClient()
    count = len(client.get_metric_history(run.info.run_id, "system/cpu_percent"))
    assert not sampled.thread.is_alive()
    assert monitor.get(run.info.run_id) is None
    assert len(client.get_metric_history(run.info.run_id, "system/cpu_percent")) == count
    assert count == sampled.samples


def test_a_long_interval_does_not_delay_the_end_of_the_run() -> None:
    trialbook.system.set_interval(3600)
    with trialbook.start_run(log_system_metrics=True) as run:
        sampled = monitor.get(run.info.run_id)
        assert sampled is not None
    assert not sampled.thread.is_alive()


def test_end_run_without_a_context_manager_stops_sampling(
    wait_for_samples: Callable[..., Any],
) -> None:
    run = trialbook.start_run(log_system_metrics=True)
    sampled = wait_for_samples(run.info.run_id, 1)
    trialbook.end_run()
    assert not sampled.thread.is_alive()


def test_nested_runs_each_have_their_own_sampler(
    wait_for_samples: Callable[..., Any], system_keys: Callable[[str], set[str]]
) -> None:
    with trialbook.start_run(log_system_metrics=True) as parent:
        with trialbook.start_run(nested=True, log_system_metrics=True) as child:
            child_monitor = wait_for_samples(child.info.run_id)
            parent_monitor = wait_for_samples(parent.info.run_id)
            assert child_monitor is not parent_monitor
        assert not child_monitor.thread.is_alive()
        assert parent_monitor.thread.is_alive()
    assert "system/cpu_percent" in system_keys(child.info.run_id)
    assert "system/cpu_percent" in system_keys(parent.info.run_id)


def test_only_the_runs_that_ask_are_sampled() -> None:
    with (
        trialbook.start_run(log_system_metrics=True) as parent,
        trialbook.start_run(nested=True) as child,
    ):
        assert monitor.get(child.info.run_id) is None
        assert monitor.get(parent.info.run_id) is not None


def test_a_resumed_run_continues_after_its_last_system_step(
    wait_for_samples: Callable[..., Any],
) -> None:
    with trialbook.start_run(log_system_metrics=True) as run:
        first = wait_for_samples(run.info.run_id).samples
    with trialbook.start_run(run_id=run.info.run_id, log_system_metrics=True):
        wait_for_samples(run.info.run_id)
    history = trialbook.TrackingClient().get_metric_history(run.info.run_id, "system/cpu_percent")
    steps = [m.step for m in history]
    assert steps == list(range(len(steps)))
    assert len(steps) >= first + 2


def test_a_failing_source_is_one_warning_and_the_rest_is_sampled(
    monkeypatch: pytest.MonkeyPatch,
    wait_for_samples: Callable[..., Any],
    system_keys: Callable[[str], set[str]],
) -> None:
    def denied(*_args: Any, **_kwargs: Any) -> Any:
        raise psutil.AccessDenied()

    monkeypatch.setattr(psutil, "virtual_memory", denied)
    monkeypatch.setattr(psutil, "disk_usage", denied)
    with (
        pytest.warns(SystemMetricsWarning) as record,
        trialbook.start_run(log_system_metrics=True) as run,
    ):
        wait_for_samples(run.info.run_id, 3)
    assert len(record) == 1
    assert "left out" in str(record[0].message)
    keys = system_keys(run.info.run_id)
    assert "system/cpu_percent" in keys
    assert "system/memory_percent" not in keys


def test_a_broken_sampler_is_one_warning_and_the_run_goes_on(
    monkeypatch: pytest.MonkeyPatch, wait_for: Callable[[Callable[[], bool]], None]
) -> None:
    def broken(self: SystemSampler) -> dict[str, float]:
        raise RuntimeError("sampler bug")

    monkeypatch.setattr(SystemSampler, "sample", broken)

    def train() -> str:
        with trialbook.start_run(log_system_metrics=True) as run:
            sampled = monitor.get(run.info.run_id)
            assert sampled is not None
            wait_for(lambda: not sampled.thread.is_alive())
            trialbook.log_metric("loss", 0.5)
        return run.info.run_id

    with pytest.warns(SystemMetricsWarning, match="sampler bug") as record:
        run_id = train()
    assert len(record) == 1
    finished = trialbook.get_run(run_id)
    assert finished.info.status is trialbook.RunStatus.FINISHED
    assert finished.data.metrics == {"loss": 0.5}


def test_missing_psutil_is_one_warning_that_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psutil", None)
    monkeypatch.setattr(plugin, "_warned_missing_psutil", False)

    def two_runs() -> list[monitor.Monitor | None]:
        sampled = []
        for _ in range(2):
            with trialbook.start_run(log_system_metrics=True) as run:
                sampled.append(monitor.get(run.info.run_id))
        return sampled

    with pytest.warns(SystemMetricsWarning, match="pip install psutil") as record:
        sampled = two_runs()
    assert sampled == [None, None]
    assert len(record) == 1


def run_script(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with its store in ``tmp_path``."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )


def test_a_run_left_open_at_exit_stops_sampling_and_ends(tmp_path: Path) -> None:
    proc = run_script(
        tmp_path,
        """
        import time, trialbook, trialbook.system
        from trialbook.system import monitor
        trialbook.system.set_interval(0.05)
        run = trialbook.start_run(log_system_metrics=True)
        sampled = monitor.get(run.info.run_id)
        end = time.monotonic() + 20
        while sampled.samples < 2 and time.monotonic() < end:
            time.sleep(0.01)
        print(run.info.run_id)
        """,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    run = trialbook.get_run(proc.stdout.strip())
    assert run.info.status is trialbook.RunStatus.FINISHED
    assert "system/cpu_percent" in run.data.metrics


def test_import_and_unsampled_runs_do_not_import_psutil(tmp_path: Path) -> None:
    proc = run_script(
        tmp_path,
        """
        import sys, trialbook
        with trialbook.start_run():
            trialbook.log_metric("loss", 1.0)
        print("psutil" in sys.modules)
        """,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
