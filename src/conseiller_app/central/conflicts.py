"""Conflicts: concurrent versions of one record, listed side by side and resolved by a person.

Resolving keeps one version (A, B...) as a new version that descends from all of them, so it
wins everywhere; the next publication carries it back to the devices that hold the record.
"""

from __future__ import annotations

import getpass
import json
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from conseiller_app.central import merge
from conseiller_app.central.models import CENTRAL, Conflict, Device, Node
from conseiller_app.domain.errors import NotFound, UsageError
from conseiller_app.sync.format import hashed_snapshot

if TYPE_CHECKING:
    from conseiller_app.central.service import Central

LETTERS = string.ascii_uppercase
IGNORED_FIELDS = {"version", "updated_at"}


@dataclass(frozen=True)
class ConflictVersion:
    """One of a conflict's concurrent versions (A, B…)."""

    letter: str
    hash: str
    device_id: str
    device_name: str
    version: int
    op: str  # insert | update | delete
    data: dict[str, Any]  # the record as the device sent it: its JSON snapshot, field by field
    updated_at: str | None
    received_at: datetime


@dataclass(frozen=True)
class ConflictInfo:
    """A conflict (``conseiller-central conflicts list``)."""

    id: int
    entity: str
    entity_id: str
    status: str  # ouvert | resolu
    opened_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    kept: str | None  # the hash of the version kept
    versions: tuple[ConflictVersion, ...]
    differing_fields: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    """A conflict resolved: the version kept becomes a new version descending from all."""

    id: int
    entity: str
    entity_id: str
    kept: str  # the letter
    kept_device: str
    version: int
    resolution: str  # the new version's hash


def _versions(conn: Connection, entity: str, entity_id: str, heads: list[str]) -> list[ConflictVersion]:
    nt, dt = Node.__table__, Device.__table__
    names = dict(conn.execute(select(dt.c.id, dt.c.name)).all())
    out = []
    for letter, h in zip(LETTERS, heads, strict=False):
        row = conn.execute(select(nt.c.device_id, nt.c.version, nt.c.op, nt.c.data, nt.c.received_at)
                           .where(nt.c.entity == entity, nt.c.entity_id == entity_id, nt.c.hash == h)
                           .order_by(nt.c.id).limit(1)).one()
        data = json.loads(row.data)
        out.append(ConflictVersion(
            letter=letter, hash=h, device_id=row.device_id,
            device_name=names.get(row.device_id, "siège") if row.device_id != CENTRAL else "siège",
            version=row.version, op=row.op, data=data, updated_at=data.get("updated_at"),
            received_at=row.received_at))
    return out


def _differing(versions: Sequence[ConflictVersion]) -> list[str]:
    keys: set[str] = set().union(*(v.data.keys() for v in versions))
    return sorted(k for k in keys - IGNORED_FIELDS if len({repr(v.data.get(k)) for v in versions}) > 1)


def list_conflicts(central: Central, *, include_resolved: bool = False) -> list[ConflictInfo]:
    ct = Conflict.__table__
    with central.db.read() as conn:
        q = select(ct).order_by(ct.c.id)
        if not include_resolved:
            q = q.where(ct.c.status == "ouvert")
        out = []
        for c in conn.execute(q).mappings().all():
            versions = _versions(conn, c["entity"], c["entity_id"], list(c["heads"]))
            out.append(ConflictInfo(
                id=c["id"], entity=c["entity"], entity_id=c["entity_id"], status=c["status"],
                opened_at=c["opened_at"], resolved_at=c["resolved_at"], resolved_by=c["resolved_by"],
                kept=c["kept"], versions=tuple(versions), differing_fields=tuple(_differing(versions))))
        return out


def resolve(central: Central, conflict_id: int, keep: str, *, who: str | None = None) -> Resolution:
    """Keep version ``keep`` (a letter) of an open conflict."""
    ct, nt = Conflict.__table__, Node.__table__
    keep = (keep or "").strip().upper()
    if not 1 <= conflict_id < 2**63:  # beyond a database integer: cannot exist
        raise NotFound(f"Aucun conflit n°{conflict_id}.")
    with central.db.write() as conn:
        c = conn.execute(select(ct).where(ct.c.id == conflict_id)).mappings().first()
        if c is None:
            raise NotFound(f"Aucun conflit n°{conflict_id}.")
        if c["status"] != "ouvert":
            raise UsageError(f"Le conflit n°{conflict_id} est déjà résolu.")
        heads = list(c["heads"])
        letters = LETTERS[:len(heads)]
        if len(keep) != 1 or keep not in letters:
            raise UsageError(f"Version à garder inconnue : choisissez parmi {', '.join(letters)}.")
        versions = _versions(conn, c["entity"], c["entity_id"], heads)
        kept = versions[letters.index(keep)]
        version = max(v.version for v in versions) + 1
        data = dict(kept.data)
        data["version"] = version
        op = "delete" if kept.op == "delete" else "update"
        h, text = hashed_snapshot(c["entity"], c["entity_id"], op, data)
        number = (conn.execute(select(func.max(nt.c.resolution_no))).scalar() or 0) + 1
        now = central.now()
        conn.execute(nt.insert().values(entity=c["entity"], entity_id=c["entity_id"], hash=h, parent=kept.hash,
                                        merges=[v.hash for v in versions if v.hash != kept.hash], op=op,
                                        version=version, deleted=merge.is_deleted(op, data), data=text,
                                        device_id=CENTRAL, bundle_id=None, received_at=now,
                                        resolution_no=number))
        by = (who or _whoami())[:120]
        conn.execute(
            ct.update()
            .where(ct.c.id == conflict_id)
            .values(status="resolu", resolved_at=now, kept=kept.hash, resolution=h, resolved_by=by)
        )
        key = (c["entity"], c["entity_id"])
        merge.refresh(conn, merge.load_nodes(conn, [key]), [key], now)
    return Resolution(id=conflict_id, entity=c["entity"], entity_id=c["entity_id"], kept=keep,
                      kept_device=kept.device_name, version=version, resolution=h)


def _whoami() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some service environments
        return "siège"
