"""Selecting rows by many ids with one bound value, and reading them without SQLAlchemy's rows.

::

    query = sa.select(runs.c.name).where(id_in(runs.c.run_id, ids, dialect))   # SQLAlchemy Core
    rows = fetch(conn, f"SELECT j.pos, p.key FROM {positions(dialect)} JOIN params AS p "
                       "ON p.run_id = j.run_id", [bind_ids(ids, dialect)])
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa


def id_in(column: sa.ColumnElement[str], ids: list[str], dialect: str) -> sa.ColumnElement[bool]:
    """``column IN ids`` with the ids as one bound value, however many there are.

    SQLAlchemy's ``in_`` renders one bound parameter per id at every execution (some 20 ms
    for a page of 1,000 runs); one JSON text (SQLite's ``json_each``) or one array
    (PostgreSQL's ``= ANY``) costs next to nothing.
    """
    if dialect == "postgresql":
        # Imported here: SQLite stores (every local one) need none of PostgreSQL's dialect.
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.literal(ids, ARRAY(sa.String)))
    if dialect == "sqlite":
        each = sa.func.json_each(sa.literal(json.dumps(ids))).table_valued("value")
        return column.in_(sa.select(each.c.value))
    return column.in_(ids)


def positions(dialect: str) -> str:
    """A table ``j(run_id, pos)`` of the ids bound first (see :func:`bind_ids`), ``pos``
    counting from 0 in their order."""
    if dialect == "postgresql":
        return "(SELECT run_id, pos - 1 AS pos FROM unnest(%s::text[]) WITH ORDINALITY AS t(run_id, pos)) AS j"
    return "(SELECT value AS run_id, key AS pos FROM json_each(?)) AS j"


def bind_ids(ids: list[str], dialect: str) -> Any:
    """The ids as the one value :func:`positions` binds."""
    return ids if dialect == "postgresql" else json.dumps(ids)


def fetch(conn: sa.engine.Connection, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Every row of ``sql`` (in the driver's parameter style) as plain tuples.

    The driver's own cursor, without SQLAlchemy's result rows: a page of 1,000 runs reads
    some 21,000 rows, where those cost more than the query. Driver errors become
    SQLAlchemy's, as from ``conn.execute``, so callers handle both alike.
    """
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()  # type: ignore[no-any-return]
    except conn.dialect.loaded_dbapi.Error as err:
        raise sa.exc.DBAPIError.instance(
            sql, params, err, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
        ) from err
    finally:
        cursor.close()
