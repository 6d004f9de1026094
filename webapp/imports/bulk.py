"""Writing many listings and search terms at once, faster than the ORM: COPY on PostgreSQL, plain
executemany and a larger page cache on SQLite. In the session's transaction; nothing commits."""

from __future__ import annotations

import enum
import json
from contextlib import contextmanager

import sqlalchemy as sa

from webapp.extensions import db
from webapp.listings.models import ListingTerm

TERM_COLUMNS = ("kind", "term", "listing_id", "weight")


def insert_listings(table: sa.Table, rows: list[dict]) -> dict[str, int]:
    """Insert new listings; returns their ids by external_id. On PostgreSQL the ids are taken from
    the sequence first and the rows COPYed: a 1,000-row INSERT ... RETURNING spends most of its
    time in the driver parsing 30,000 placeholders."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        returned = connection.execute(
            sa.insert(table).returning(table.c.id, table.c.external_id, sort_by_parameter_order=True), rows
        )
        return {external_id: listing_id for listing_id, external_id in returned}
    ids = (
        connection.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, {len(rows)})"
        )
        .scalars()
        .all()
    )
    columns = list(table.columns)
    raw = connection.connection.driver_connection
    statement = f"COPY {table.name} ({', '.join(c.name for c in columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for listing_id, row in zip(ids, rows, strict=True):
            row["id"] = listing_id
            copy.write_row([_copy_value(c, row.get(c.name)) for c in columns])
    return {row["external_id"]: row["id"] for row in rows}


def _copy_value(column: sa.Column, value):
    """A Python value as COPY takes it: enums by their stored value, JSON as text."""
    if value is None:
        return None
    if isinstance(column.type, sa.JSON):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def write_terms(rows: list[tuple]) -> None:
    """Bulk-write search terms in the session's transaction: COPY on PostgreSQL, a plain
    executemany on SQLite. Both skip SQLAlchemy's per-row parameter handling, which costs more
    than the database's own work at some 60 terms per listing."""
    connection = db.session.connection()
    table = ListingTerm.__tablename__
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(TERM_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elif connection.dialect.paramstyle == "qmark":
        connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(TERM_COLUMNS)}) VALUES (?, ?, ?, ?)", rows)
    else:
        connection.execute(sa.insert(ListingTerm.__table__), [dict(zip(TERM_COLUMNS, r, strict=True)) for r in rows])


@contextmanager
def sqlite_cache(kib: int = 131072):
    """A larger page cache while importing into SQLite: a batch's index pages (terms are spread over
    the whole vocabulary) then stay in memory until the commit instead of being spilled and re-read.
    Set again for every batch (a commit may hand the session another pooled connection) and put
    back to SQLite's default at the end."""
    if db.session.connection().dialect.name != "sqlite":
        yield lambda: None
        return

    def enlarge() -> None:
        db.session.connection().exec_driver_sql(f"PRAGMA cache_size=-{kib}")

    try:
        yield enlarge
    finally:
        db.session.connection().exec_driver_sql("PRAGMA cache_size=-2000")
