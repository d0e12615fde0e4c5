"""Fast bulk inserts on the raw connection (demo data, large imports), with the change journal.

Values are converted the way SQLAlchemy's SQLite types store them, so the ORM reads them back
unchanged: dates as ISO text, datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff', JSON as text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Integer, String, Table
from sqlalchemy.orm import Session

from conseiller_app.storage.models import ChangeEntry, utcnow


def _memo(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    cache: dict[Any, Any] = {}

    def convert(v: Any) -> Any:
        if v is None:
            return None
        try:
            return cache[v]
        except KeyError:
            out = cache[v] = fn(v)
            return out

    return convert


def _converter(column: Column[Any]) -> Callable[[Any], Any] | None:
    t = column.type
    if isinstance(t, DateTime):
        return _memo(lambda v: v.strftime("%Y-%m-%d %H:%M:%S.%f"))
    if isinstance(t, Date):
        return _memo(date.isoformat)
    if isinstance(t, JSON):
        return lambda v: json.dumps(v, ensure_ascii=False)
    if isinstance(t, Boolean):
        return lambda v: None if v is None else int(bool(v))
    return None


def _values(rows: list[dict[str, Any]], keys: list[str], convs: list[Any]) -> list[tuple[Any, ...] | list[Any]]:
    """Parameter rows in column order, converted where the column needs it (a per-value
    generator cost a quarter of the demo generation's time)."""
    get = itemgetter(*keys)
    converted = [(i, conv) for i, conv in enumerate(convs) if conv]
    if len(keys) == 1:
        conv = convs[0]
        return [((conv(r[keys[0]]) if conv else r[keys[0]]),) for r in rows]
    if not converted:
        return [get(r) for r in rows]
    out: list[tuple[Any, ...] | list[Any]] = []
    for r in rows:
        row = list(get(r))
        for i, conv in converted:
            row[i] = conv(row[i])
        out.append(row)
    return out


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]], *, journal: bool = True) -> None:
    """Insert ``rows`` (dicts keyed by column name) into ``table`` in the session's transaction."""
    if not rows:
        return
    cols = [c for c in table.columns if c.key in rows[0]]
    convs = [_converter(c) for c in cols]
    sql = f"INSERT INTO {table.name} ({', '.join(c.name for c in cols)}) VALUES ({', '.join('?' * len(cols))})"
    keys = [c.key for c in cols]
    values = _values(rows, keys, convs)
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None  # the session's connection is open
    rowid = table.dialect_options["sqlite"].get("with_rowid", True) is not False
    snapshot = _sql_snapshot(cols) if journal and rowid else None
    if snapshot is not None:
        before = dbapi.execute(f"SELECT coalesce(max(rowid), 0) FROM {table.name}").fetchone()[0]
    dbapi.executemany(sql, values)
    if not journal:
        return
    at = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
    entry = f"INSERT INTO {ChangeEntry.__tablename__} (at, entity, entity_id, op, version, data) "
    if snapshot is not None:
        # The snapshots built by SQLite from the rows just stored, in their order: the same text
        # as ``_python_snapshots`` (tested), without a Python dict and a JSON encoding per row
        # (the largest cost of the demo generation after the session scan).
        dbapi.execute(entry + f"SELECT ?, ?, id, 'insert', version, {snapshot} FROM {table.name} "
                      "WHERE rowid > ? ORDER BY rowid", (at, table.name, before))
        return
    dbapi.executemany(entry + "VALUES (?, ?, ?, ?, ?, ?)", _python_snapshots(table, cols, rows, at))


def _python_snapshots(table: Table, cols: list[Column[Any]], rows: list[dict[str, Any]],
                      at: str) -> list[tuple[Any, ...]]:
    """Change journal rows, snapshot as the ORM journal writes it: dates in ISO form, JSON columns nested."""
    keys = [c.key for c in cols]
    iso = [_memo(lambda v: v.isoformat()) if isinstance(c.type, (Date, DateTime)) else None for c in cols]
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    changes = []
    for r in rows:
        snap = {k: (conv(r[k]) if conv else r[k]) for k, conv in zip(keys, iso, strict=False)}
        changes.append((at, table.name, r["id"], "insert", r.get("version", 1), encode(snap)))
    return changes


def _sql_snapshot(cols: list[Column[Any]]) -> str | None:
    """A ``json_object(...)`` expression giving ``_python_snapshots``' text from a stored row, or
    None when a column's type has no exact SQL rendering here (the Python path is then used)."""
    parts = []
    for c in cols:
        t, name = c.type, c.name
        if isinstance(t, DateTime):  # stored 'YYYY-MM-DD HH:MM:SS.ffffff'; isoformat drops zero microseconds
            value = (f"CASE WHEN substr({name}, 20) = '.000000' THEN replace(substr({name}, 1, 19), ' ', 'T') "
                     f"ELSE replace({name}, ' ', 'T') END")
        elif isinstance(t, Date):  # stored as its ISO form already
            value = name
        elif isinstance(t, JSON):  # stored as text: nested as a value
            value = f"json({name})"
        elif isinstance(t, Boolean):  # stored 0/1: the snapshot holds true/false
            value = f"CASE WHEN {name} IS NULL THEN NULL WHEN {name} THEN json('true') ELSE json('false') END"
        elif isinstance(t, (String, Integer)):  # Text is a String
            value = name
        else:
            return None
        parts.append(f"'{c.key}', {value}")
    return f"json_object({', '.join(parts)})"

@contextmanager
def bulk_load(session: Session, tables: list[str], cache_kib: int = 262_144) -> Iterator[None]:
    """A large load into ``tables`` within the session's transaction: their secondary indexes
    (and the change journal's) are dropped, then rebuilt from their own SQL once the rows are in,
    and the page cache is enlarged meanwhile. An index built at the end is sorted once, where
    row-by-row its random keys (names, dates, communes) touched pages all over the file, each one
    re-read and re-encrypted. Unique constraints stay (their automatic indexes cannot be dropped),
    so the load is checked as before. DDL is transactional in SQLite: on error the session's
    rollback brings the indexes back."""
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None  # the session's connection is open, in its transaction
    marks = ", ".join("?" * len(tables))
    indexes = dbapi.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks}) "
        "ORDER BY rowid", tables).fetchall()
    cache = dbapi.execute("PRAGMA cache_size").fetchone()[0]
    dbapi.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
    try:
        for name, _ in indexes:
            dbapi.execute(f'DROP INDEX "{name}"')
        yield
        for _, sql in indexes:
            dbapi.execute(sql)
    finally:
        dbapi.execute(f"PRAGMA cache_size = {int(cache)}")
