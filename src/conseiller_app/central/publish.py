"""Publication: one bundle per approved device, signed by the central office and encrypted to the
device, carrying the latest reference data release, the sessions calendar, what was received from
that device (acknowledgment) and the records resolved since the device last imported a bundle.

The database is committed first, the files written after: a failed write only skips a sequence
number (devices accept any newer one), it never gives two different bundles the same number.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from conseiller_app import __version__
from conseiller_app.central import merge, reference
from conseiller_app.central.ingest import APPROVED, INGESTED
from conseiller_app.central.models import Bundle, Device, Node, Publication, Record, ReturnBundle
from conseiller_app.domain.errors import NotFound, UsageError
from conseiller_app.storage.fsutil import write_bytes_atomic
from conseiller_app.sync.format import CENTRAL_KIND, SHARED, CentralPayload, RecordDoc, seal
from conseiller_app.sync.importer import Ack

if TYPE_CHECKING:
    from conseiller_app.central.service import Central


@dataclass(frozen=True)
class Published:
    """A return bundle made for one device (``conseiller-central publish``)."""

    device_id: str
    name: str  # the device's owner, as the device declared it
    sequence: int
    file: str | None  # where it was written (None: kept in the database only, for the service)
    reference_version: int
    ack: Ack  # what it acknowledges: the manifest's ``ack`` document itself
    records: int


def central_file_name(device_id: str, sequence: int) -> str:
    return f"siege-{device_id}-{sequence:06d}.age"


def acknowledgment(conn: Connection, device: Mapping[Any, Any]) -> Ack:
    """What was received from a device: changes up to the first gap, audit entries, last bundle."""
    bt = Bundle.__table__
    rows = conn.execute(select(bt.c.changes_from, bt.c.changes_to, bt.c.sequence)
                        .where(bt.c.device_id == device["id"], bt.c.status == INGESTED)
                        .order_by(bt.c.changes_from)).all()
    # From the first change this device ever sent: 1, or where its backup had been acknowledged
    # for a vault restored from a backup (a new device continuing another one's journal).
    changes = rows[0].changes_from - 1 if rows else 0
    for start, end, _ in rows:
        if start > changes + 1:
            break
        changes = max(changes, end)
    return Ack(changes=changes, audit=device["audit_seq"], bundle_sequence=max((r.sequence for r in rows), default=0))


def _with_data(conn: Connection, rows: Iterable[Any]) -> list[RecordDoc]:
    rows = list(rows)
    data = merge.snapshots(conn, rows)
    return [{"entity": r.entity, "id": r.entity_id, "op": r.op, "version": r.version, "hash": r.hash,
             "data": data[(r.entity, r.entity_id)]} for r in rows]


def _resolved_for(conn: Connection, device_id: str, after: int) -> list[RecordDoc]:
    """Current state of records resolved after resolution ``after`` that this device holds."""
    nt, rt = Node.__table__, Record.__table__
    mine = aliased(nt)
    resolved = (
        select(nt.c.entity, nt.c.entity_id)
        .where(nt.c.resolution_no > after, nt.c.entity.not_in(sorted(SHARED)))
        .where(
            exists().where(
                and_(mine.c.entity == nt.c.entity, mine.c.entity_id == nt.c.entity_id, mine.c.device_id == device_id)
            )
        )
        .distinct()
        .subquery()
    )
    q = (select(rt).join(resolved, and_(rt.c.entity == resolved.c.entity, rt.c.entity_id == resolved.c.entity_id))
         .where(rt.c.in_conflict.is_(False)).order_by(rt.c.entity, rt.c.entity_id))
    return _with_data(conn, conn.execute(q))


def publish(central: Central, out_dir: Path | None, device_ids: list[str] | None = None) -> list[Published]:
    """Make each approved device's return bundle. It is kept in the database (the latest one per
    device, served by ``GET /api/v1/return-bundle``) and, with ``out_dir``, written there too."""
    keys = central.require_keys()
    dt, rt, nt, pt = Device.__table__, Record.__table__, Node.__table__, Publication.__table__
    rb = ReturnBundle.__table__
    if device_ids:  # each named device must exist and be approved: nothing written otherwise
        with central.db.read() as conn:
            known = dict(conn.execute(select(dt.c.id, dt.c.status).where(dt.c.id.in_(device_ids))).all())
        for wanted in device_ids:
            if wanted not in known:
                raise NotFound(f"Appareil inconnu : « {wanted[:60]} » (voir « conseiller-central devices list »). "
                               "Rien n'a été publié.")
            if known[wanted] != APPROVED:
                raise UsageError(f"L'appareil {wanted} n'est pas approuvé : rien n'a été publié.")
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
    files: list[tuple[Path, bytes]] = []
    made: list[Published] = []
    with central.db.write() as conn:
        release = reference.latest(conn)
        shared = _with_data(conn, conn.execute(
            select(rt).where(rt.c.entity.in_(sorted(SHARED)), rt.c.in_conflict.is_(False))
            .order_by(rt.c.entity, rt.c.entity_id)))
        max_resolution = conn.execute(select(func.max(nt.c.resolution_no))).scalar() or 0
        q = select(dt).where(dt.c.status == APPROVED).order_by(dt.c.id)
        if device_ids:
            q = q.where(dt.c.id.in_(device_ids))
        now = central.now()
        for dev in conn.execute(q).mappings().all():
            ack = acknowledgment(conn, dev)
            confirmed = conn.execute(select(pt.c.max_resolution_no).where(
                pt.c.device_id == dev["id"], pt.c.sequence == dev["central_seq_seen"])).scalar() or 0
            records = shared + _resolved_for(conn, dev["id"], confirmed)
            sequence = dev["publish_seq"] + 1
            bundle_id = str(uuid.uuid4())
            manifest = {
                "kind": CENTRAL_KIND, "bundle_id": bundle_id, "device_id": dev["id"], "sequence": sequence,
                "created_at": now.isoformat(timespec="seconds"), "sender": keys.fingerprint,
                "recipient": dev["fingerprint"], "reference_version": release.version, "ack": ack,
                "counts": {"records": len(records)}, "app_version": __version__,
            }
            payload: CentralPayload = {"reference": release.data, "records": records}
            sealed, _, _ = seal(manifest, payload, keys.signing_key, dev["age_recipient"], central.limits,
                                demo=central.demo)
            name = central_file_name(dev["id"], sequence)
            conn.execute(pt.insert().values(device_id=dev["id"], sequence=sequence, bundle_id=bundle_id, created_at=now,
                                            reference_version=release.version, ack_changes=ack["changes"],
                                            ack_audit=ack["audit"], ack_bundle=ack["bundle_sequence"],
                                            max_resolution_no=max_resolution, records=len(records), file_name=name))
            conn.execute(dt.update().where(dt.c.id == dev["id"]).values(publish_seq=sequence))
            conn.execute(rb.delete().where(rb.c.device_id == dev["id"]))
            conn.execute(rb.insert().values(device_id=dev["id"], sequence=sequence, content=sealed, created_at=now))
            if out_dir is not None:
                files.append((out_dir / name, sealed))
            made.append(Published(device_id=dev["id"], name=dev["name"], sequence=sequence,
                                  file=str(out_dir / name) if out_dir is not None else None,
                                  reference_version=release.version, ack=ack, records=len(records)))
    for path, sealed in files:
        write_bytes_atomic(path, sealed)
    return made
