"""Test tools that ship with trialbook, for our own CI and for plugin authors.

* :mod:`trialbook.testing.harm`: a pytest plugin that turns ``trialbook.autolog()`` on for
  any test suite (``pytest -p trialbook.testing.harm``), so a framework's own tests can be
  run with autologging off and on.
* :mod:`trialbook.testing.outcomes`: compares the JUnit XML reports of those two runs and
  names every test whose outcome differs (``python -m trialbook.testing.outcomes off/ on/``).

Importing this package imports neither pytest nor a framework.
"""
