"""Contract suites for plugin authors: the tests trialbook's own backends and integrations pass.

:mod:`trialbook.testing.store_contract` checks a store backend, and
:mod:`trialbook.testing.integration_contract` an autologging integration. Subclass the
contract class in a test module and provide the fixture it names. They need pytest.
"""
