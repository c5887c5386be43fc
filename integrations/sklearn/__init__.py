"""scikit-learn autologging: every outermost ``fit`` becomes a run.

::

    import trialbook

    trialbook.autolog()                   # every integration; or only this one, with settings:
    trialbook.integrations.sklearn.autolog(log_input_examples=True, max_tuning_runs=3)

    model = LogisticRegression().fit(X_train, y_train)     # a run: params, metrics, model
    accuracy_score(y_test, model.predict(X_test))          # logged into that run

What is logged, and under which names:

* params: ``get_params(deep=True)`` (:mod:`.params`); searches add ``best_<name>``;
* tags: ``estimator_name``, ``estimator_class``; ``trialbook.autolog.truncated_params``
  when a value was cut to trialbook's limit;
* metrics: ``training_*`` after training, only where the predictions they need are known
  pure and cheap (:mod:`.policy`; else the tag ``trialbook.autolog.skipped_training_metrics``
  says why); ``best_score`` for searches; ``eval_score`` and ``eval_<metric function>`` after
  training (:mod:`.evaluation`);
* artifacts: ``model/`` (flavor ``sklearn``), ``estimator.html``,
  ``training_confusion_matrix.json`` (classifiers), ``cv_results.csv`` and
  ``best_estimator/`` (searches), ``model/input_example.json`` (``log_input_examples``);
* child runs for the best candidates of searches (:mod:`.search`);
* one run per cross-validation helper call, folds as child runs (:mod:`.crossval`).

Settings besides the common ones: ``log_training_metrics`` (default True),
``log_post_training_metrics`` (default True), ``pure_estimators`` (classes of yours whose
predictions may be made for training metrics; default none) and ``log_fold_runs`` (default
True).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trialbook.integrations.sklearn.flavor import SklearnFlavor
from trialbook.integrations.sklearn.patching import SklearnIntegration
from trialbook.plugins.hookspecs import hookimpl

if TYPE_CHECKING:
    from trialbook.autolog.integration import Integration
    from trialbook.models.flavor import ModelFlavor

integration = SklearnIntegration()
"""The process's scikit-learn integration."""


def autolog(**settings: Any) -> None:
    """Configure scikit-learn autologging; these settings win over ``trialbook.autolog()``'s.

    Args:
        **settings: Any setting of ``trialbook.autolog`` (``disable``, ``log_models``,
            ``log_input_examples``, ``exclusive``, ``silent``, ``max_tuning_runs``, ``strict``),
            plus ``log_training_metrics``, ``log_post_training_metrics``,
            ``pure_estimators`` and ``log_fold_runs``.
    """
    integration.autolog(**settings)


@hookimpl
def trialbook_register_integrations(register: Callable[[Integration], None]) -> None:
    """Register the scikit-learn integration."""
    register(integration)


@hookimpl
def trialbook_register_model_flavors(register: Callable[[ModelFlavor], None]) -> None:
    """Register the ``sklearn`` model flavor."""
    register(SklearnFlavor())


__all__ = ["SklearnFlavor", "SklearnIntegration", "autolog", "integration"]
