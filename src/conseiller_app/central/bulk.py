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
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Table
from sqlalchemy.engine import Connection

CHUNK = 500  # SQLite parameters per IN list (any SQLite accepts 999)


def is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def cursor(conn: Connection) -> Any:
    """The DBAPI cursor of the connection's current transaction (close it after use)."""
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # open while in use


def db_time(conn: Connection, value: datetime) -> Any:
    """A timestamp as the driver stores it in a ``DateTime`` column (SQLite: SQLAlchemy's text form)."""
    processor = DateTime()._cached_bind_processor(conn.dialect)
    return processor(value) if processor else value


def json_value(value: Any) -> Any:
    """A ``JSON`` column's value as the driver reads it (parsed on PostgreSQL, text on SQLite), parsed."""
    if value is None or not isinstance(value, (str, bytes)):
        return value
    return json.loads(value)


def text_array(values: Sequence[str]) -> str:
    """PostgreSQL's literal of a ``text[]`` holding ``values`` (every element quoted)."""
    plain = "\x00".join(values)
    if '"' not in plain and "\\" not in plain:  # ids as devices make them: nothing to escape
        return '{"' + '","'.join(values) + '"}' if values else "{}"
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def select_by_ids(conn: Connection, columns: str, table: str, entity: str, ids: Sequence[str],
                  where: str = "") -> list[tuple[Any, ...]]:
    """``SELECT columns FROM table WHERE entity = … AND entity_id IN ids [AND where]``, as tuples.
    ``columns``, ``table`` and ``where`` are constant SQL text of the caller, never data."""
    if not ids:
        return []
    cur = cursor(conn)
    try:
        if is_postgresql(conn):
            cur.execute(f"SELECT {columns} FROM {table} WHERE entity = %s AND entity_id = ANY(%s::text[]){where}",
                        (entity, text_array(ids)))
            rows: list[tuple[Any, ...]] = cur.fetchall()
            return rows
        ids = list(ids)
        out: list[tuple[Any, ...]] = []
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            cur.execute(f"SELECT {columns} FROM {table} WHERE entity = ? AND entity_id IN "
                        f"({','.join('?' * len(chunk))}){where}", (entity, *chunk))
            out += cur.fetchall()
        return out
    finally:
        cur.close()


def insert_rows(conn: Connection, table: Table, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows``, tuples of driver-ready values (see :func:`db_time`) for columns ``names``."""
    if not rows:
        return
    cur = cursor(conn)
    try:
        if is_postgresql(conn):
            with cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            cur.executemany(
                f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", rows
            )
    finally:
        cur.close()


def update_rows(
    conn: Connection, table: Table, names: Sequence[str], rows: list[tuple[Any, ...]], key: Sequence[str]
) -> None:
    """Rewrite existing rows whole: each of ``rows`` (as for :func:`insert_rows`) replaces the row
    with the same ``key`` columns.

    PostgreSQL: delete them (one statement per value of the key's first columns, the last one in
    an array), then COPY them in again; an ``UPDATE … FROM`` a JSON document of the rows measured
    slower (each new version of a row is a new index entry either way). SQLite: an executemany."""
    if not rows:
        return
    if not is_postgresql(conn):
        rest = [n for n in names if n not in key]
        at = [names.index(n) for n in (*rest, *key)]
        cur = cursor(conn)
        try:
            cur.executemany(f"UPDATE {table.name} SET {', '.join(f'{n} = ?' for n in rest)} "
                            f"WHERE {' AND '.join(f'{k} = ?' for k in key)}", [tuple(r[i] for i in at) for r in rows])
        finally:
            cur.close()
        return
    fixed_at, varying_at = [names.index(k) for k in key[:-1]], names.index(key[-1])
    groups: dict[tuple[Any, ...], list[str]] = {}
    for r in rows:
        groups.setdefault(tuple(r[i] for i in fixed_at), []).append(r[varying_at])
    where = "".join(f"{k} = %s AND " for k in key[:-1])
    cur = cursor(conn)
    try:
        for fixed, values in groups.items():
            cur.execute(
                f"DELETE FROM {table.name} WHERE {where}{key[-1]} = ANY(%s::text[])", (*fixed, text_array(values))
            )
    finally:
        cur.close()
    insert_rows(conn, table, names, rows)


def insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, Python values converted here as SQLAlchemy would)."""
    if not rows:
        return
    names = list(rows[0])
    columns = [table.c[n] for n in names]
    if is_postgresql(conn):
        as_json = [isinstance(c.type, JSON) for c in columns]
        tuples = [
            tuple(json.dumps(r[n]) if j and r[n] is not None else r[n] for n, j in zip(names, as_json, strict=False))
            for r in rows
        ]
    else:
        processors = [_memo(c.type._cached_bind_processor(conn.dialect), c.type) for c in columns]
        tuples = [tuple(p(r[n]) if p else r[n] for n, p in zip(names, processors, strict=False)) for r in rows]
    insert_rows(conn, table, names, tuples)


def _memo(processor: Callable[[Any], Any] | None, type_: Any) -> Callable[[Any], Any] | None:
    """Timestamps and flags repeat across a bundle's rows: convert each distinct value once."""
    if processor is None or isinstance(type_, JSON):
        return processor
    cache: dict[str, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            out = cache[value] = processor(value)
            return out
        except TypeError:  # unhashable
            return processor(value)

    return convert
