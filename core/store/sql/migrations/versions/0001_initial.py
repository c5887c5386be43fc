"""Initial schema: experiments, runs, params, tags, metric chunks, latest metrics, batches.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_KEY = sa.String(250)
_VALUE = sa.Float(precision=53)


def _run_fk() -> sa.ForeignKey:
    return sa.ForeignKey("runs.run_id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("experiment_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("artifact_location", sa.Text, nullable=False),
        sa.Column("lifecycle_stage", sa.String(16), nullable=False, server_default="active"),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_update_time", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("experiment_id", name="pk_experiments"),
        sa.UniqueConstraint("name", name="uq_experiments_name"),
    )
    op.create_table(
        "experiment_tags",
        sa.Column("experiment_id", sa.Integer, nullable=False),
        sa.Column("key", _KEY, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name="fk_experiment_tags_experiment_id_experiments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("experiment_id", "key", name="pk_experiment_tags"),
    )
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("experiment_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("start_time", sa.BigInteger, nullable=False),
        sa.Column("end_time", sa.BigInteger, nullable=True),
        sa.Column("heartbeat_time", sa.BigInteger, nullable=True),
        sa.Column("lifecycle_stage", sa.String(16), nullable=False, server_default="active"),
        sa.Column("artifact_uri", sa.Text, nullable=False),
        sa.Column("user_id", sa.String(256), nullable=False, server_default=""),
        sa.Column("parent_run_id", sa.String(32), nullable=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("deleted_time", sa.BigInteger, nullable=True),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name="fk_runs_experiment_id_experiments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", name="pk_runs"),
    )
    op.create_index("ix_runs_experiment_id", "runs", ["experiment_id"])
    op.create_index("ix_runs_parent_run_id", "runs", ["parent_run_id"])
    op.create_index("ix_runs_experiment_id_start_time", "runs", ["experiment_id", "start_time"])
    for table in ("params", "tags"):
        op.create_table(
            table,
            sa.Column("run_id", sa.String(32), nullable=False),
            sa.Column("key", _KEY, nullable=False),
            sa.Column("value", sa.Text, nullable=False),
            sa.ForeignKeyConstraint(
                ["run_id"], ["runs.run_id"], name=f"fk_{table}_run_id_runs", ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("run_id", "key", name=f"pk_{table}"),
        )
    op.create_table(
        "metric_chunks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("key", _KEY, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("first_step", sa.BigInteger, nullable=False),
        sa.Column("last_step", sa.BigInteger, nullable=False),
        sa.Column("steps", sa.LargeBinary, nullable=False),
        sa.Column("values", sa.LargeBinary, nullable=False),
        sa.Column("timestamps", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name="fk_metric_chunks_run_id_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_metric_chunks"),
    )
    op.create_index("ix_metric_chunks_run_id_key", "metric_chunks", ["run_id", "key"])
    op.create_table(
        "latest_metrics",
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("key", _KEY, nullable=False),
        sa.Column("value", _VALUE, nullable=False),
        sa.Column("is_nan", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("min_value", _VALUE, nullable=True),
        sa.Column("max_value", _VALUE, nullable=True),
        sa.Column("count", sa.BigInteger, nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name="fk_latest_metrics_run_id_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "key", name="pk_latest_metrics"),
    )
    op.create_index("ix_latest_metrics_key_value", "latest_metrics", ["key", "value"])
    op.create_table(
        "applied_batches",
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("applied_time", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name="pk_applied_batches"),
    )


def downgrade() -> None:
    for table in (
        "applied_batches",
        "latest_metrics",
        "metric_chunks",
        "tags",
        "params",
        "runs",
        "experiment_tags",
        "experiments",
    ):
        op.drop_table(table)
