"""Work a scikit-learn call hands to joblib stays part of that call.

A search's candidates, a forest's trees, a cross-validation's folds run in joblib workers
(threads or processes) where the caller's context is not set. While an outermost patched
call runs, each task given to ``joblib.Parallel`` is wrapped in
:class:`~trialbook.autolog.NestedTask`, so the fits inside it are nested and log nothing of
their own. Fits the user runs in threads of their own are independent: each logs a run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from trialbook.autolog import NestedTask, in_patched_call

if TYPE_CHECKING:
    from trialbook.integrations.sklearn.patching import SklearnIntegration


def patch_parallel(integration: SklearnIntegration) -> None:
    """Patch ``joblib.Parallel.__call__`` to carry the outermost patched call into its tasks."""
    import joblib

    original: Callable[[Any, Iterable[Any]], Any] = vars(joblib.Parallel)["__call__"]

    @functools.wraps(original)
    def __call__(self: Any, iterable: Iterable[Any]) -> Any:
        if integration.enabled and in_patched_call():
            iterable = (_nested(task) for task in iterable)
        return original(self, iterable)

    integration.patches.apply(joblib.Parallel, "__call__", __call__)


def _nested(task: Any) -> Any:
    """``(function, args, kwargs)`` as made by ``joblib.delayed``, the function nested."""
    if isinstance(task, tuple) and len(task) == 3 and callable(task[0]):
        function, args, kwargs = task
        return NestedTask(function), args, kwargs
    return task
