"""Export: one signed, encrypted bundle of everything not yet acknowledged by the central office.

Bundles are cumulative since the last acknowledgment (a lost bundle loses nothing: the next one
carries the same changes again). Each change names its parent, the hash of the version it was
made from, so the central office can tell a continuation from a concurrent edit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from conseiller_app import __version__
from conseiller_app.storage.fsutil import write_bytes_atomic
from conseiller_app.storage.journal import audit
from conseiller_app.storage.models import AuditEntry, ChangeEntry
from conseiller_app.storage.profile import is_demo, owner
from conseiller_app.storage.sync_models import SyncBase, SyncBundle
from conseiller_app.sync import device
from conseiller_app.sync.errors import BundleTooLarge
from conseiller_app.sync.format import (
    CENTRAL_OWNED,
    DEFAULT_LIMITS,
    DEVICE_KIND,
    AuditDoc,
    ChangeDoc,
    DevicePayload,
    Limits,
    SenderDoc,
    change_hash,
    seal,
)

Progress = Callable[[int, int], None]
CHUNK = 500


@dataclass(frozen=True)
class ExportedBundle:
    """A bundle made for the central office and recorded as exported (``conseiller sync export``)."""

    file_name: str
    bundle_id: str
    sequence: int
    changes: int
    audit: int
    size: int  # bytes of the sealed file
    path: str | None = None  # where it was written; None for a bundle made to be uploaded


def device_file_name(device_id: str, sequence: int) -> str:
    """Named after the device and the sequence number only: no personal data in file names."""
    return f"paquet-{device_id}-{sequence:06d}.age"


def _bases(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, int]]:
    by_entity: dict[str, list[str]] = defaultdict(list)
    for entity, eid in keys:
        by_entity[entity].append(eid)
    out = {}
    for entity, ids in by_entity.items():
        for i in range(0, len(ids), CHUNK):
            q = select(SyncBase.entity_id, SyncBase.hash, SyncBase.mark).where(
                SyncBase.entity == entity, SyncBase.entity_id.in_(ids[i:i + CHUNK]))
            for eid, h, mark in session.execute(q):
                out[(entity, eid)] = (h, mark)
    return out


def pending_changes(session: Session, after: int) -> Sequence[Row[Any]]:
    return session.execute(
        select(ChangeEntry.seq, ChangeEntry.entity, ChangeEntry.entity_id, ChangeEntry.op, ChangeEntry.version,
               ChangeEntry.data).where(ChangeEntry.seq > after).order_by(ChangeEntry.seq)
    ).all()


def collect_changes(session: Session, after: int) -> tuple[list[ChangeDoc], int]:
    """Changes after ``after`` with their parents; returns (changes, last journal position covered)."""
    rows = pending_changes(session, after)
    last_seq = rows[-1].seq if rows else after
    rows = [r for r in rows if r.entity not in CENTRAL_OWNED]
    bases = _bases(session, {(r.entity, r.entity_id) for r in rows if r.op != "insert"})
    previous: dict[tuple[str, str], tuple[int, str]] = {}
    out: list[ChangeDoc] = []
    for r in rows:
        key = (r.entity, r.entity_id)
        h = change_hash(r.entity, r.entity_id, r.op, r.data)
        prev = previous.get(key)
        base = bases.get(key)
        parent = prev[1] if prev else None
        if base is not None and base[1] < r.seq and (prev is None or base[1] >= prev[0]):
            parent = base[0]
        if r.op == "insert" and prev is None:
            parent = None
        if parent == h:  # an identical re-snapshot: nothing new to say about this record
            continue
        out.append({"seq": r.seq, "entity": r.entity, "id": r.entity_id, "op": r.op, "version": r.version,
                    "parent": parent, "hash": h, "data": r.data})
        previous[key] = (r.seq, h)
    return out, last_seq


def collect_audit(session: Session, after: int) -> list[AuditDoc]:
    q = select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq)
    return [
        {"seq": a.seq, "id": a.id, "at": a.at.isoformat(), "actor_id": a.actor_id, "action": a.action,
         "entity": a.entity, "entity_id": a.entity_id, "beneficiary_id": a.beneficiary_id,
         "details": a.details or {}, "prev_hash": a.prev_hash, "hash": a.hash}
        for a in session.scalars(q)
    ]


def export_bundle(session: Session, out_dir: Path | None, *, actor_id: str, now: datetime,
                  limits: Limits = DEFAULT_LIMITS,
                  progress: Progress | None = None) -> tuple[ExportedBundle, bytes]:
    """Write the bundle in ``out_dir`` (atomically) and record it; the caller commits. Without
    ``out_dir`` (an upload to the service) nothing is written. Returns the bundle and its sealed
    bytes."""
    st = device.ensure_state(session)
    central = device.pinned_central(st)
    did = device.device_id(session)
    recipient, key, fp = device.public_keys(st)
    if progress:
        progress(0, 3)
    changes, changes_to = collect_changes(session, st.acked_change_seq)
    audit_entries = collect_audit(session, st.acked_audit_seq)
    if len(changes) > limits.max_changes or len(audit_entries) > limits.max_audit:
        raise BundleTooLarge(f"{len(changes)} changements, {len(audit_entries)} entrées d'audit")
    if progress:
        progress(1, 3)
    me = owner(session)
    by_entity: dict[str, int] = defaultdict(int)
    for c in changes:
        by_entity[c["entity"]] += 1
    sequence = st.next_sequence
    bundle_id = str(uuid.uuid4())
    audit_to = audit_entries[-1]["seq"] if audit_entries else st.acked_audit_seq
    manifest = {
        "kind": DEVICE_KIND,
        "bundle_id": bundle_id,
        "device_id": did,
        "sequence": sequence,
        "created_at": now.isoformat(timespec="seconds"),
        "recipient": central.fingerprint,
        "sender": fp,
        "device_key": key,
        "device_recipient": recipient,
        "last_ack": {"central_sequence": st.central_sequence, "changes": st.acked_change_seq,
                     "audit": st.acked_audit_seq, "bundle_sequence": st.acked_bundle_seq,
                     "reference_version": st.reference_version},
        "range": {"changes_from": st.acked_change_seq + 1, "changes_to": changes_to,
                  "audit_from": st.acked_audit_seq + 1, "audit_to": audit_to},
        "counts": {"changes": len(changes), "audit": len(audit_entries), "entities": dict(sorted(by_entity.items()))},
        "app_version": __version__,
    }
    info: SenderDoc = {"name": me.name, "territory": me.territory, "office": me.office or ""}
    restored_from = device.restored_from(session)
    if restored_from:
        info["restored_from"] = restored_from
    payload: DevicePayload = {"device": info, "changes": changes, "audit": audit_entries}
    # A demo vault's bundle says so in its signed manifest: only a training central office takes it.
    sealed, manifest, manifest_sha = seal(manifest, payload, st.signing_key, central.recipient, limits,
                                          demo=is_demo(session))
    if progress:
        progress(2, 3)
    name = device_file_name(did, sequence)
    session.add(SyncBundle(id=bundle_id, direction="out", sequence=sequence, created_at=now, file_name=name,
                           manifest_sha256=manifest_sha, changes=len(changes), audit=len(audit_entries),
                           changes_to=changes_to, audit_to=audit_to, status="exporte"))
    st.next_sequence = sequence + 1
    st.last_export_at = now
    audit(session, actor_id, "sync_export", "sync_bundle", bundle_id, None,
          {"sequence": sequence, "changes": len(changes), "audit": len(audit_entries)})
    session.flush()
    path = None
    if out_dir is not None:
        path = Path(out_dir) / name
        write_bytes_atomic(path, sealed)  # last: a failure before this rolls everything back
    if progress:
        progress(3, 3)
    made = ExportedBundle(file_name=name, bundle_id=bundle_id, sequence=sequence, changes=len(changes),
                          audit=len(audit_entries), size=len(sealed), path=str(path) if path is not None else None)
    return made, sealed

