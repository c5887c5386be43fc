"""The store contract suite runs against every backend: SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from trialbook.store.sql import SqlStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A fresh, empty store of each backend."""
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path / 'contract.db'}"
    else:
        uri = request.getfixturevalue("fresh_postgres_uri")
    store = SqlStore(uri, str(tmp_path / "artifacts"))
    yield store
    store.close()
