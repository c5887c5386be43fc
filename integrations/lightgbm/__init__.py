"""LightGBM tracking: autologging, a training callback, and the ``lightgbm`` model flavor.

::

    import trialbook

    trialbook.autolog()            # lightgbm.train, lightgbm.cv, LGBMClassifier.fit, ...
    booster = lightgbm.train(params, dtrain, 100, valid_sets=[dvalid])

    # or explicitly, with LightGBM's callback API (params and per-iteration metrics):
    from trialbook.integrations.lightgbm import TrialbookCallback
    booster = lightgbm.train(params, dtrain, 100, valid_sets=[dvalid],
                             callbacks=[TrialbookCallback()])

Importing this package does not import lightgbm. Supported: lightgbm 4.x.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trialbook.integrations.lightgbm.callback import TrialbookCallback
from trialbook.integrations.lightgbm.flavor import LightGBMFlavor
from trialbook.integrations.lightgbm.patching import LightGBMIntegration
from trialbook.plugins.hookspecs import hookimpl

if TYPE_CHECKING:
    from trialbook.autolog.integration import Integration
    from trialbook.models.flavor import ModelFlavor

__all__ = ["LightGBMFlavor", "LightGBMIntegration", "TrialbookCallback", "autolog", "integration"]

integration = LightGBMIntegration()
"""The LightGBM integration registered with trialbook's plugin manager."""


def autolog(
    *,
    disable: bool = False,
    log_models: bool | None = None,
    log_feature_importance: bool | None = None,
    exclusive: bool | None = None,
    silent: bool | None = None,
    **settings: Any,
) -> None:
    """Autolog LightGBM alone, or change its settings (they win over ``trialbook.autolog()``'s).

    Each call replaces the previous call's settings; one it does not name is
    ``trialbook.autolog()``'s, or the default.

    Args:
        disable: Undo the patches.
        log_models: Log the trained model (``None``: the global setting).
        log_feature_importance: Log ``feature_importance_<split|gain>.json`` (default True).
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
    """Register the LightGBM autologging integration."""
    register(integration)


@hookimpl
def trialbook_register_model_flavors(register: Callable[[ModelFlavor], None]) -> None:
    """Register the ``lightgbm`` model flavor."""
    register(LightGBMFlavor())
