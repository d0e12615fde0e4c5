"""Devices known to the central office: list, approve (then ingest the quarantined bundles),
revoke (their bundles are refused from then on; what was received stays)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from conseiller_app.central.ingest import APPROVED, INGESTED, PENDING, QUARANTINED, REVOKED, IngestResult, ingest_bytes
from conseiller_app.central.models import Bundle, Device, Quarantine
from conseiller_app.domain.errors import NotFound, UsageError
from conseiller_app.sync import crypto
from conseiller_app.sync.errors import BundleRejected

if TYPE_CHECKING:
    from conseiller_app.central.service import Central

STATUS_LABELS = {PENDING: "en attente d'approbation", APPROVED: "approuvé", REVOKED: "révoqué"}


@dataclass(frozen=True)
class DeviceInfo:
    """A device as the central office describes it (``conseiller-central devices list``)."""

    id: str
    status: str  # en_attente | approuve | revoque
    status_label: str
    name: str
    territory: str
    office: str | None
    fingerprint: str  # grouped for reading aloud
    fingerprint_full: str
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    approved_at: datetime | None
    revoked_at: datetime | None
    bundles_ingested: int
    bundles_quarantined: int
    last_sequence: int  # of the last bundle ingested
    published: int  # sequence of the last return bundle made for it


@dataclass(frozen=True)
class RefusedBundle:
    """A quarantined bundle refused when its device was approved."""

    bundle_id: str
    reason: str
    message: str


@dataclass(frozen=True)
class Approved:
    device: DeviceInfo
    was_pending: bool
    ingested: tuple[IngestResult, ...]  # its quarantined bundles, ingested in order
    errors: tuple[RefusedBundle, ...]


@dataclass(frozen=True)
class Revoked:
    device: DeviceInfo
    quarantine_dropped: int  # quarantined bundles deleted


def find(conn: Connection, ref: str) -> dict[str, Any]:
    """A device by its id or an unambiguous beginning of it (at least 4 characters)."""
    dt = Device.__table__
    ref = (ref or "").strip().lower()
    row = conn.execute(select(dt).where(dt.c.id == ref)).mappings().first()
    if row is not None:
        return dict(row)
    if len(ref) < 4:
        raise UsageError("Identifiant d'appareil trop court : donnez-en au moins les 4 premiers caractères.")
    rows = (
        conn.execute(select(dt).where(dt.c.id.like(ref.replace("%", "").replace("_", "\\_") + "%", escape="\\")))
        .mappings()
        .all()
    )
    if not rows:
        raise NotFound(f"Aucun appareil ne correspond à « {ref} ».")
    if len(rows) > 1:
        raise UsageError(f"Plusieurs appareils commencent par « {ref} » : donnez l'identifiant complet.")
    return dict(rows[0])


def find_id(conn: Connection, ref: str) -> str:
    """The full id of the device ``ref`` names (as :func:`find`), for a command's ``--device``."""
    device_id: str = find(conn, ref)["id"]
    return device_id


def _describe(row: Mapping[str, Any], counts: Mapping[tuple[str, str], int]) -> DeviceInfo:
    return DeviceInfo(
        id=row["id"], status=row["status"], status_label=STATUS_LABELS.get(row["status"], row["status"]),
        name=row["name"], territory=row["territory"], office=row["office"],
        fingerprint=crypto.display_fingerprint(row["fingerprint"]), fingerprint_full=row["fingerprint"],
        first_seen_at=row["first_seen_at"], last_seen_at=row["last_seen_at"],
        approved_at=row["approved_at"], revoked_at=row["revoked_at"],
        bundles_ingested=counts.get((row["id"], INGESTED), 0),
        bundles_quarantined=counts.get((row["id"], QUARANTINED), 0),
        last_sequence=counts.get((row["id"], "last"), 0),
        published=row["publish_seq"],
    )


def _bundle_counts(conn: Connection) -> dict[tuple[str, str], int]:
    bt = Bundle.__table__
    out: dict[tuple[str, str], int] = {}
    for did, status, n, last in conn.execute(select(bt.c.device_id, bt.c.status, func.count(), func.max(bt.c.sequence))
                                             .group_by(bt.c.device_id, bt.c.status)):
        out[(did, status)] = n
        if status == INGESTED:
            out[(did, "last")] = last
    return out


def list_devices(central: Central) -> list[DeviceInfo]:
    with central.db.read() as conn:
        counts = _bundle_counts(conn)
        dt = Device.__table__
        rows = conn.execute(select(dt).order_by(dt.c.status, dt.c.name, dt.c.id)).mappings().all()
        return [_describe(dict(r), counts) for r in rows]


def approve(central: Central, ref: str) -> Approved:
    """Approve a pending device, then ingest its quarantined bundles (each in its own transaction)."""
    dt, qt, bt = Device.__table__, Quarantine.__table__, Bundle.__table__
    with central.db.write() as conn:
        dev = find(conn, ref)
        if dev["status"] == REVOKED:
            raise UsageError("Cet appareil a été révoqué : il ne peut pas être approuvé de nouveau.")
        if dev["status"] == PENDING:
            conn.execute(dt.update().where(dt.c.id == dev["id"]).values(status=APPROVED, approved_at=central.now()))
        queued = conn.execute(select(qt.c.bundle_id, bt.c.file_name).join(bt, bt.c.id == qt.c.bundle_id)
                              .where(qt.c.device_id == dev["id"]).order_by(bt.c.sequence)).all()
    results: list[IngestResult] = []
    errors: list[RefusedBundle] = []
    for bundle_id, file_name in queued:
        with central.db.read() as conn:
            content = conn.execute(select(qt.c.content).where(qt.c.bundle_id == bundle_id)).scalar()
        try:
            results.append(ingest_bytes(central, bytes(content or b""), file_name))
        except BundleRejected as exc:
            errors.append(RefusedBundle(bundle_id=bundle_id, reason=exc.reason, message=exc.message))
    with central.db.read() as conn:
        described = _describe(find(conn, dev["id"]), _bundle_counts(conn))
    return Approved(device=described, was_pending=dev["status"] == PENDING, ingested=tuple(results),
                    errors=tuple(errors))


def revoke(central: Central, ref: str) -> Revoked:
    dt, qt, bt = Device.__table__, Quarantine.__table__, Bundle.__table__
    with central.db.write() as conn:
        dev = find(conn, ref)
        if dev["status"] != REVOKED:
            conn.execute(dt.update().where(dt.c.id == dev["id"]).values(status=REVOKED, revoked_at=central.now()))
        dropped = conn.execute(qt.delete().where(qt.c.device_id == dev["id"])).rowcount or 0
        conn.execute(bt.delete().where(bt.c.device_id == dev["id"], bt.c.status == QUARANTINED))
        described = _describe(find(conn, dev["id"]), _bundle_counts(conn))
    return Revoked(device=described, quarantine_dropped=dropped)
