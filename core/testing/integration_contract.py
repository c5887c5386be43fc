"""The autologging contract: behaviour every integration must have.

An integration's tests describe how to exercise it with a :class:`Case`, subclass
:class:`IntegrationContract` and give it a ``case`` fixture; pytest then runs every test of
the contract. Every integration must change nothing when enabled twice, revert its patches
exactly, leave training results unchanged, log one run per training, let the user's
exceptions through untouched, turn its own failures into one warning (or an error in strict
mode), and respect the user's active run and ``exclusive``::

    import pytest
    from trialbook.testing.integration_contract import Case, IntegrationContract

    class TestScipy(IntegrationContract):
        @pytest.fixture
        def case(self):
            return Case("scipy_optimize", "scipy", owners, train, fail, trialbook_scipy.autolog)

Each test runs against the store of the test's tracking URI, which should start empty. Needs
pytest and numpy.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import trialbook
from trialbook.autolog import AutologgingWarning
from trialbook.tracking import background
from trialbook.tracking.tracker import Tracker


@dataclass(frozen=True)
class Case:
    """How to exercise one integration."""

    name: str
    """The integration's name (what it tags its runs with)."""
    framework: str
    """The module the integration patches."""
    owners: Callable[[], list[Any]]
    """Classes and modules the integration patches; their ``__dict__`` must come back exactly."""
    train: Callable[[], Any]
    """Train a tiny model deterministically and return something to compare (predictions)."""
    fail: Callable[[BaseException], None]
    """Run a training in which the user's own code raises the given exception."""
    autolog: Callable[..., None]
    """Enable this integration alone, with ``trialbook.autolog``'s settings."""


def snapshot(owners: list[Any]) -> list[dict[str, Any]]:
    """The ``__dict__`` of each owner, as a patch must leave it."""
    # ``__slotnames__`` is copyreg's cache, added by any pickling of an instance (log_model).
    return [{k: v for k, v in vars(owner).items() if k != "__slotnames__"} for owner in owners]


def runs() -> list[trialbook.Run]:
    """Every run of the store, deleted ones included."""
    found: list[trialbook.Run] = trialbook.search_runs(output_format="list", run_view_type="all")
    return found


def _chain(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(found) < 10:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _break_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the store is down")

    for name in ("log_metric", "log_metrics", "log_params", "set_tags"):
        monkeypatch.setattr(Tracker, name, broken)


class IntegrationContract:
    """The autologging contract; subclass it and provide a ``case`` fixture (a :class:`Case`)."""

    def test_enabling_twice_changes_nothing(self, case: Case) -> None:
        trialbook.autolog()
        once = snapshot(case.owners())
        trialbook.autolog()
        assert snapshot(case.owners()) == once

    def test_disabling_restores_every_patched_dict_exactly(self, case: Case) -> None:
        before = snapshot(case.owners())
        trialbook.autolog()
        case.train()
        trialbook.autolog(disable=True)
        assert snapshot(case.owners()) == before

    def test_training_result_is_unchanged_by_autolog(self, case: Case) -> None:
        import numpy as np

        baseline = case.train()
        case.autolog()
        np.testing.assert_array_equal(case.train(), baseline)

    def test_one_training_logs_one_finished_run(self, case: Case) -> None:
        case.autolog()
        case.train()
        (run,) = runs()
        assert run.info.status is trialbook.RunStatus.FINISHED
        assert run.data.tags.get("trialbook.autolog") == case.name

    def test_user_exception_propagates_unchanged_and_fails_the_run(self, case: Case) -> None:
        case.autolog()
        error = KeyError("raised by the user's code")
        with pytest.raises(KeyError) as raised:
            case.fail(error)
        assert (
            raised.value is error
            or raised.value.__cause__ is error
            or error in _chain(raised.value)
        )
        (run,) = runs()
        assert run.info.status is trialbook.RunStatus.FAILED

    def test_our_logging_failure_is_one_warning_and_training_goes_on(
        self, case: Case, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import numpy as np

        baseline = case.train()
        case.autolog(log_models=False, strict=False)
        _break_logging(monkeypatch)
        with pytest.warns(AutologgingWarning, match="the store is down") as caught:
            result = case.train()
        np.testing.assert_array_equal(result, baseline)
        assert len([w for w in caught if issubclass(w.category, AutologgingWarning)]) == 1

    def test_strict_mode_raises_our_own_errors(
        self, case: Case, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        case.autolog(log_models=False, strict=True)
        _break_logging(monkeypatch)
        with pytest.raises(RuntimeError, match="the store is down"):
            case.train()

    def test_users_active_run_is_logged_into_and_left_open(self, case: Case) -> None:
        case.autolog(log_models=False)
        with trialbook.start_run() as run:
            case.train()
            assert trialbook.active_run() == run
        (stored,) = runs()
        assert stored.info.run_id == run.info.run_id
        assert stored.data.metrics or stored.data.params

    def test_exclusive_leaves_the_users_active_run_alone(self, case: Case) -> None:
        case.autolog(exclusive=True, log_models=False)
        with trialbook.start_run() as run:
            case.train()
        (stored,) = runs()
        assert stored.info.run_id == run.info.run_id
        assert not stored.data.params
        assert not stored.data.metrics

    def test_only_the_training_thread_touches_the_warnings_filters(
        self, case: Case, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Before Python 3.14 ``catch_warnings`` swaps process-wide state: entered from one of
        # our background threads it can undo the user's own ``catch_warnings(record=True)``.
        training_thread = threading.current_thread()
        entered_from: list[threading.Thread] = []
        enter = warnings.catch_warnings.__enter__

        def spy(self: warnings.catch_warnings[Any]) -> Any:
            entered_from.append(threading.current_thread())
            return enter(self)

        monkeypatch.setattr(warnings.catch_warnings, "__enter__", spy)
        case.autolog()
        case.train()
        background.wait()
        assert len(runs()) == 1
        assert [t.name for t in entered_from if t is not training_thread] == []
