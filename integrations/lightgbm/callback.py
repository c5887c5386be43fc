"""``TrialbookCallback``: log a LightGBM training through LightGBM's callback API.

::

    from trialbook.integrations.lightgbm import TrialbookCallback

    booster = lightgbm.train(params, dtrain, 50, valid_sets=[dvalid], callbacks=[TrialbookCallback()])

A LightGBM callback is a callable taking the training's ``CallbackEnv``; this one needs no
lightgbm import. At the first iteration it logs the training's params, after each iteration
every evaluation result (``<dataset>-<metric>``, step = iteration; ``lightgbm.cv`` logs
``-mean`` and ``-stdv`` series). Inside an autologged call it logs into that call's run,
which also gets early-stopping results, feature importance and the model; used alone it logs
into the active run (started if there is none, as any logging call does).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trialbook.autolog.calls import ContextBinding
from trialbook.validation import MAX_KEY_LENGTH

if TYPE_CHECKING:
    from trialbook.autolog.run import AutologRun

_UNSAFE = re.compile(r"[^\w\-. :/]")


def safe_key(text: str) -> str:
    """``text`` as a valid metric or param key: ``@`` becomes ``_at_``, other bad characters ``_``."""
    key = _UNSAFE.sub("_", text.replace("@", "_at_")).lstrip("/")
    return key[:MAX_KEY_LENGTH] or "_"


def param_text(value: Any) -> Any:
    """A param value to log: callables by name, sequences comma-separated, the rest as given."""
    if isinstance(value, (list, tuple)):
        return ",".join(str(param_text(v)) for v in value)
    if callable(value) and not isinstance(value, type):
        target = value if hasattr(value, "__qualname__") else type(value)
        return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', '?')}"
    return value


def safe_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Params with safe keys and loggable values."""
    return {safe_key(str(k)): param_text(v) for k, v in params.items()}


def evaluation_metrics(results: Sequence[Sequence[Any]] | None) -> dict[str, float]:
    """``{<dataset>-<metric>: value}`` of one iteration; cv results (with a standard
    deviation) give ``-mean`` and ``-stdv``."""
    found: dict[str, float] = {}
    for result in results or ():
        key = safe_key(f"{result[0]}-{result[1]}")
        if len(result) > 4:
            found[f"{key}-mean"] = float(result[2])
            found[f"{key}-stdv"] = float(result[4])
        else:
            found[key] = float(result[2])
    return found


@dataclass
class Binding:
    """The autolog session whose run the callbacks of the current training log into."""

    session: AutologRun
    log_params: bool = True
    skip_params: frozenset[str] = frozenset()
    """Param keys the session logged already (the user's own values win)."""
    iterations: int = 0
    """Iterations trained so far (early stopping returns a booster cut to the best one)."""


BINDING: ContextBinding[Binding] = ContextBinding("trialbook_lightgbm_binding")
"""The binding of the LightGBM training running in this context."""


def current_binding() -> Binding | None:
    """The binding of the training running in this context, if any."""
    return BINDING.current()


class TrialbookCallback:
    """Logs the params and every evaluation result of a LightGBM training.

    Logging errors never stop training: they become one ``AutologgingWarning`` and the run
    tag ``trialbook.autolog.error`` (``TRIALBOOK_AUTOLOG_STRICT=1`` re-raises them). Copies
    and pickles keep no training state.
    """

    order = 20
    """Before LightGBM's ``early_stopping`` (30): the iteration that stops is logged too."""
    before_iteration = False

    def __init__(self) -> None:
        self._run_id: str | None = None
        self._failed = False

    def __getstate__(self) -> dict[str, Any]:
        """No training state: a copy starts fresh."""
        return {}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        """Start with no training in progress."""
        self._run_id = None
        self._failed = False

    def __repr__(self) -> str:
        return "TrialbookCallback()"

    def __call__(self, env: Any) -> None:
        """Log after one iteration; never asks training to stop."""
        if self._failed:
            return
        binding = current_binding()
        try:
            self._log(env, binding)
        except Exception as err:  # noqa: BLE001 - our own failure: report it, never stop training
            self._failed = True
            _report(binding, err, f"logging iteration {getattr(env, 'iteration', '?')}")

    def _log(self, env: Any, binding: Binding | None) -> None:
        from trialbook.tracking import fluent
        from trialbook.tracking.client import TrackingClient

        tracker = TrackingClient().tracker
        first = env.iteration == env.begin_iteration
        if first:
            if binding is not None:
                self._run_id = binding.session.require_run()
            else:
                self._run_id = fluent.current_run_id()
            if binding is None:
                tracker.log_params(self._run_id, safe_params(env.params))
            elif binding.log_params:
                params = safe_params(env.params)
                skip = binding.skip_params
                binding.session.log_params({k: v for k, v in params.items() if k not in skip})
        if binding is not None:
            binding.iterations = env.iteration + 1
        run_id = self._run_id or fluent.current_run_id()
        metrics = evaluation_metrics(env.evaluation_result_list)
        if metrics:
            tracker.log_metrics(run_id, metrics, env.iteration)


def _report(binding: Binding | None, error: Exception, where: str) -> None:
    from trialbook.autolog.run import AutologRun
    from trialbook.integrations.lightgbm import integration

    sink = binding.session if binding is not None else AutologRun(integration)
    sink.report(error, where)
