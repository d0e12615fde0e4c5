"""The two journals written in the same transaction as each change.

* The **change journal** (``change_log``) records every insert, update and tombstone of a
  synced record with a snapshot of the row, for the sync with the central office.
* The **audit journal** (``audit_log``) is append-only (triggers refuse UPDATE and DELETE) and
  hash-chained: each entry's hash covers the previous one, so any edit breaks the chain.
  It records who did what on which record, reads of a file included, never field values.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session, sessionmaker

from conseiller_app.storage.models import AuditEntry, ChangeEntry, Synced, new_id, utcnow

GENESIS = "0" * 64
_installed: set[int] = set()


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def snapshot(obj: Synced) -> dict[str, Any]:
    table = obj.__table__  # type: ignore[attr-defined]
    return {c.key: _json_value(getattr(obj, c.key)) for c in table.columns}


def _after_flush(session: Session, flush_context: Any) -> None:
    rows = []
    now = utcnow()
    for obj in session.new:
        if isinstance(obj, Synced):
            rows.append(_change(obj, "insert", now))
    for obj in session.dirty:
        if isinstance(obj, Synced) and session.is_modified(obj, include_collections=False):
            history = _deleted_history(obj)
            rows.append(_change(obj, "delete" if history else "update", now))
    for obj in session.deleted:
        if isinstance(obj, Synced):
            rows.append(_change(obj, "delete", now))
    if rows:
        session.connection().execute(insert(ChangeEntry), rows)


def _deleted_history(obj: Synced) -> bool:
    from sqlalchemy import inspect

    hist = inspect(obj).attrs.deleted_at.history
    return bool(hist.added) and hist.added[0] is not None and not (hist.deleted and hist.deleted[0])


def _change(obj: Synced, op: str, now: datetime) -> dict[str, Any]:
    return {
        "at": now,
        "entity": obj.__tablename__,  # type: ignore[attr-defined]
        "entity_id": obj.id,
        "op": op,
        "version": obj.version,
        "data": snapshot(obj),
    }


def install(factory: sessionmaker[Session]) -> None:
    """Attach the change journal to every session made by ``factory``."""
    if id(factory) in _installed:
        return
    event.listen(factory, "after_flush", _after_flush)
    _installed.add(id(factory))


def record_bulk_changes(session: Session, table: str, rows: list[dict[str, Any]], op: str = "insert") -> None:
    """Change journal for rows written with bulk Core inserts (demo generator, imports)."""
    if not rows:
        return
    now = utcnow()
    session.execute(
        ChangeEntry.__table__.insert(),
        [
            {
                "at": now,
                "entity": table,
                "entity_id": r["id"],
                "op": op,
                "version": r.get("version", 1),
                "data": {k: _json_value(v) for k, v in r.items()},
            }
            for r in rows
        ],
    )


# --- audit journal ----------------------------------------------------------------------------


def _entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    payload = json.dumps(
        {
            k: _json_value(entry[k])
            for k in ("id", "at", "actor_id", "action", "entity", "entity_id", "beneficiary_id", "details")
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _last_hash(session: Session) -> str:
    last = session.execute(select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).scalar()
    return last or GENESIS


def audit(
    session: Session,
    actor_id: str,
    action: str,
    entity: str,
    entity_id: str | None = None,
    beneficiary_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one audit entry. ``details`` holds field names and codes, never personal values."""
    entries = [dict(actor_id=actor_id, action=action, entity=entity, entity_id=entity_id,
                    beneficiary_id=beneficiary_id, details=details or {})]
    audit_many(session, entries)


def audit_many(session: Session, entries: list[dict[str, Any]]) -> None:
    prev = _last_hash(session)
    now = utcnow()
    rows = []
    for e in entries:
        row = {
            "id": new_id(),
            "at": e.get("at") or now,
            "actor_id": e["actor_id"],
            "action": e["action"],
            "entity": e["entity"],
            "entity_id": e.get("entity_id"),
            "beneficiary_id": e.get("beneficiary_id"),
            "details": e.get("details") or {},
        }
        row["prev_hash"] = prev
        row["hash"] = prev = _entry_hash(prev, row)
        rows.append(row)
    session.execute(insert(AuditEntry), rows)


def verify_audit_chain(session: Session) -> tuple[int | None, int]:
    """Return (seq of the first broken entry or None, number of entries)."""
    prev = GENESIS
    count = 0
    q = select(
        AuditEntry.seq, AuditEntry.id, AuditEntry.at, AuditEntry.actor_id, AuditEntry.action, AuditEntry.entity,
        AuditEntry.entity_id, AuditEntry.beneficiary_id, AuditEntry.details, AuditEntry.prev_hash, AuditEntry.hash,
    ).order_by(AuditEntry.seq)
    for row in session.execute(q).mappings():
        count += 1
        if row["prev_hash"] != prev or _entry_hash(prev, dict(row)) != row["hash"]:
            return row["seq"], count
        prev = row["hash"]
    return None, count
