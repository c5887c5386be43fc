"""A store created before the registry existed (revision 0001) is upgraded on first use."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from trialbook.store.sql import engine as engine_module

REGISTRY_TABLES = {
    "registered_models",
    "registered_model_tags",
    "registered_model_aliases",
    "model_versions",
    "model_version_tags",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database at revision 0001 holding one experiment."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_uri")
    engine = sa.create_engine(url)
    engine_module.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO experiments (name, artifact_location, lifecycle_stage, "
                "creation_time, last_update_time) VALUES ('old', '/tmp/a', 'active', 1, 1)"
            )
        )
    engine.dispose()
    return url


def test_a_revision_0001_store_is_upgraded_to_the_registry_schema(old_database: str) -> None:
    from trialbook.store.sql import SqlStore

    store = SqlStore(old_database, "/tmp/artifacts")
    try:
        assert engine_module.current_revision(store.engine) == engine_module.HEAD_REVISION
        assert set(sa.inspect(store.engine).get_table_names()) >= REGISTRY_TABLES
        assert store.get_experiment_by_name("old") is not None
        assert store.registry.create_registered_model("fraud").name == "fraud"
    finally:
        store.close()


def test_the_registry_migration_downgrades_cleanly(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    engine_module.upgrade(engine)
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(Path(engine_module.__file__).parent / "migrations")
    )
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
        conn.commit()
    assert engine_module.current_revision(engine) == "0001"
    assert not REGISTRY_TABLES & set(sa.inspect(engine).get_table_names())
    engine.dispose()
