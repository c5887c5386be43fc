"""Model versions and their tags in SQL (see :mod:`trialbook.store.sql.registry`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from trialbook.errors import (
    ModelVersionNotFoundError,
    RegisteredModelNotFoundError,
)
from trialbook.registry.entities import ModelVersion, PagedList
from trialbook.registry.names import check_name, check_version, logged_model_source
from trialbook.store.sql import registry_filters as filters
from trialbook.store.sql import registry_rows as rows
from trialbook.store.sql.registry_base import (
    SqlBase,
    aliases,
    checked_tags,
    models,
    now,
    text_value,
    version_tags,
    versions,
)


class SqlVersions(SqlBase):
    """Create, read, update, delete, search and tag model versions."""

    def create_model_version(
        self,
        name: str,
        run_id: str,
        artifact_path: str,
        tags: Mapping[str, str] | None = None,
        description: str = "",
        create_model: bool = False,
    ) -> ModelVersion:
        """The next version of ``name``, pointing at the model logged at the run's path.

        With ``create_model``, a missing registered model is created in the same transaction.
        """
        check_name(name)
        path, digest = logged_model_source(self.store.get_run(run_id), artifact_path)
        checked = checked_tags(tags)
        text = text_value("description", description)

        def create(conn: sa.engine.Connection) -> int:
            found = conn.execute(sa.select(models.c.model_id).where(models.c.name == name))
            row = found.first()
            if row is not None:
                model_id = int(row[0])
            elif create_model:
                model_id = self._insert_model(conn, name, {}, "")
            else:
                raise RegisteredModelNotFoundError(name)
            stamp = now()
            conn.execute(  # Locks the model's row until commit (PostgreSQL).
                sa.update(models)
                .where(models.c.model_id == model_id)
                .values(last_version=models.c.last_version + 1, last_update_time=stamp)
            )
            version = int(
                conn.execute(
                    sa.select(models.c.last_version).where(models.c.model_id == model_id)
                ).scalar_one()
            )
            conn.execute(
                sa.insert(versions).values(
                    model_id=model_id,
                    version=version,
                    run_id=run_id,
                    artifact_path=path,
                    description=text,
                    creation_time=stamp,
                    last_update_time=stamp,
                    model_digest=digest,
                )
            )
            if checked:
                conn.execute(
                    sa.insert(version_tags),
                    [
                        {"model_id": model_id, "version": version, "key": k, "value": v}
                        for k, v in checked.items()
                    ],
                )
            return version

        try:
            version = self._write(create)
        except sa.exc.IntegrityError:
            if not create_model:
                raise
            version = self._write(create)  # Another process created the model meanwhile.
        return self.get_model_version(name, version)

    def model_folders(self, run_id: str) -> list[str]:
        """The artifact folders of ``run_id`` that registered versions point at (write-once)."""
        query = sa.select(versions.c.artifact_path).where(versions.c.run_id == run_id).distinct()
        return self._read(lambda conn: [str(row[0]) for row in conn.execute(query)])

    def get_model_version(self, name: str, version: int) -> ModelVersion:
        """The version, or ModelVersionNotFoundError."""
        number = check_version(version)

        def load(conn: sa.engine.Connection) -> list[ModelVersion]:
            query = rows.version_select().where(models.c.name == name, versions.c.version == number)
            return rows.versions(conn, list(conn.execute(query)))

        found = self._read(load)
        if not found:
            self._read(lambda conn: self._model_id(conn, name))
            raise ModelVersionNotFoundError(name, number)
        return found[0]

    def update_model_version(self, name: str, version: int, description: str) -> ModelVersion:
        """Replace a version's description."""
        number = check_version(version)
        text = text_value("description", description)

        def update(conn: sa.engine.Connection) -> None:
            model_id = self._version_key(conn, name, number)
            conn.execute(
                sa.update(versions)
                .where(versions.c.model_id == model_id, versions.c.version == number)
                .values(description=text, last_update_time=now())
            )

        self._write(update)
        return self.get_model_version(name, number)

    def delete_model_version(self, name: str, version: int) -> None:
        """Delete a version and the aliases pointing at it (never the run's artifacts)."""
        number = check_version(version)

        def delete(conn: sa.engine.Connection) -> None:
            model_id = self._version_key(conn, name, number)
            for table in (aliases, version_tags, versions):
                conn.execute(
                    sa.delete(table).where(table.c.model_id == model_id, table.c.version == number)
                )
            self._touch(conn, model_id)

        self._write(delete)

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        """One page of versions matching a filter, by name then newest version first."""
        where = filters.filter_clause(filter_string, filters.VERSIONS)
        order = [
            *filters.order_clauses(order_by or [], filters.VERSIONS),
            models.c.name.asc(),
            versions.c.version.desc(),
        ]
        query = rows.version_select().where(where).order_by(*order)
        return self._page(query, max_results, page_token, rows.versions, filter_string)

    def set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        """Set (or replace) a version tag."""
        number = check_version(version)
        checked = checked_tags({key: value})

        def write(conn: sa.engine.Connection) -> None:
            model_id = self._version_key(conn, name, number)
            table = version_tags
            where = (table.c.model_id == model_id, table.c.version == number, table.c.key == key)
            conn.execute(sa.delete(table).where(*where))
            conn.execute(
                sa.insert(table).values(
                    model_id=model_id, version=number, key=key, value=checked[key]
                )
            )

        self._write(write)

    def delete_model_version_tag(self, name: str, version: int, key: str) -> None:
        """Remove a version tag (nothing happens when it is not set)."""
        number = check_version(version)

        def delete(conn: sa.engine.Connection) -> None:
            model_id = self._version_key(conn, name, number)
            table = version_tags
            where = (table.c.model_id == model_id, table.c.version == number, table.c.key == key)
            conn.execute(sa.delete(table).where(*where))

        self._write(delete)
