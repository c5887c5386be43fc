"""trialbook autologging for ``scipy.optimize.minimize`` (an example third-party plugin).

::

    import trialbook, scipy.optimize

    trialbook.autolog()
    scipy.optimize.minimize(lambda x: (x[0] - 3) ** 2, x0=[0.0])   # logged
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import trialbook
from trialbook.autolog import AutologRun, Integration


class MinimizeRun(AutologRun):
    """Logs one ``minimize`` call."""

    def on_start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Log the method and options; chain a callback that logs the objective per iteration."""
        fun = args[0] if args else kwargs["fun"]
        method = kwargs.get("method") or "default"
        self.log_params(
            {
                "method": method,
                **{f"options.{k}": v for k, v in (kwargs.get("options") or {}).items()},
            }
        )
        user_callback = kwargs.get("callback")
        extra = tuple(kwargs.get("args") or ())

        def callback(xk: Any, *rest: Any) -> Any:
            self.log_metrics({"objective": float(fun(xk, *extra))})
            return user_callback(xk, *rest) if user_callback is not None else None

        return args, {**kwargs, "callback": callback}

    def on_success(self, result: Any) -> None:
        """Log the optimum."""
        self.log_metrics({"fun": float(result.fun), "nit": int(getattr(result, "nit", 0))})
        self.set_tags({"success": bool(result.success), "message": str(result.message)})


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
