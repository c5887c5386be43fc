"""``TrialbookCallback``: log an XGBoost training through XGBoost's own callback API.

::

    from trialbook.integrations.xgboost import TrialbookCallback

    booster = xgboost.train(
        params, dtrain, 100, evals=[(dvalid, "eval")], callbacks=[TrialbookCallback()]
    )
    model = xgboost.XGBRegressor(callbacks=[TrialbookCallback()]).fit(X, y, eval_set=[(X, y)])

It logs into the active run (or starts one, ended after training): the booster's params,
every eval metric per iteration (``eval-rmse``, step = iteration), early-stopping results,
feature importance and the booster. Put it last in ``callbacks`` to log the model an
``EarlyStopping(save_best=True)`` before it returns. This module imports xgboost; import the
callback from :mod:`trialbook.integrations.xgboost`, which loads it on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import xgboost
from typing_extensions import override

from trialbook.autolog.config import AutologConfig
from trialbook.autolog.run import AutologRun
from trialbook.entities import RunStatus
from trialbook.integrations.xgboost.recorder import Plan, Recorder, current_binding


class TrialbookCallback(xgboost.callback.TrainingCallback):
    """Logs params, per-iteration metrics, feature importance and the model of a training.

    Inside an autologged call (``trialbook.autolog()``) it logs into that call's run with
    autolog's settings. Logging errors never stop training: they become one
    ``AutologgingWarning`` and the run tag ``trialbook.autolog.error``
    (``TRIALBOOK_AUTOLOG_STRICT=1`` re-raises them). Copies and pickles keep only the settings;
    like XGBoost's own callbacks, one instance follows one training at a time.

    Args:
        log_models: Log the trained booster (``trialbook.load_model`` loads it back).
        log_feature_importance: Log ``feature_importance_<type>.json`` for every type.
        model_name: The model's artifact folder.
    """

    def __init__(
        self,
        *,
        log_models: bool = True,
        log_feature_importance: bool = True,
        model_name: str = "model",
    ) -> None:
        super().__init__()
        self.log_models = log_models
        self.log_feature_importance = log_feature_importance
        self.model_name = model_name
        self._recorder: Recorder | None = None
        self._own: AutologRun | None = None

    def _settings(self) -> dict[str, Any]:
        return {
            "log_models": self.log_models,
            "log_feature_importance": self.log_feature_importance,
            "model_name": self.model_name,
        }

    def __getstate__(self) -> dict[str, Any]:
        """Only the settings: a training's run and tracker are not copied or pickled."""
        return self._settings()

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        """Restore the settings; the copy starts with no training in progress."""
        self.log_models = bool(state.get("log_models", True))
        self.log_feature_importance = bool(state.get("log_feature_importance", True))
        self.model_name = str(state.get("model_name", "model"))
        self._recorder = None
        self._own = None

    @override
    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self._settings().items())
        return f"TrialbookCallback({settings})"

    # XGBoost's callback API: every method is a safety boundary ----------------------------

    @override
    def before_training(self, model: Any) -> Any:
        """Find the run (autolog's, the active one, or a new one) and log the params."""
        sink: AutologRun | None = None
        try:
            self._end_stale_run()
            sink, plan = self._sink()
            if sink.run_id is None:
                return model  # exclusive autolog config: nothing to log into
            self._recorder = Recorder(sink, plan)
            self._recorder.begin(model)
        except Exception as err:  # noqa: BLE001 - our own failure: report it, never stop training
            _report(sink, err, "before training")
        return model

    @override
    def before_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        """Keep a reference to XGBoost's evaluation history; never asks training to stop."""
        recorder = self._recorder
        if recorder is not None:
            recorder.watch(epoch, evals_log)
        return False

    @override
    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        """Log the latest score of every metric; never asks training to stop."""
        recorder = self._recorder
        if recorder is not None and not recorder.failed:
            try:
                recorder.iteration(epoch, evals_log)
            except Exception as err:  # noqa: BLE001 - our own failure: report it, never stop training
                recorder.failed = True
                recorder.sink.report(err, f"logging iteration {epoch}")
        return False

    @override
    def after_training(self, model: Any) -> Any:
        """Log early-stopping results, feature importance and the model; end our own run."""
        recorder, self._recorder = self._recorder, None
        try:
            if recorder is not None:
                recorder.end(model)
        except Exception as err:  # noqa: BLE001 - our own failure: report it, never stop training
            _report(recorder.sink if recorder else None, err, "after training")
        finally:
            self._finish(RunStatus.FINISHED)
        return model

    # Runs -----------------------------------------------------------------------------------

    def _sink(self) -> tuple[AutologRun, Plan]:
        binding = current_binding()
        if binding is not None:
            return binding.autolog_run, binding.plan
        sink = _CallbackRun(self.log_models)
        self._own = sink
        sink.start()
        plan = Plan(
            log_models=self.log_models,
            log_importance=self.log_feature_importance,
            model_name=self.model_name,
        )
        return sink, plan

    def _finish(self, status: RunStatus) -> None:
        own, self._own = self._own, None
        if own is not None:
            own.finish(status)

    def _end_stale_run(self) -> None:
        """A previous training raised before ``after_training``: end the run it started."""
        self._recorder = None
        self._finish(RunStatus.FAILED)


class _CallbackRun(AutologRun):
    """The run of a callback used without autolog: the active run, or one it starts."""

    def __init__(self, log_models: bool) -> None:
        from trialbook.integrations.xgboost import integration

        super().__init__(integration)
        self.config = AutologConfig(log_models=log_models)

    @override
    def start(self, run_name: str | None = None, tags: Mapping[str, str] | None = None) -> bool:
        """Join the active run, or start one (not tagged as autologged)."""
        from trialbook.tracking import fluent

        active = fluent.active_run()
        if active is None:
            active = fluent.start_run(run_name=run_name, tags=tags)
            self.owns_run = True
        self.run_id = active.info.run_id
        return True


def _report(sink: AutologRun | None, error: Exception, where: str) -> None:
    if sink is None:
        sink = _CallbackRun(log_models=False)
    sink.report(error, where)
