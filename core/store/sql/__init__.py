"""The SQL tracking store (SQLite and PostgreSQL through SQLAlchemy Core)."""

from __future__ import annotations

from trialbook.store.sql.store import SqlStore

__all__ = ["SqlStore"]
