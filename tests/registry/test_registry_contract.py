"""The registry contract (:mod:`trialbook.testing.registry_contract`) on SQLite, PostgreSQL and
through a tracking server (the ``tracking_uri`` fixture of conftest.py)."""

from __future__ import annotations

from trialbook.testing.registry_contract import RegistryContract


class TestRegistryContract(RegistryContract):
    """Every backend of conftest's ``tracking_uri``."""
