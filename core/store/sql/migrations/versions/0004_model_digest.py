"""Model versions pin their model's content digest.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

``model_digest`` is the sha256 of the model's ``trialbook-model.json`` (which lists every
file's sha256) when the version was created. Versions registered before this revision keep
NULL: they are loaded with a warning that nothing was pinned.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("model_versions", sa.Column("model_digest", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_versions") as batch:
        batch.drop_column("model_digest")
