"""The plugin manager: built-ins and entry points, broken plugins, blocking, lifecycle hooks."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint
from typing import Any

import pytest

import trialbook
from trialbook.entities import RunStatus
from trialbook.plugins import manager


@pytest.fixture(autouse=True)
def fresh_manager() -> Iterator[None]:
    manager.reset_plugin_manager()
    yield
    manager.reset_plugin_manager()


def fake_entry_points(*points: EntryPoint) -> Any:
    def entry_points(group: str) -> list[EntryPoint]:
        return [p for p in points if p.group == group]

    return entry_points


def test_builtin_pickle_flavor_is_the_last_resort() -> None:
    flavors = [f.name for f in manager.model_flavors()]
    assert flavors[-1] == "pickle"


def test_broken_entry_point_is_a_warning_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = EntryPoint("broken", "trialbook_no_such_module_xyz", manager.ENTRY_POINT_GROUP)
    monkeypatch.setattr(manager, "entry_points", fake_entry_points(broken))
    with pytest.warns(RuntimeWarning, match="'broken'.*failed to load"):
        pm = manager.get_plugin_manager()
    assert not pm.has_plugin("broken")
    assert pm.has_plugin("pickle")


def test_environment_variable_blocks_plugins_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = EntryPoint("blocked", "trialbook_no_such_module_xyz", manager.ENTRY_POINT_GROUP)
    monkeypatch.setattr(manager, "entry_points", fake_entry_points(blocked))
    monkeypatch.setenv("TRIALBOOK_DISABLE_PLUGINS", "blocked, pickle")
    pm = manager.get_plugin_manager()
    assert not pm.has_plugin("blocked")
    assert not pm.has_plugin("pickle")


class Listener:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    @trialbook.hookimpl
    def trialbook_run_started(self, run: trialbook.Run) -> None:
        self.events.append(("started", run.info.run_id))

    @trialbook.hookimpl
    def trialbook_run_ended(self, run_id: str, status: RunStatus) -> None:
        self.events.append(("ended", (run_id, status)))


def test_lifecycle_hooks_see_runs_start_and_end() -> None:
    listener = Listener()
    manager.get_plugin_manager().register(listener)
    with pytest.raises(ValueError, match="x"), trialbook.start_run() as run:
        raise ValueError("x")
    assert listener.events == [
        ("started", run.info.run_id),
        ("ended", (run.info.run_id, RunStatus.FAILED)),
    ]


class FailingListener:
    @trialbook.hookimpl
    def trialbook_run_started(self, run: trialbook.Run) -> None:
        raise RuntimeError("listener bug")


def test_failing_listener_warns_and_the_run_goes_on() -> None:
    manager.get_plugin_manager().register(FailingListener(), name="failing")
    with pytest.warns(RuntimeWarning, match="listener bug"), trialbook.start_run() as run:
        trialbook.log_metric("m", 1.0)
    assert trialbook.get_run(run.info.run_id).data.metrics == {"m": 1.0}


class ConstantFlavor:
    name = "constant"

    def handles(self, model: Any) -> bool:
        return isinstance(model, int)

    def save(self, model: Any, path: Any) -> None:
        (path / "value.txt").write_text(str(model))

    def load(self, path: Any, metadata: dict[str, Any]) -> Any:
        return int((path / "value.txt").read_text())

    def versions(self, model: Any) -> dict[str, str]:
        return {}


class FlavorPlugin:
    @trialbook.hookimpl
    def trialbook_register_model_flavors(self, register: Any) -> None:
        register(ConstantFlavor())


def test_registered_flavor_is_chosen_for_the_objects_it_handles() -> None:
    manager.get_plugin_manager().register(FlavorPlugin())
    with trialbook.start_run():
        info = trialbook.log_model(41, "answer")
        other = trialbook.log_model("text", "other")
    assert info.flavor == "constant"
    assert other.flavor == "pickle"
    assert trialbook.load_model(info.model_uri) == 41
