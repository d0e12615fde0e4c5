"""Fast multi-row writes for ingestion: COPY on PostgreSQL (one round trip however many rows),
a driver-level executemany on SQLite. Same transaction as the SQLAlchemy connection."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.engine import Connection


def insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]], *, replace: bool = False) -> None:
    """Insert ``rows`` (dicts with the same keys). ``replace``: rows whose key exists replace them."""
    if not rows:
        return
    names = list(rows[0])
    columns = [table.c[n] for n in names]
    if conn.dialect.name == "postgresql":
        if replace:
            _delete_keys(conn, table, rows)
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
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    sql = f"{verb} INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn.exec_driver_sql(sql, [tuple(p(r[n]) if p else r[n] for n, p in zip(names, processors)) for r in rows])


def _delete_keys(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: delete the rows about to be copied in again (COPY cannot update)."""
    from sqlalchemy import String, and_, any_, bindparam
    from sqlalchemy.types import ARRAY

    key = [c.name for c in table.primary_key.columns]
    varying, rest = key[-1], key[:-1]  # e.g. record: one statement per entity kind, ids in an array
    groups: dict[tuple, list] = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in rest), []).append(r[varying])
    for fixed, values in groups.items():
        where = [table.c[varying] == any_(bindparam(None, values, type_=ARRAY(String())))]
        where += [table.c[k] == v for k, v in zip(rest, fixed)]
        conn.execute(table.delete().where(and_(*where)))


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
