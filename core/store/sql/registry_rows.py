"""Reading registry rows into entities: one query per table, whatever the page size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from trialbook.registry.entities import ModelVersion, RegisteredModel
from trialbook.store.sql import schema


def models(conn: sa.engine.Connection, rows: Sequence[Any]) -> list[RegisteredModel]:
    """Registered models from ``registered_models`` rows, with tags, aliases, latest version."""
    ids = [row.model_id for row in rows]
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    aliases: dict[int, dict[str, int]] = {i: {} for i in ids}
    latest: dict[int, int] = {}
    if ids:
        tag_table = schema.registered_model_tags
        for tag in conn.execute(sa.select(tag_table).where(tag_table.c.model_id.in_(ids))):
            tags[tag.model_id][tag.key] = tag.value
        alias_table = schema.registered_model_aliases
        found = conn.execute(
            sa.select(alias_table)
            .where(alias_table.c.model_id.in_(ids))
            .order_by(alias_table.c.alias)
        )
        for alias in found:
            aliases[alias.model_id][alias.alias] = alias.version
        versions = schema.model_versions
        maxima = conn.execute(
            sa.select(versions.c.model_id, sa.func.max(versions.c.version))
            .where(versions.c.model_id.in_(ids))
            .group_by(versions.c.model_id)
        )
        latest = {model_id: int(version) for model_id, version in maxima}
    return [
        RegisteredModel(
            name=row.name,
            creation_timestamp=row.creation_time,
            last_updated_timestamp=row.last_update_time,
            description=row.description,
            tags=tags[row.model_id],
            aliases=aliases[row.model_id],
            latest_version=latest.get(row.model_id),
        )
        for row in rows
    ]


def versions(conn: sa.engine.Connection, rows: Sequence[Any]) -> list[ModelVersion]:
    """Model versions from rows of ``model_versions`` joined with the model's ``name``."""
    keys = {(row.model_id, row.version) for row in rows}
    ids = sorted({model_id for model_id, _ in keys})
    tags: dict[tuple[int, int], dict[str, str]] = {key: {} for key in keys}
    aliases: dict[tuple[int, int], list[str]] = {key: [] for key in keys}
    if ids:
        tag_table = schema.model_version_tags
        for tag in conn.execute(sa.select(tag_table).where(tag_table.c.model_id.in_(ids))):
            if (tag.model_id, tag.version) in keys:
                tags[tag.model_id, tag.version][tag.key] = tag.value
        alias_table = schema.registered_model_aliases
        found = conn.execute(
            sa.select(alias_table)
            .where(alias_table.c.model_id.in_(ids))
            .order_by(alias_table.c.alias)
        )
        for alias in found:
            if (alias.model_id, alias.version) in keys:
                aliases[alias.model_id, alias.version].append(alias.alias)
    return [
        ModelVersion(
            name=row.name,
            version=row.version,
            creation_timestamp=row.creation_time,
            last_updated_timestamp=row.last_update_time,
            run_id=row.run_id,
            artifact_path=row.artifact_path,
            description=row.description,
            tags=tags[row.model_id, row.version],
            aliases=tuple(aliases[row.model_id, row.version]),
            model_digest=row.model_digest,
        )
        for row in rows
    ]


def version_select() -> sa.Select[Any]:
    """``model_versions`` rows with the name of their model."""
    versions = schema.model_versions
    models = schema.registered_models
    return sa.select(versions, models.c.name).join(models, models.c.model_id == versions.c.model_id)
