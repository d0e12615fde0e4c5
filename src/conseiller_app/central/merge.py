"""From versions to state: the heads of each record's version tree decide its consolidated state.

A head is a version no other version names as its parent (or merges). One head: that is the
record. Several heads: the record changed on two sides since their common version; a
:class:`Conflict` keeps them all until a person resolves it. The result depends only on the set
of versions received, never on the order they came in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.engine import Connection

from conseiller_app.central.models import Conflict, Node, Record

CHUNK = 500
Key = tuple[str, str]


@dataclass
class NodeInfo:
    id: int | None
    hash: str
    parent: str
    merges: list | None
    version: int
    op: str
    device_id: str
    data: dict | None = None  # loaded only when needed


def group_by_entity(keys) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for entity, eid in keys:
        out[entity].append(eid)
    return out


def load_nodes(conn: Connection, keys) -> dict[Key, list[NodeInfo]]:
    t = Node.__table__
    out: dict[Key, list[NodeInfo]] = defaultdict(list)
    for entity, ids in group_by_entity(keys).items():
        for i in range(0, len(ids), CHUNK):
            q = select(t.c.id, t.c.entity_id, t.c.hash, t.c.parent, t.c.merges, t.c.version, t.c.op, t.c.device_id).where(
                t.c.entity == entity, t.c.entity_id.in_(ids[i:i + CHUNK]))
            for r in conn.execute(q):
                out[(entity, r.entity_id)].append(NodeInfo(r.id, r.hash, r.parent, r.merges, r.version, r.op, r.device_id))
    return out


def heads_of(nodes: list[NodeInfo]) -> list[NodeInfo]:
    """The head versions, one per distinct hash, sorted by hash (the order of versions A, B...)."""
    referenced: set[str] = set()
    for n in nodes:
        if n.parent:
            referenced.add(n.parent)
        if n.merges:
            referenced.update(n.merges)
    heads: dict[str, NodeInfo] = {}
    for n in nodes:
        if n.hash not in referenced and (n.hash not in heads or n.data is not None):
            heads[n.hash] = n
    if not heads:  # a cycle (only a hostile device could build one): fall back on the highest version
        top = max(nodes, key=lambda n: (n.version, n.hash))
        heads[top.hash] = top
    return [heads[h] for h in sorted(heads)]


def _fill_data(conn: Connection, nodes: list[NodeInfo]) -> None:
    missing = [n for n in nodes if n.data is None]
    t = Node.__table__
    for i in range(0, len(missing), CHUNK):
        chunk = missing[i:i + CHUNK]
        found = dict(conn.execute(select(t.c.id, t.c.data).where(t.c.id.in_([n.id for n in chunk]))).all())
        for n in chunk:
            n.data = found[n.id]


def refresh(conn: Connection, nodes_by_key: dict[Key, list[NodeInfo]], keys, now: datetime) -> dict[str, int]:
    """Recompute records and open conflicts of ``keys`` from their versions; returns counts."""
    keys = list(keys)
    decisions: dict[Key, tuple[NodeInfo, list[str]]] = {}
    for key in keys:
        heads = heads_of(nodes_by_key[key])
        decisions[key] = (max(heads, key=lambda n: (n.version, n.hash)), [h.hash for h in heads])
    _fill_data(conn, [top for top, _ in decisions.values()])

    rt, ct = Record.__table__, Conflict.__table__
    current: dict[Key, tuple[str, bool]] = {}
    open_conflicts: dict[Key, tuple[int, list]] = {}
    for entity, ids in group_by_entity(keys).items():
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            for r in conn.execute(select(rt.c.entity_id, rt.c.hash, rt.c.in_conflict)
                                  .where(rt.c.entity == entity, rt.c.entity_id.in_(chunk))):
                current[(entity, r.entity_id)] = (r.hash, r.in_conflict)
            for r in conn.execute(select(ct.c.id, ct.c.entity_id, ct.c.heads)
                                  .where(ct.c.entity == entity, ct.c.entity_id.in_(chunk), ct.c.status == "ouvert")):
                open_conflicts[(entity, r.entity_id)] = (r.id, r.heads)

    inserts, updates, new_conflicts, changed_conflicts, closed = [], [], [], [], []
    for key, (top, head_hashes) in decisions.items():
        in_conflict = len(head_hashes) > 1
        row = _record_row(key, top, in_conflict, now)
        if key not in current:
            inserts.append(row)
        elif current[key] != (top.hash, in_conflict):
            updates.append({("b_" + k): v for k, v in row.items()})
        existing = open_conflicts.get(key)
        if in_conflict and existing is None:
            new_conflicts.append({"entity": key[0], "entity_id": key[1], "status": "ouvert", "heads": head_hashes,
                                  "opened_at": now})
        elif in_conflict and list(existing[1]) != head_hashes:
            changed_conflicts.append({"b_id": existing[0], "b_heads": head_hashes})
        elif not in_conflict and existing is not None:
            closed.append({"b_id": existing[0], "b_at": now, "b_kept": top.hash})
    if inserts:
        conn.execute(rt.insert(), inserts)
    if updates:
        conn.execute(rt.update().where(and_(rt.c.entity == bindparam("b_entity"), rt.c.entity_id == bindparam("b_entity_id")))
                     .values({c: bindparam("b_" + c) for c in ("hash", "op", "version", "data", "deleted", "in_conflict",
                                                               "updated_at")}), updates)
    if new_conflicts:
        conn.execute(ct.insert(), new_conflicts)
    if changed_conflicts:
        conn.execute(ct.update().where(ct.c.id == bindparam("b_id")).values(heads=bindparam("b_heads")), changed_conflicts)
    if closed:  # heads joined once versions that were missing arrived
        conn.execute(ct.update().where(ct.c.id == bindparam("b_id")).values(
            status="resolu", resolved_at=bindparam("b_at"), kept=bindparam("b_kept"), resolved_by="automatique (versions manquantes reçues)"),
            closed)
    return {"records": len(inserts) + len(updates), "conflicts_opened": len(new_conflicts),
            "conflicts_changed": len(changed_conflicts)}


def _record_row(key: Key, top: NodeInfo, in_conflict: bool, now: datetime) -> dict[str, Any]:
    data = top.data or {}
    return {"entity": key[0], "entity_id": key[1], "hash": top.hash, "op": top.op, "version": top.version,
            "data": data, "deleted": top.op == "delete" or data.get("deleted_at") is not None,
            "in_conflict": in_conflict, "updated_at": now}
