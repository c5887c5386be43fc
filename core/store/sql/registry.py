"""The model registry in the tracking store's SQL database (SQLite or PostgreSQL).

::

    registry = SqlStore("sqlite:///tb.db", "artifacts").registry
    registry.create_registered_model("fraud")
    registry.create_model_version("fraud", run_id, "model")     # version 1

Version numbers come from a counter on the model's row, incremented in the transaction that
inserts the version: SQLite runs writers one at a time (``BEGIN IMMEDIATE``) and PostgreSQL
holds the row lock of the ``UPDATE`` until commit, so concurrent registrations get distinct,
consecutive numbers. Numbers are never reused after a deletion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from trialbook.errors import (
    ModelAliasNotFoundError,
    RegisteredModelExistsError,
    RegisteredModelNotFoundError,
)
from trialbook.registry.entities import ModelVersion, PagedList, RegisteredModel
from trialbook.registry.names import check_alias, check_name, check_version
from trialbook.store.sql import registry_filters as filters
from trialbook.store.sql import registry_rows as rows
from trialbook.store.sql.registry_base import (
    aliases,
    checked_tags,
    model_tags,
    models,
    now,
    text_value,
    version_tags,
    versions,
)
from trialbook.store.sql.registry_versions import SqlVersions


class SqlRegistry(SqlVersions):
    """The :class:`~trialbook.store.registry.ModelRegistry` of a :class:`SqlStore`."""

    def create_registered_model(
        self, name: str, tags: Mapping[str, str] | None = None, description: str = ""
    ) -> RegisteredModel:
        """Create a model; RegisteredModelExistsError when the name is taken."""
        check_name(name)
        checked = checked_tags(tags)

        text = text_value("description", description)

        def create(conn: sa.engine.Connection) -> None:
            if conn.execute(sa.select(models.c.model_id).where(models.c.name == name)).first():
                raise RegisteredModelExistsError(name)
            self._insert_model(conn, name, checked, text)

        try:
            self._write(create)
        except sa.exc.IntegrityError:
            raise RegisteredModelExistsError(name) from None  # Another process won the race.
        return self.get_registered_model(name)

    def get_registered_model(self, name: str) -> RegisteredModel:
        """The model, or RegisteredModelNotFoundError."""

        def load(conn: sa.engine.Connection) -> list[RegisteredModel]:
            return rows.models(
                conn, list(conn.execute(sa.select(models).where(models.c.name == name)))
            )

        found = self._read(load)
        if not found:
            raise RegisteredModelNotFoundError(name)
        return found[0]

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename a model (its versions and aliases follow)."""
        check_name(new_name, "new_name")

        def rename(conn: sa.engine.Connection) -> None:
            model_id = self._model_id(conn, name)
            if new_name == name:
                return
            taken = conn.execute(sa.select(models.c.model_id).where(models.c.name == new_name))
            if taken.first() is not None:
                raise RegisteredModelExistsError(new_name)
            conn.execute(
                sa.update(models)
                .where(models.c.model_id == model_id)
                .values(name=new_name, last_update_time=now())
            )

        try:
            self._write(rename)
        except sa.exc.IntegrityError:
            raise RegisteredModelExistsError(new_name) from None
        return self.get_registered_model(new_name)

    def update_registered_model(self, name: str, description: str) -> RegisteredModel:
        """Replace a model's description."""
        text = text_value("description", description)

        def update(conn: sa.engine.Connection) -> None:
            model_id = self._model_id(conn, name)
            conn.execute(
                sa.update(models)
                .where(models.c.model_id == model_id)
                .values(description=text, last_update_time=now())
            )

        self._write(update)
        return self.get_registered_model(name)

    def delete_registered_model(self, name: str) -> None:
        """Delete a model with its versions, tags and aliases (never the runs' artifacts)."""

        def delete(conn: sa.engine.Connection) -> None:
            model_id = self._model_id(conn, name)
            for table in (aliases, version_tags, versions, model_tags, models):
                conn.execute(sa.delete(table).where(table.c.model_id == model_id))

        self._write(delete)

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """One page of models matching a filter, by name unless ``order_by`` says otherwise."""
        where = filters.filter_clause(filter_string, filters.MODELS)
        order = [*filters.order_clauses(order_by or [], filters.MODELS), models.c.name.asc()]
        query = sa.select(models).where(where).order_by(*order)
        return self._page(query, max_results, page_token, rows.models, filter_string)

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """Set (or replace) a model tag."""
        checked = checked_tags({key: value})

        def write(conn: sa.engine.Connection) -> None:
            model_id = self._model_id(conn, name)
            table = model_tags
            conn.execute(sa.delete(table).where(table.c.model_id == model_id, table.c.key == key))
            conn.execute(sa.insert(table).values(model_id=model_id, key=key, value=checked[key]))
            self._touch(conn, model_id)

        self._write(write)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Remove a model tag (nothing happens when it is not set)."""

        def delete(conn: sa.engine.Connection) -> None:
            model_id = self._model_id(conn, name)
            table = model_tags
            conn.execute(sa.delete(table).where(table.c.model_id == model_id, table.c.key == key))

        self._write(delete)

    # Aliases -------------------------------------------------------------------------------

    def set_registered_model_alias(self, name: str, alias: str, version: int) -> None:
        """Point ``alias`` at ``version``, moving it from any other version."""
        check_alias(alias)
        number = check_version(version)

        def write(conn: sa.engine.Connection) -> None:
            model_id = self._version_key(conn, name, number)
            where = (aliases.c.model_id == model_id, aliases.c.alias == alias)
            conn.execute(sa.delete(aliases).where(*where))
            conn.execute(sa.insert(aliases).values(model_id=model_id, alias=alias, version=number))
            self._touch(conn, model_id)

        self._write(write)

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        """Remove an alias; ModelAliasNotFoundError when the model has no such alias."""

        def delete(conn: sa.engine.Connection) -> None:
            model_id = self._model_id(conn, name)
            where = (aliases.c.model_id == model_id, aliases.c.alias == alias)
            if conn.execute(sa.delete(aliases).where(*where)).rowcount == 0:
                raise ModelAliasNotFoundError(name, alias)
            self._touch(conn, model_id)

        self._write(delete)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version ``alias`` points at."""

        def find(conn: sa.engine.Connection) -> int:
            model_id = self._model_id(conn, name)
            found = conn.execute(
                sa.select(aliases.c.version).where(
                    aliases.c.model_id == model_id, aliases.c.alias == alias
                )
            ).first()
            if found is None:
                raise ModelAliasNotFoundError(name, alias)
            return int(found[0])

        return self.get_model_version(name, self._read(find))
