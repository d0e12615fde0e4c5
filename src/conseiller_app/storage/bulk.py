"""Fast bulk inserts on the raw connection (demo data, large imports), with the change journal.

Values are converted the way SQLAlchemy's SQLite types store them, so the ORM reads them back
unchanged: dates as ISO text, datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff', JSON as text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Table
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
    dbapi.executemany(sql, values)
    if journal:
        at = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
        # Snapshot as the ORM journal writes it: dates in ISO form, JSON columns nested.
        iso = [_memo(lambda v: v.isoformat()) if isinstance(c.type, (Date, DateTime)) else None for c in cols]
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        changes = []
        for r in rows:
            snap = {k: (conv(r[k]) if conv else r[k]) for k, conv in zip(keys, iso, strict=False)}
            changes.append((at, table.name, r["id"], "insert", r.get("version", 1), encode(snap)))
        dbapi.executemany(
            f"INSERT INTO {ChangeEntry.__tablename__} (at, entity, entity_id, op, version, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            changes,
        )
