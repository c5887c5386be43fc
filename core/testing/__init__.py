"""Test tools for plugin authors and our own CI: the tests trialbook's own code passes.

* :mod:`trialbook.testing.store_contract` checks a store backend,
  :mod:`trialbook.testing.registry_contract` its model registry, and
  :mod:`trialbook.testing.integration_contract` an autologging integration. Subclass the
  contract class in a test module and provide the fixture it names. They need pytest.
* :mod:`trialbook.testing.harm`: a pytest plugin that turns ``trialbook.autolog()`` on for
  any test suite (``pytest -p trialbook.testing.harm``), so a framework's own tests can be
  run with autologging off and on.
* :mod:`trialbook.testing.outcomes`: compares the JUnit XML reports of those two runs and
  names every test whose outcome differs (``python -m trialbook.testing.outcomes off/ on/``).
"""
