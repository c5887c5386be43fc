"""Alembic migrations and the fast fresh-database path agree on one schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from trialbook.store.sql import engine as engine_module
from trialbook.store.sql.schema import metadata

MIGRATIONS = Path(engine_module.__file__).parent / "migrations"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        yield request.getfixturevalue("fresh_postgres_uri")


def test_head_revision_constant_matches_the_migrations_folder() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == engine_module.HEAD_REVISION


def test_migrating_an_empty_database_gives_the_declared_schema(empty_url: str) -> None:
    engine = sa.create_engine(empty_url)
    engine_module.upgrade(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []


def test_fresh_database_path_is_stamped_at_head(empty_url: str) -> None:
    engine = engine_module.create_engine(empty_url)
    assert engine_module.current_revision(engine) == engine_module.HEAD_REVISION
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_twice_changes_nothing(empty_url: str) -> None:
    engine = sa.create_engine(empty_url)
    engine_module.upgrade(engine)
    engine_module.upgrade(engine)
    assert engine_module.current_revision(engine) == engine_module.HEAD_REVISION
    engine.dispose()
