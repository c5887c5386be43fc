"""The tracking server's API tokens, under Alembic (servers created the table themselves before).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("server_tokens"):
        return  # Made by a server before this revision, with the same columns: keep its tokens.
    op.create_table(
        "server_tokens",
        sa.Column("token_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("read_only", sa.Boolean, nullable=False),
        sa.Column("created_time", sa.BigInteger, nullable=False),
        sa.Column("revoked_time", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("token_id", name="pk_server_tokens"),
    )


def downgrade() -> None:
    op.drop_table("server_tokens")
