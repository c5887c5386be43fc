"""The store contract (:mod:`trialbook.testing.store_contract`) against the built-in backends:
SQLite, PostgreSQL and the REST client (the ``store`` fixture of ``conftest.py``)."""

from __future__ import annotations

from trialbook.testing.store_contract import StoreContract


class TestBuiltinStores(StoreContract):
    """Every test of the contract, once per built-in backend."""
