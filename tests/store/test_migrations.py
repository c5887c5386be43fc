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


def test_tokens_a_server_made_before_revision_0003_survive_the_upgrade(empty_url: str) -> None:
    # Servers used to create ``server_tokens`` themselves, outside Alembic.
    engine = sa.create_engine(empty_url)
    engine_module.upgrade(engine, "0002")
    own = sa.MetaData()
    table = sa.Table(
        "server_tokens",
        own,
        sa.Column("token_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("read_only", sa.Boolean, nullable=False),
        sa.Column("created_time", sa.BigInteger, nullable=False),
        sa.Column("revoked_time", sa.BigInteger, nullable=True),
    )
    own.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(table).values(
                token_id="t1", name="ci", token_hash="h" * 64, read_only=False, created_time=1
            )
        )
    engine_module.upgrade(engine)
    assert engine_module.current_revision(engine) == engine_module.HEAD_REVISION
    with engine.connect() as conn:
        names = [row.name for row in conn.execute(sa.select(table))]
    engine.dispose()
    assert names == ["ci"]


def test_a_revision_0004_database_upgrades_and_its_runs_take_dataset_inputs(
    empty_url: str, tmp_path: Path
) -> None:
    from trialbook.entities import CONTEXT_TAG, Dataset, DatasetInput, InputTag
    from trialbook.store.sql.store import SqlStore

    engine = sa.create_engine(empty_url)
    engine_module.upgrade(engine, "0004")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO experiments (name, artifact_location, lifecycle_stage, "
                "creation_time, last_update_time) VALUES ('old', '/tmp/old', 'active', 1, 1)"
            )
        )
        experiment_id = conn.execute(sa.text("SELECT experiment_id FROM experiments")).scalar()
        conn.execute(
            sa.text(
                "INSERT INTO runs (run_id, experiment_id, name, status, start_time, "
                "lifecycle_stage, artifact_uri, user_id, description) VALUES "
                "('r0004', :e, 'before', 'FINISHED', 1, 'active', '/tmp/a', '', '')"
            ),
            {"e": experiment_id},
        )
    assert not sa.inspect(engine).has_table("run_inputs")
    engine.dispose()
    store = SqlStore(empty_url, str(tmp_path / "artifacts"))
    try:
        assert engine_module.current_revision(store.engine) == engine_module.HEAD_REVISION
        assert store.get_run("r0004").inputs.dataset_inputs == ()
        item = DatasetInput(Dataset("wine", "abcd"), (InputTag(CONTEXT_TAG, "training"),))
        store.log_inputs("r0004", [item])
        assert store.get_run("r0004").inputs.dataset_inputs == (item,)
        found = store.search_runs([str(experiment_id)], "datasets.digest = 'abcd'").runs
        assert [r.info.run_id for r in found] == ["r0004"]
    finally:
        store.close()


def _packed_column_settings(engine: sa.engine.Engine) -> set[tuple[str, str]]:
    query = sa.text(
        "SELECT attcompression, attstorage FROM pg_attribute WHERE attrelid = "
        "'metric_chunks'::regclass AND attname IN ('steps', 'values', 'timestamps')"
    )
    with engine.connect() as conn:
        return {(str(c), str(s)) for c, s in conn.execute(query)}


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["fresh", "migrated"])
def test_metric_chunks_arrays_skip_pglz_on_postgres(fresh_postgres_uri: str, path: str) -> None:
    if path == "fresh":
        engine = engine_module.create_engine(fresh_postgres_uri)
    else:
        engine = sa.create_engine(fresh_postgres_uri)
        engine_module.upgrade(engine)
    settings = _packed_column_settings(engine)
    engine.dispose()
    # lz4 ('l'), or no compression at all ('e'xternal storage) on a server without lz4.
    assert len(settings) == 1
    assert settings <= {("l", "x"), ("", "e")}
