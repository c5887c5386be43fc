"""Overviews of long metric chunks, so charts of many runs do not read every point.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

``metric_overviews`` holds, for stretches of a run's metric (a range of its chunks) of more
than ``2 * OVERVIEW_BUCKETS`` points, the points that keep each step-bucket's lowest and
highest value. Chunks written before this revision have none: they are read whole, as
before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_overviews",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("first_chunk_id", sa.BigInteger, nullable=False),
        sa.Column("last_chunk_id", sa.BigInteger, nullable=False),
        sa.Column("steps", sa.LargeBinary, nullable=False),
        sa.Column("values", sa.LargeBinary, nullable=False),
        sa.Column("timestamps", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name="fk_metric_overviews_run_id_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_metric_overviews"),
    )
    op.create_index("ix_metric_overviews_run_id_key", "metric_overviews", ["run_id", "key"])


def downgrade() -> None:
    op.drop_table("metric_overviews")
