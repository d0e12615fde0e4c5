"""Fast multi-row reads and writes for ingestion, on the driver's own cursor inside the SQLAlchemy
transaction: no statement compiled, no row object built per row.

Writes: COPY on PostgreSQL (one round trip however many rows), a driver-level executemany on
SQLite. Reads by many keys: one ``= ANY(array)`` parameter on PostgreSQL (one round trip, a query
text that never changes), chunks of ``IN (?, …)`` on SQLite (an in-process call per chunk). The
array goes as the text of an array literal: psycopg adapts a list of 10,000 strings one element
at a time in Python (~60 ms), one string at C speed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Table
from sqlalchemy.engine import Connection

CHUNK = 500  # SQLite parameters per IN list (any SQLite accepts 999)


def is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def cursor(conn: Connection):
    """The DBAPI cursor of the connection's current transaction (close it after use)."""
    return conn.connection.driver_connection.cursor()


def db_time(conn: Connection, value: datetime):
    """A timestamp as the driver stores it in a ``DateTime`` column (SQLite: SQLAlchemy's text form)."""
    processor = DateTime()._cached_bind_processor(conn.dialect)
    return processor(value) if processor else value


def json_value(value):
    """A ``JSON`` column's value as the driver reads it (parsed on PostgreSQL, text on SQLite), parsed."""
    if value is None or not isinstance(value, (str, bytes)):
        return value
    return json.loads(value)


def text_array(values: Sequence[str]) -> str:
    """PostgreSQL's literal of a ``text[]`` holding ``values`` (every element quoted)."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def select_by_ids(conn: Connection, columns: str, table: str, entity: str, ids: Sequence[str],
                  where: str = "") -> list[tuple]:
    """``SELECT columns FROM table WHERE entity = … AND entity_id IN ids [AND where]``, as tuples.
    ``columns``, ``table`` and ``where`` are constant SQL text of the caller, never data."""
    if not ids:
        return []
    cur = cursor(conn)
    try:
        if is_postgresql(conn):
            cur.execute(f"SELECT {columns} FROM {table} WHERE entity = %s AND entity_id = ANY(%s::text[]){where}",
                        (entity, text_array(ids)))
            return cur.fetchall()
        ids = list(ids)
        out: list[tuple] = []
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            cur.execute(f"SELECT {columns} FROM {table} WHERE entity = ? AND entity_id IN "
                        f"({','.join('?' * len(chunk))}){where}", (entity, *chunk))
            out += cur.fetchall()
        return out
    finally:
        cur.close()


def insert_rows(conn: Connection, table: Table, names: Sequence[str], rows: list[tuple], *,
                upsert: Sequence[str] = ()) -> None:
    """Insert ``rows``, tuples of driver-ready values (see :func:`db_time`) for columns ``names``.
    ``upsert``: the key columns; a row whose key exists replaces that row's other columns."""
    if not rows:
        return
    cur = cursor(conn)
    try:
        if is_postgresql(conn):
            if upsert:
                _delete_keys(cur, table, names, rows, upsert)
            with cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
            return
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        if upsert:
            sql += (f" ON CONFLICT ({', '.join(upsert)}) DO UPDATE SET "
                    + ", ".join(f"{n} = excluded.{n}" for n in names if n not in upsert))
        cur.executemany(sql, rows)
    finally:
        cur.close()


def _delete_keys(cur, table: Table, names: Sequence[str], rows: list[tuple], key: Sequence[str]) -> None:
    """PostgreSQL: delete the rows about to be copied in again (COPY cannot update). The last key
    column varies (one array parameter), the others are grouped (e.g. one statement per entity kind)."""
    positions = [names.index(k) for k in key]
    fixed_at, varying_at = positions[:-1], positions[-1]
    groups: dict[tuple, list] = {}
    for r in rows:
        groups.setdefault(tuple(r[i] for i in fixed_at), []).append(r[varying_at])
    where = " AND ".join(f"{k} = %s" for k in key[:-1])
    for fixed, values in groups.items():
        cur.execute(f"DELETE FROM {table.name} WHERE {where + ' AND ' if where else ''}{key[-1]} = ANY(%s::text[])",
                    (*fixed, text_array(values)))


def insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, Python values converted here as SQLAlchemy would)."""
    if not rows:
        return
    names = list(rows[0])
    columns = [table.c[n] for n in names]
    if is_postgresql(conn):
        as_json = [isinstance(c.type, JSON) for c in columns]
        tuples = [tuple(json.dumps(r[n]) if j and r[n] is not None else r[n] for n, j in zip(names, as_json))
                  for r in rows]
    else:
        processors = [_memo(c.type._cached_bind_processor(conn.dialect), c.type) for c in columns]
        tuples = [tuple(p(r[n]) if p else r[n] for n, p in zip(names, processors)) for r in rows]
    insert_rows(conn, table, names, tuples)


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
