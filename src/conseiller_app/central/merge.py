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

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.types import ARRAY
from sqlalchemy.engine import Connection

from conseiller_app.central import bulk
from conseiller_app.central.models import Conflict, Node, Record

CHUNK = 500
Key = tuple[str, str]


def among(conn: Connection, column, values: list[str]):
    """``column IN values``; on PostgreSQL one array parameter (``= ANY``), whose query text stays the
    same whatever the number of values (the driver does not re-parse it for every chunk)."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(String())))
    return column.in_(values)


def chunks(conn: Connection, values: list[str]):
    size = 5000 if conn.dialect.name == "postgresql" else CHUNK
    for i in range(0, len(values), size):
        yield values[i:i + size]


@dataclass
class NodeInfo:
    hash: str
    parent: str
    merges: list | None
    version: int
    op: str
    device_id: str
    deleted: bool


def group_by_entity(keys) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for entity, eid in keys:
        out[entity].append(eid)
    return out


def load_nodes(conn: Connection, keys) -> dict[Key, list[NodeInfo]]:
    t = Node.__table__
    out: dict[Key, list[NodeInfo]] = defaultdict(list)
    for entity, ids in group_by_entity(keys).items():
        for chunk in chunks(conn, ids):
            q = select(t.c.entity_id, t.c.hash, t.c.parent, t.c.merges, t.c.version, t.c.op, t.c.device_id,
                       t.c.deleted).where(t.c.entity == entity, among(conn, t.c.entity_id, chunk))
            for r in conn.execute(q).all():
                out[(entity, r.entity_id)].append(NodeInfo(r.hash, r.parent, r.merges, r.version, r.op, r.device_id,
                                                           r.deleted))
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
        if n.hash not in referenced:
            heads.setdefault(n.hash, n)
    if not heads:  # a cycle (only a hostile device could build one): fall back on the highest version
        top = max(nodes, key=lambda n: (n.version, n.hash))
        heads[top.hash] = top
    return [heads[h] for h in sorted(heads)]


def refresh(conn: Connection, nodes_by_key: dict[Key, list[NodeInfo]], keys, now: datetime) -> dict[str, int]:
    """Recompute records and open conflicts of ``keys`` from their versions; returns counts."""
    keys = list(keys)
    decisions: dict[Key, tuple[NodeInfo, list[str]]] = {}
    for key in keys:
        heads = heads_of(nodes_by_key[key])
        decisions[key] = (max(heads, key=lambda n: (n.version, n.hash)), [h.hash for h in heads])

    rt, ct = Record.__table__, Conflict.__table__
    current: dict[Key, tuple[str, bool]] = {}
    open_conflicts: dict[Key, tuple[int, list]] = {}
    for entity, ids in group_by_entity(keys).items():
        for chunk in chunks(conn, ids):
            for r in conn.execute(select(rt.c.entity_id, rt.c.hash, rt.c.in_conflict)
                                  .where(rt.c.entity == entity, among(conn, rt.c.entity_id, chunk))).all():
                current[(entity, r.entity_id)] = (r.hash, r.in_conflict)
            for r in conn.execute(select(ct.c.id, ct.c.entity_id, ct.c.heads)
                                  .where(ct.c.entity == entity, among(conn, ct.c.entity_id, chunk),
                                         ct.c.status == "ouvert")):
                open_conflicts[(entity, r.entity_id)] = (r.id, r.heads)

    inserts, replaced, new_conflicts, changed_conflicts, closed = [], [], [], [], []
    for key, (top, head_hashes) in decisions.items():
        in_conflict = len(head_hashes) > 1
        if key not in current or current[key] != (top.hash, in_conflict):
            inserts.append(_record_row(key, top, in_conflict, now))
            if key in current:
                replaced.append(key)
        existing = open_conflicts.get(key)
        if in_conflict and existing is None:
            new_conflicts.append({"entity": key[0], "entity_id": key[1], "status": "ouvert", "heads": head_hashes,
                                  "opened_at": now})
        elif in_conflict and list(existing[1]) != head_hashes:
            changed_conflicts.append({"b_id": existing[0], "b_heads": head_hashes})
        elif not in_conflict and existing is not None:
            closed.append({"b_id": existing[0], "b_at": now, "b_kept": top.hash})
    bulk.insert_many(conn, rt, inserts, replace=bool(replaced))  # changed records are replaced whole
    if new_conflicts:
        conn.execute(ct.insert(), new_conflicts)
    if changed_conflicts:
        conn.execute(ct.update().where(ct.c.id == bindparam("b_id")).values(heads=bindparam("b_heads")), changed_conflicts)
    if closed:  # heads joined once versions that were missing arrived
        conn.execute(ct.update().where(ct.c.id == bindparam("b_id")).values(
            status="resolu", resolved_at=bindparam("b_at"), kept=bindparam("b_kept"), resolved_by="automatique (versions manquantes reçues)"),
            closed)
    return {"records": len(inserts), "conflicts_opened": len(new_conflicts),
            "conflicts_changed": len(changed_conflicts)}


def _record_row(key: Key, top: NodeInfo, in_conflict: bool, now: datetime) -> dict[str, Any]:
    return {"entity": key[0], "entity_id": key[1], "hash": top.hash, "op": top.op, "version": top.version,
            "deleted": top.deleted, "in_conflict": in_conflict, "updated_at": now}


def is_deleted(op: str, data: dict) -> bool:
    return op == "delete" or data.get("deleted_at") is not None


def snapshots(conn: Connection, records) -> dict[Key, dict]:
    """The snapshot (parsed) of each given record's current version: rows with entity, entity_id, hash."""
    import json

    wanted: dict[str, dict[str, str]] = defaultdict(dict)
    for r in records:
        wanted[r.entity][r.entity_id] = r.hash
    t = Node.__table__
    out: dict[Key, dict] = {}
    for entity, by_id in wanted.items():
        ids = list(by_id)
        for chunk in chunks(conn, ids):
            q = select(t.c.entity_id, t.c.hash, t.c.data).where(t.c.entity == entity, among(conn, t.c.entity_id, chunk))
            for eid, h, text in conn.execute(q):
                if by_id[eid] == h and (entity, eid) not in out:
                    out[(entity, eid)] = json.loads(text)
    return out
