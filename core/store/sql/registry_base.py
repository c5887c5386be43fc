"""What the registry's SQL parts share: transactions, lookups, paging and value checks."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from trialbook.errors import (
    InvalidValueError,
    ModelVersionNotFoundError,
    RegisteredModelNotFoundError,
)
from trialbook.registry.entities import PagedList
from trialbook.store.base import decode_page_token, encode_page_token
from trialbook.store.sql import schema
from trialbook.store.sql.engine import retry_locked, time_budget, write_connection
from trialbook.validation import check_key, check_text, tag_value

if TYPE_CHECKING:
    from trialbook.store.sql.store import SqlStore

T = TypeVar("T")
models = schema.registered_models
versions = schema.model_versions
model_tags = schema.registered_model_tags
version_tags = schema.model_version_tags
aliases = schema.registered_model_aliases


def now() -> int:
    """The time in milliseconds since the epoch."""
    return int(time.time() * 1000)


class SqlBase:
    """Transactions, lookups and paging shared by the registry's SQL parts."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.engine = store.engine

    def _write(self, func: Callable[[sa.engine.Connection], T]) -> T:
        def attempt() -> T:
            with write_connection(self.engine) as conn:
                return func(conn)

        return retry_locked(attempt, self.engine.url.database or "")

    def _read(self, func: Callable[[sa.engine.Connection], T]) -> T:
        def attempt() -> T:
            with self.engine.connect() as conn:
                return func(conn)

        return retry_locked(attempt, self.engine.url.database or "")

    @staticmethod
    def _model_id(conn: sa.engine.Connection, name: str) -> int:
        found = conn.execute(sa.select(models.c.model_id).where(models.c.name == name)).first()
        if found is None:
            raise RegisteredModelNotFoundError(name)
        return int(found[0])

    @staticmethod
    def _touch(conn: sa.engine.Connection, model_id: int) -> None:
        conn.execute(
            sa.update(models).where(models.c.model_id == model_id).values(last_update_time=now())
        )

    @staticmethod
    def _insert_model(
        conn: sa.engine.Connection, name: str, tags: Mapping[str, str], description: str
    ) -> int:
        stamp = now()
        result = conn.execute(
            sa.insert(models).values(
                name=name,
                description=description,
                creation_time=stamp,
                last_update_time=stamp,
                last_version=0,
            )
        )
        key = result.inserted_primary_key
        if key is None:  # pragma: no cover - every supported dialect reports it
            raise RegisteredModelNotFoundError(name)
        model_id = int(key[0])
        if tags:
            conn.execute(
                sa.insert(model_tags),
                [{"model_id": model_id, "key": k, "value": v} for k, v in tags.items()],
            )
        return model_id

    def _version_key(self, conn: sa.engine.Connection, name: str, version: int) -> int:
        model_id = self._model_id(conn, name)
        found = conn.execute(
            sa.select(versions.c.version).where(
                versions.c.model_id == model_id, versions.c.version == version
            )
        ).first()
        if found is None:
            raise ModelVersionNotFoundError(name, version)
        return model_id

    def _page(
        self,
        query: sa.Select[Any],
        max_results: int,
        page_token: str | None,
        build: Callable[[sa.engine.Connection, Sequence[Any]], list[T]],
        filter_string: str | None = None,
    ) -> PagedList[T]:
        if isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 1:
            raise InvalidValueError("max_results", max_results, "must be a positive integer")
        offset = decode_page_token(page_token)

        def load(conn: sa.engine.Connection) -> tuple[list[T], bool]:
            with time_budget(conn, filter_string or ""):
                found = list(conn.execute(query.limit(max_results + 1).offset(offset)))
            return build(conn, found[:max_results]), len(found) > max_results

        items, more = self._read(load)
        return PagedList(items, encode_page_token(offset + max_results) if more else None)


def checked_tags(tags: Mapping[str, object] | None) -> dict[str, str]:
    """Tags with valid keys and their values as strings."""
    return {check_key(key): tag_value(key, value) for key, value in (tags or {}).items()}


def text_value(key: str, value: object) -> str:
    """A description: a string (None means empty)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidValueError(key, value, "must be a string")
    return check_text(key, value)
