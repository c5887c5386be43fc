"""Do no harm, proven by scikit-learn's own tests: the CI subset of ``nox -s harm``.

The tests below run scikit-learn's own tests twice in a subprocess, without and with
``-p trialbook.testing.harm`` (autologging on), and fail on any test whose outcome differs.
The subset holds the tests that found harms so far (a renamed delegated method, calls
without routed metadata, a scorer that no longer pickles, user scorers and methods called
again after ``fit``) and a few neighbours, and runs in a few minutes of CPU time;
``nox -s harm`` runs the whole documented selection.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trialbook.testing.outcomes import differences, read_report, summary

pytest.importorskip("sklearn")

pytestmark = [pytest.mark.sklearn, pytest.mark.harm]

CI_SUBSET = (
    "sklearn.tests.test_metaestimators",
    "sklearn.tests.test_metaestimators_metadata_routing::test_metadata_is_routed_correctly_to_scorer",
    "sklearn.tests.test_metaestimators_metadata_routing"
    "::test_setting_request_on_sub_estimator_removes_error",
    "sklearn.tests.test_dummy",
    "sklearn.ensemble.tests.test_stacking",
    "sklearn.ensemble.tests.test_bagging::test_metadata_routing_with_dynamic_method_selection",
    "sklearn.metrics.tests.test_score_objects::test_custom_scorer_pickling",
    "sklearn.model_selection.tests.test_search::test_pickle",
    "sklearn.metrics.tests.test_score_objects::test_multimetric_scorer_calls_method_once",
    "sklearn.linear_model.tests.test_logistic::test_logistic_cv_mock_scorer",
    "sklearn.ensemble._hist_gradient_boosting.tests.test_gradient_boosting"
    "::test_raw_predict_is_called_with_custom_scorer",
    "sklearn.ensemble._hist_gradient_boosting.tests.test_gradient_boosting"
    "::test_early_stopping_with_sample_weights",
)
"""scikit-learn test modules and tests (``--pyargs`` form) compared in every CI run."""


def run_upstream(tests: tuple[str, ...], report: Path, *, autolog: bool) -> None:
    """Run scikit-learn's ``tests`` in a fresh pytest process writing a JUnit XML ``report``."""
    import sklearn

    site = Path(sklearn.__file__).parents[1]
    config = report.parent / "pytest.ini"
    config.write_text("[pytest]\n")  # none of our own pytest settings or conftest apply
    plugin = ["-p", "trialbook.testing.harm"] if autolog else []
    command = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", *plugin,
        "-q", "--timeout=300", f"--rootdir={site}", "-c", str(config), f"--junitxml={report}",
        "--pyargs", *tests,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "TRIALBOOK_"))}
    done = subprocess.run(
        command, cwd=report.parent, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):  # 1: some upstream tests failed, compared below
        pytest.fail(f"pytest exited with {done.returncode}:\n{done.stdout[-3000:]}{done.stderr}")


@pytest.mark.timeout(1200)
def test_scikit_learn_tests_have_the_same_outcomes_with_autolog(tmp_path: Path) -> None:
    run_upstream(CI_SUBSET, tmp_path / "off.xml", autolog=False)
    run_upstream(CI_SUBSET, tmp_path / "on.xml", autolog=True)
    off, on = read_report(tmp_path / "off.xml"), read_report(tmp_path / "on.xml")
    assert off, "no scikit-learn test ran"
    found = differences(off, on)
    details = "\n".join(difference.describe() for difference in found)
    assert not found, f"off: {summary(off.values())}; on: {summary(on.values())}\n{details}"
