"""Bulk inserts for imports and demo data: COPY on PostgreSQL, multi-row INSERT elsewhere.

psycopg parses every large multi-row INSERT again (its statement cache only keeps short
ones), which made 100,000 contacts take over a minute; COPY takes a second. Rows are
dicts with the same keys; ids, when asked for, come back in the order of the rows.
"""
from __future__ import annotations

import sqlalchemy as sa

CHUNK = 10_000


def _is_postgres(db) -> bool:
    """PostgreSQL through psycopg 3 (the core's driver), which offers COPY."""
    dialect = db.get_bind().dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def insert(db, table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` into ``table`` in the session's transaction."""
    if not rows:
        return
    if _is_postgres(db):
        _copy(db, table, rows)
        return
    for start in range(0, len(rows), CHUNK):
        db.execute(sa.insert(table), rows[start:start + CHUNK])


def insert_returning_ids(db, table: sa.Table, rows: list[dict]) -> list[int]:
    """Insert ``rows`` and return their new ids, in order."""
    if not rows:
        return []
    if _is_postgres(db):
        # Ids taken from the table's own sequence first, then written with COPY.
        ids = list(db.scalars(sa.text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
            "FROM generate_series(1, :n)"), {"table": table.name, "n": len(rows)}))
        _copy(db, table, [{**row, "id": new_id} for row, new_id in zip(rows, ids,
                                                                       strict=True)])
        return ids
    ids = []
    for start in range(0, len(rows), 2000):
        ids += db.scalars(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True),
                          rows[start:start + 2000]).all()
    return ids


def _copy(db, table: sa.Table, rows: list[dict]) -> None:
    columns = list(rows[0])
    processors = []
    dialect = db.get_bind().dialect
    for name in columns:
        # Apply the columns' own conversions (e.g. UTC datetimes) as an INSERT would.
        processor = table.c[name].type.bind_processor(dialect)
        processors.append(processor)
    names = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    quoted = dialect.identifier_preparer.format_table(table)
    cursor = db.connection().connection.driver_connection.cursor()
    try:
        with cursor.copy(f"COPY {quoted} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([p(row[c]) if p else row[c]
                                for c, p in zip(columns, processors, strict=True)])
    finally:
        cursor.close()
