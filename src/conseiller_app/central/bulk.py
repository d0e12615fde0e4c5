"""Fast multi-row writes for ingestion: COPY on PostgreSQL (one round trip however many rows),
a driver-level executemany on SQLite. Same transaction as the SQLAlchemy connection."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.engine import Connection


def insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    names = list(rows[0])
    columns = [table.c[n] for n in names]
    if conn.dialect.name == "postgresql":
        as_json = [isinstance(c.type, JSON) for c in columns]
        cursor = conn.connection.driver_connection.cursor()
        try:
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row([json.dumps(r[n]) if j and r[n] is not None else r[n] for n, j in zip(names, as_json)])
        finally:
            cursor.close()
        return
    processors = [_memo(c.type._cached_bind_processor(conn.dialect), c.type) for c in columns]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn.exec_driver_sql(sql, [tuple(p(r[n]) if p else r[n] for n, p in zip(names, processors)) for r in rows])


def _memo(processor, type_):
    """Timestamps and flags repeat across a bundle's rows: convert each distinct value once."""
    if processor is None or isinstance(type_, JSON):
        return processor
    cache: dict = {}

    def convert(value):
        try:
            return cache[value]
        except KeyError:
            out = cache[value] = processor(value)
            return out
        except TypeError:  # unhashable
            return processor(value)

    return convert
