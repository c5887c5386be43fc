"""trialbook autologging for ``scipy.optimize.minimize`` (an example third-party plugin).

::

    import trialbook, scipy.optimize

    trialbook.autolog()
    scipy.optimize.minimize(lambda x: (x[0] - 3) ** 2, x0=[0.0])   # logged
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import trialbook
from trialbook.autolog import AutologRun, Integration

# Methods whose callback cannot take scipy's ``intermediate_result`` (scipy's documentation).
_XK_ONLY_METHODS = {"tnc", "slsqp", "cobyla", "cobyqa"}


class MinimizeRun(AutologRun):
    """Logs one ``minimize`` call."""

    def on_start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Log the method and options; chain a callback that logs the objective per iteration."""
        method = str(kwargs.get("method") or "default")
        options = {f"options.{k}": v for k, v in (kwargs.get("options") or {}).items()}
        self.log_params({"method": method, **options})
        if method.lower() in _XK_ONLY_METHODS:
            return args, kwargs  # the objective is not handed to callbacks: final result only
        user_callback = kwargs.get("callback")
        wants_result = user_callback is not None and _takes_intermediate_result(user_callback)

        def callback(intermediate_result: Any) -> Any:
            self.log_metrics({"objective": float(intermediate_result.fun)})
            if user_callback is None:
                return None
            if wants_result:
                return user_callback(intermediate_result=intermediate_result)
            return user_callback(intermediate_result.x)

        return args, {**kwargs, "callback": callback}

    def on_success(self, result: Any) -> None:
        """Log the optimum."""
        self.log_metrics({"fun": float(result.fun), "nit": int(getattr(result, "nit", 0))})
        self.set_tags({"success": bool(result.success), "message": str(result.message)})


def _takes_intermediate_result(callback: Callable[..., Any]) -> bool:
    try:
        return "intermediate_result" in inspect.signature(callback).parameters
    except (TypeError, ValueError):
        return False


class ScipyOptimizeIntegration(Integration):
    """Patches ``scipy.optimize.minimize``."""

    name = "scipy_optimize"
    module = "scipy"

    def _instrument(self) -> None:
        import scipy.optimize

        self.patch(scipy.optimize, "minimize", lambda: MinimizeRun(self))


integration = ScipyOptimizeIntegration()


def autolog(**settings: Any) -> None:
    """Configure this integration alone (``disable=True`` to turn it off)."""
    integration.autolog(**settings)


@trialbook.hookimpl
def trialbook_register_integrations(register: Callable[[Integration], None]) -> None:
    """Register the integration with trialbook."""
    register(integration)
