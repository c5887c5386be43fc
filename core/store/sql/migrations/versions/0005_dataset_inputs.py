"""Datasets runs used, and the link of each run to its datasets (``trialbook.log_input``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

``datasets`` holds one row per distinct (name, digest) with its source, schema and profile
(never the data); ``run_inputs`` links runs to datasets with a context such as ``training``.
Databases from before this revision simply have no inputs on their runs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("dataset_id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("source_type", sa.String(64), nullable=False, server_default=""),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("schema", sa.Text, nullable=False, server_default=""),
        sa.Column("profile", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("dataset_id", name="pk_datasets"),
        sa.UniqueConstraint("name", "digest", name="uq_datasets_name_digest"),
    )
    op.create_index("ix_datasets_digest", "datasets", ["digest"])
    op.create_table(
        "run_inputs",
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("context", sa.String(250), nullable=False),
        sa.Column("tags", sa.Text, nullable=False, server_default="{}"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name="fk_run_inputs_run_id_runs", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.dataset_id"],
            name="fk_run_inputs_dataset_id_datasets",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "dataset_id", "context", name="pk_run_inputs"),
    )
    op.create_index("ix_run_inputs_dataset_id", "run_inputs", ["dataset_id"])


def downgrade() -> None:
    op.drop_table("run_inputs")
    op.drop_table("datasets")
