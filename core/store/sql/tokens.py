"""The ``server_tokens`` table: the tracking server's API tokens, stored hashed."""

from __future__ import annotations

import sqlalchemy as sa

from trialbook.store.base import TokenRecord
from trialbook.store.sql.schema import server_tokens


def add_token(conn: sa.engine.Connection, record: TokenRecord) -> None:
    """Insert a token."""
    conn.execute(
        sa.insert(server_tokens).values(
            token_id=record.token_id,
            name=record.name,
            token_hash=record.token_hash,
            read_only=record.read_only,
            created_time=record.created_time,
            revoked_time=record.revoked_time,
        )
    )


def list_tokens(conn: sa.engine.Connection, include_revoked: bool) -> list[TokenRecord]:
    """Tokens, oldest first."""
    query = sa.select(server_tokens).order_by(server_tokens.c.created_time)
    if not include_revoked:
        query = query.where(server_tokens.c.revoked_time.is_(None))
    return [
        TokenRecord(
            r.token_id, r.name, r.token_hash, bool(r.read_only), r.created_time, r.revoked_time
        )
        for r in conn.execute(query)
    ]


def revoke_tokens(conn: sa.engine.Connection, token_id_or_name: str, now: int) -> int:
    """Revoke the token with this id (or every token with this name); return how many."""
    table = server_tokens
    result = conn.execute(
        sa.update(table)
        .where(
            sa.or_(table.c.token_id == token_id_or_name, table.c.name == token_id_or_name),
            table.c.revoked_time.is_(None),
        )
        .values(revoked_time=now)
    )
    return int(result.rowcount)
