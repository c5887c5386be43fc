from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

import trialbook
from trialbook.cli.main import cli
from trialbook.store import upgrade_schema
from trialbook.store.sql.engine import HEAD_REVISION, current_revision


def revision_of(db_file: Path) -> str | None:
    engine = sa.create_engine(f"sqlite:///{db_file}")
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def test_db_upgrade_migrates_a_fresh_sqlite_database_to_head(
    runner: CliRunner, tmp_path: Path
) -> None:
    db_file = tmp_path / "fresh" / "runs.db"

    result = runner.invoke(cli, ["db", "upgrade", "--tracking-uri", f"sqlite:///{db_file}"])

    assert result.exit_code == 0, result.output
    assert revision_of(db_file) == HEAD_REVISION
    assert f"to {HEAD_REVISION}" in result.output


def test_db_upgrade_twice_is_idempotent(runner: CliRunner, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'runs.db'}"

    first = runner.invoke(cli, ["db", "upgrade", "--tracking-uri", uri])
    second = runner.invoke(cli, ["db", "upgrade", "--tracking-uri", uri])

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert "nothing to do" in second.output
    assert revision_of(tmp_path / "runs.db") == HEAD_REVISION


def test_db_upgrade_leaves_a_store_trialbook_can_log_to(runner: CliRunner, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'runs.db'}"
    runner.invoke(cli, ["db", "upgrade", "--tracking-uri", uri])
    client = trialbook.TrackingClient(uri)

    experiment_id = client.create_experiment("after-upgrade")

    assert client.get_experiment(experiment_id).name == "after-upgrade"


def test_db_upgrade_uses_the_root_tracking_uri(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "store"

    result = runner.invoke(cli, ["--tracking-uri", str(folder), "db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert revision_of(folder / "trialbook.db") == HEAD_REVISION


def test_db_upgrade_of_a_backend_without_schema_migrations_says_so(runner: CliRunner) -> None:
    # The example memory backend (installed by the test environment) keeps no schema.
    result = runner.invoke(cli, ["db", "upgrade", "--tracking-uri", "memory://no-schema"])

    assert result.exit_code != 0
    assert "memory://no-schema has no schema to upgrade" in result.output
    assert "SchemaMigrations" in result.output


def test_upgrade_schema_reports_the_revisions_before_and_after(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'runs.db'}"

    done = upgrade_schema(uri)

    assert (done.before, done.after) == (None, HEAD_REVISION)
    assert upgrade_schema(uri).before == HEAD_REVISION


def test_db_overviews_builds_those_runs_lack_and_then_has_nothing_to_do(
    runner: CliRunner, tmp_path: Path
) -> None:
    from trialbook.entities import RunStatus
    from trialbook.store.base import Batch, MetricSeries
    from trialbook.store.sql import SqlStore

    uri = f"sqlite:///{tmp_path / 'runs.db'}"
    store = SqlStore(uri, str(tmp_path / "artifacts"))
    experiment = store.create_experiment("old")
    run_ids = [store.create_run(experiment, f"r{i}", 0).info.run_id for i in range(3)]
    steps = list(range(5_000))
    for run_id in run_ids[:2]:  # written as before overviews were built: none
        store.write_batch(Batch(series=[MetricSeries(run_id, "loss", steps, steps, steps)]))
        store.update_run(run_id, status=RunStatus.FINISHED, end_time=1)
    store.delete_experiment(experiment)  # deleted experiments' runs count too
    store.close()

    first = runner.invoke(cli, ["db", "overviews", "--tracking-uri", uri])
    second = runner.invoke(cli, ["db", "overviews", "--tracking-uri", uri])

    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    assert "Built 2 overviews for the 3 runs" in " ".join(first.output.split())
    assert "Built 0 overviews" in second.output
    store = SqlStore(uri, str(tmp_path / "artifacts"))
    try:
        overview = store.get_metric_overviews(run_ids, ["loss"])
        assert all(len(overview[(run_id, "loss")]) < 2_500 for run_id in run_ids[:2])
    finally:
        store.close()
