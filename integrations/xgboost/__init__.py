"""XGBoost tracking: autologging, a training callback, and the ``xgboost`` model flavor.

::

    import trialbook

    trialbook.autolog()            # xgboost.train, xgboost.cv, XGBClassifier.fit, ...
    booster = xgboost.train(params, dtrain, 100, evals=[(dvalid, "eval")])

    # or explicitly, with XGBoost's callback API:
    from trialbook.integrations.xgboost import TrialbookCallback
    booster = xgboost.train(params, dtrain, 100, evals=[(dvalid, "eval")],
                            callbacks=[TrialbookCallback()])

Importing this package does not import xgboost; ``TrialbookCallback`` (a real
``xgboost.callback.TrainingCallback``) is created on first access.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trialbook.integrations.xgboost.flavor import XGBoostFlavor
from trialbook.integrations.xgboost.patching import XGBoostIntegration
from trialbook.plugins.hookspecs import hookimpl

if TYPE_CHECKING:
    from trialbook.autolog.integration import Integration
    from trialbook.integrations.xgboost.callback import TrialbookCallback
    from trialbook.models.flavor import ModelFlavor

__all__ = ["TrialbookCallback", "XGBoostFlavor", "XGBoostIntegration", "autolog", "integration"]

integration = XGBoostIntegration()
"""The XGBoost integration registered with trialbook's plugin manager."""


def autolog(
    *,
    disable: bool = False,
    log_models: bool | None = None,
    log_feature_importance: bool | None = None,
    exclusive: bool | None = None,
    silent: bool | None = None,
    **settings: Any,
) -> None:
    """Autolog XGBoost alone, or change its settings (they win over ``trialbook.autolog()``'s).

    Args:
        disable: Undo the patches.
        log_models: Log the trained model (``None``: the global setting).
        log_feature_importance: Log ``feature_importance_<type>.json`` (default True).
        exclusive: Log only into runs autolog starts, never into the user's active run.
        silent: No autologging warnings.
        **settings: Other :class:`~trialbook.autolog.config.AutologConfig` settings.
    """
    given = {
        "log_models": log_models,
        "log_feature_importance": log_feature_importance,
        "exclusive": exclusive,
        "silent": silent,
    }
    integration.autolog(
        disable=disable, **{k: v for k, v in given.items() if v is not None}, **settings
    )


@hookimpl
def trialbook_register_integrations(register: Callable[[Integration], None]) -> None:
    """Register the XGBoost autologging integration."""
    register(integration)


@hookimpl
def trialbook_register_model_flavors(register: Callable[[ModelFlavor], None]) -> None:
    """Register the ``xgboost`` model flavor."""
    register(XGBoostFlavor())


def __getattr__(name: str) -> Any:
    """Create ``TrialbookCallback`` (which imports xgboost) on first access."""
    if name == "TrialbookCallback":
        from trialbook.integrations.xgboost.callback import TrialbookCallback

        return TrialbookCallback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
