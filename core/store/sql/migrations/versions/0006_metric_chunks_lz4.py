"""Metric chunks' packed arrays are compressed with lz4 on PostgreSQL (issue 17).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

pglz, PostgreSQL's default, cost its backend about 2 us of CPU per metric point ingested;
lz4 (or no compression, on a server built without lz4) costs a tenth of that. Chunks written
before keep pglz and read as before. SQLite is unchanged.
"""

from __future__ import annotations

from alembic import op

from trialbook.store.sql.schema import compress_packed_columns_cheaply

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    compress_packed_columns_cheaply(op.get_bind())


def downgrade() -> None:
    """Nothing to undo: the compression of a column is not part of the schema's shape."""
