"""From versions to state: the heads of each record's version tree decide its consolidated state.

A head is a version no other version names as its parent (or merges). One head: that is the
record. Several heads: the record changed on two sides since their common version; a
:class:`Conflict` keeps them all until a person resolves it. The result depends only on the set
of versions received, never on the order they came in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.engine import Connection

from conseiller_app.central import bulk
from conseiller_app.central.models import Conflict, Node, Record

Key = tuple[str, str]


@dataclass(slots=True)
class NodeInfo:
    hash: str
    parent: str
    merges: list[Any] | None
    version: int
    op: str
    device_id: str
    deleted: bool


def group_by_entity(keys: Iterable[Key]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for entity, eid in keys:
        out[entity].append(eid)
    return out


def load_nodes(conn: Connection, keys: Iterable[Key]) -> dict[Key, list[NodeInfo]]:
    """The versions of records ``keys`` (without their snapshots)."""
    out: dict[Key, list[NodeInfo]] = defaultdict(list)
    parse = bulk.json_value
    for entity, ids in group_by_entity(keys).items():
        for eid, h, parent, merges, version, op, device_id, deleted in bulk.select_by_ids(
                conn, "entity_id, hash, parent, merges, version, op, device_id, deleted", "node", entity, ids):
            out[(entity, eid)].append(NodeInfo(h, parent, None if merges is None else parse(merges), version, op,
                                               device_id, bool(deleted)))
    return out


def heads_of(nodes: list[NodeInfo]) -> list[NodeInfo]:
    """The head versions, one per distinct hash, sorted by hash (the order of versions A, B...)."""
    if len(nodes) == 1:  # a lone version is its record's head (even naming itself as parent)
        return list(nodes)
    referenced: set[str] = set()  # "" (a creation's parent) is no version's hash
    for n in nodes:
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


def _top(heads: list[NodeInfo]) -> NodeInfo:
    return heads[0] if len(heads) == 1 else max(heads, key=lambda n: (n.version, n.hash))


RECORD_COLUMNS = ("entity", "entity_id", "hash", "op", "version", "deleted", "in_conflict", "updated_at")
RECORD_KEY = ("entity", "entity_id")
PLACEHOLDER = ""  # the hash of a record row made by :func:`lock_records`, not yet a state


def lock_records(conn: Connection, keys: Iterable[Key], stamp: Any) -> set[Key]:
    """PostgreSQL: lock the ``record`` rows of ``keys`` until the end of the transaction, making a
    placeholder row (hash ``""``, seen by no one else before the commit) for a record that has none
    yet, so that a new record is locked as well. Returns the placeholders made. SQLite (one writer
    at a time): nothing to do.

    One statement, in the order of the keys, so that two ingests lock their common records in the
    same order; ``DO UPDATE … WHERE false`` locks an existing row without writing it. Another
    ingest creating one of these records waits for this transaction, then finds the row."""
    if not bulk.is_postgresql(conn) or not keys:
        return set()
    ordered = sorted(keys)
    cur = bulk.cursor(conn)
    try:
        cur.execute(
            "INSERT INTO record (entity, entity_id, hash, op, version, deleted, in_conflict, updated_at) "
            "SELECT e, i, %s, '', 0, false, false, %s FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS k(e, i, n) "
            "ORDER BY n ON CONFLICT (entity, entity_id) DO UPDATE SET hash = EXCLUDED.hash WHERE false "
            "RETURNING entity, entity_id",
            (PLACEHOLDER, stamp, bulk.text_array([k[0] for k in ordered]), bulk.text_array([k[1] for k in ordered])))
        made: set[Key] = {(e, i) for e, i in cur.fetchall()}
    finally:
        cur.close()
    return made


def drop_placeholders(conn: Connection, keys: Iterable[Key]) -> None:
    """Placeholders of :func:`lock_records` whose record got no state after all (no new version)."""
    for entity, ids in group_by_entity(keys).items():
        cur = bulk.cursor(conn)
        try:
            cur.execute("DELETE FROM record WHERE entity = %s AND entity_id = ANY(%s::text[]) AND hash = %s",
                        (entity, bulk.text_array(ids), PLACEHOLDER))
        finally:
            cur.close()


def refresh(
    conn: Connection, nodes_by_key: dict[Key, list[NodeInfo]], keys: Iterable[Key], now: datetime
) -> dict[str, int]:
    """Recompute records and open conflicts of ``keys`` from their versions; returns counts."""
    decisions: dict[Key, tuple[NodeInfo, list[str]]] = {}
    for key in keys:
        heads = heads_of(nodes_by_key[key])
        decisions[key] = (_top(heads), [h.hash for h in heads])

    current: dict[Key, tuple[str, bool]] = {}
    for entity, ids in group_by_entity(decisions).items():
        for eid, h, in_conflict in bulk.select_by_ids(conn, "entity_id, hash, in_conflict", "record", entity, ids):
            current[(entity, eid)] = (h, bool(in_conflict))
    # A record is in conflict exactly when it has an open conflict (both are written here only):
    # conflicts are looked up for the records in conflict before or after, not for every record.
    disputed = [k for k, (_, hashes) in decisions.items() if len(hashes) > 1 or current.get(k, ("", False))[1]]
    open_conflicts: dict[Key, tuple[int, list[Any]]] = {}
    for entity, ids in group_by_entity(disputed).items():
        for cid, eid, heads in bulk.select_by_ids(conn, "id, entity_id, heads", "conflict", entity, ids,
                                                   " AND status = 'ouvert'"):
            open_conflicts[(entity, eid)] = (cid, bulk.json_value(heads))

    stamp = bulk.db_time(conn, now)
    new_records: list[tuple[Any, ...]] = []
    changed_records: list[tuple[Any, ...]] = []
    new_conflicts: list[dict[str, Any]] = []
    changed_conflicts: list[dict[str, Any]] = []
    closed: list[dict[str, Any]] = []
    for key, (top, head_hashes) in decisions.items():
        in_conflict = len(head_hashes) > 1
        row = current.get(key)
        was = None if row is None or row[0] == PLACEHOLDER else row
        if was != (top.hash, in_conflict):  # changed records (and placeholders) are rewritten whole
            (new_records if row is None else changed_records).append(
                (key[0], key[1], top.hash, top.op, top.version, top.deleted, in_conflict, stamp))
        existing = open_conflicts.get(key)
        if in_conflict and existing is None:
            new_conflicts.append({"entity": key[0], "entity_id": key[1], "status": "ouvert", "heads": head_hashes,
                                  "opened_at": now})
        elif in_conflict and existing is not None and list(existing[1]) != head_hashes:
            changed_conflicts.append({"b_id": existing[0], "b_heads": head_hashes})
        elif not in_conflict and existing is not None:
            closed.append({"b_id": existing[0], "b_at": now, "b_kept": top.hash})
    erase_superseded(conn, [k for k, (top, hashes) in decisions.items() if top.deleted and len(hashes) == 1])
    bulk.insert_rows(conn, Record.__table__, RECORD_COLUMNS, new_records)
    bulk.update_rows(conn, Record.__table__, RECORD_COLUMNS, changed_records, RECORD_KEY)
    ct = Conflict.__table__
    if new_conflicts:
        conn.execute(ct.insert(), new_conflicts)
    if changed_conflicts:
        conn.execute(
            ct.update().where(ct.c.id == bindparam("b_id")).values(heads=bindparam("b_heads")), changed_conflicts
        )
    if closed:  # heads joined once versions that were missing arrived
        conn.execute(
            ct.update()
            .where(ct.c.id == bindparam("b_id"))
            .values(
                status="resolu",
                resolved_at=bindparam("b_at"),
                kept=bindparam("b_kept"),
                resolved_by="automatique (versions manquantes reçues)",
            ),
            closed,
        )
    return {"records": len(new_records) + len(changed_records), "conflicts_opened": len(new_conflicts),
            "conflicts_changed": len(changed_conflicts)}


ERASED = "{}"  # the snapshot of a version superseded by a tombstone


def erase_superseded(conn: Connection, keys: list[Key]) -> None:
    """Records whose state is a tombstone (one head, deleted): the snapshots of their earlier
    versions are erased. A purge on a device (retention of personal data) thus reaches the central
    office: only the tombstone, whose personal fields the device blanked, keeps its data. The tree
    (hashes, parents) stays whole, so later arrivals are still recognised and merged the same way;
    an erased version's snapshot can no longer be checked against its hash. A version arriving
    after the tombstone is erased when it arrives (its record is refreshed again). A record in
    conflict (a tombstone against an edit) keeps everything until a person resolves it."""
    nt = Node.__table__
    for entity, ids in group_by_entity(keys).items():
        for i in range(0, len(ids), 500):
            conn.execute(nt.update().where(nt.c.entity == entity, nt.c.entity_id.in_(ids[i:i + 500]),
                                           nt.c.deleted.is_(False), nt.c.data != ERASED).values(data=ERASED))


def is_deleted(op: str, data: dict[str, Any]) -> bool:
    return op == "delete" or data.get("deleted_at") is not None


def snapshots(conn: Connection, records: Iterable[Any]) -> dict[Key, dict[str, Any]]:
    """The snapshot (parsed) of each given record's current version: rows with entity, entity_id, hash."""
    import json

    wanted: dict[str, dict[str, str]] = defaultdict(dict)
    for r in records:
        wanted[r.entity][r.entity_id] = r.hash
    out: dict[Key, dict[str, Any]] = {}
    for entity, by_id in wanted.items():
        for eid, h, text in bulk.select_by_ids(conn, "entity_id, hash, data", "node", entity, list(by_id)):
            if by_id[eid] == h and (entity, eid) not in out:
                out[(entity, eid)] = json.loads(text)
    return out
