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


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def database_at(request: pytest.FixtureRequest, tmp_path: Path, revision: str, *rows: str) -> str:
    """A database of the fixture's backend at ``revision``, holding ``rows`` (INSERTs)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_uri")
    engine = sa.create_engine(url)
    engine_module.upgrade(engine, revision)
    with engine.begin() as conn:
        for row in rows:
            conn.execute(sa.text(row))
    engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database at revision 0001 holding one experiment."""
    return database_at(
        request,
        tmp_path,
        "0001",
        "INSERT INTO experiments (name, artifact_location, lifecycle_stage, "
        "creation_time, last_update_time) VALUES ('old', '/tmp/a', 'active', 1, 1)",
    )


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


@pytest.fixture(params=BACKENDS)
def database_at_0002(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database at revision 0002 holding a model version, registered before digests."""
    return database_at(
        request,
        tmp_path,
        "0002",
        "INSERT INTO registered_models (name, description, creation_time, "
        "last_update_time, last_version) VALUES ('fraud', '', 1, 1, 1)",
        "INSERT INTO model_versions (model_id, version, run_id, artifact_path, "
        "description, creation_time, last_update_time) VALUES (1, 1, 'r1', 'model', '', 1, 1)",
    )


def test_versions_registered_before_0004_have_no_pinned_digest(database_at_0002: str) -> None:
    from trialbook.store.sql import SqlStore

    store = SqlStore(database_at_0002, "/tmp/artifacts")
    try:
        assert engine_module.current_revision(store.engine) == engine_module.HEAD_REVISION
        version = store.registry.get_model_version("fraud", 1)
        assert (version.run_id, version.model_digest) == ("r1", None)
    finally:
        store.close()


def test_the_digest_migration_downgrades_to_0003(database_at_0002: str) -> None:
    from alembic import command
    from alembic.config import Config

    engine = sa.create_engine(database_at_0002)
    engine_module.upgrade(engine)
    config = Config()
    config.set_main_option(
        "script_location", str(Path(engine_module.__file__).parent / "migrations")
    )
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
        conn.commit()
    columns = {c["name"] for c in sa.inspect(engine).get_columns("model_versions")}
    assert "model_digest" not in columns
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT run_id FROM model_versions")).scalar_one() == "r1"
    engine.dispose()
