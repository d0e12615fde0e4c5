"""The central office at a glance: devices, bundles, records per kind, conflicts, incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from conseiller_app.central import devices as devices_mod
from conseiller_app.central.ingest import INGESTED, QUARANTINED
from conseiller_app.central.models import SCHEMA_VERSION, Bundle, Conflict, Incident, Node, Record, ReferenceRelease
from conseiller_app.sync import crypto

if TYPE_CHECKING:
    from conseiller_app.central.service import Central


@dataclass(frozen=True)
class CentralIdentity:
    name: str
    fingerprint: str  # grouped for reading aloud
    demo: bool


@dataclass(frozen=True)
class DeviceSummary:
    """A device's line in the status (a subset of :class:`devices.DeviceInfo`)."""

    id: str
    name: str
    territory: str
    status: str
    status_label: str
    fingerprint: str
    bundles_ingested: int
    bundles_quarantined: int
    last_sequence: int
    last_seen_at: datetime | None


@dataclass(frozen=True)
class BundleCounts:
    ingested: int
    quarantined: int


@dataclass(frozen=True)
class RecordCounts:
    active: int
    deleted: int


@dataclass(frozen=True)
class ConflictCounts:
    open: int
    resolved: int


@dataclass(frozen=True)
class CentralStatus:
    """``conseiller-central status`` (its ``--json`` is this, field by field)."""

    warnings: tuple[str, ...]  # how the SQLite file is exposed
    schema_version: int
    central: CentralIdentity
    demo: bool
    reference_version: int
    devices: tuple[DeviceSummary, ...]
    bundles: BundleCounts
    records: dict[str, RecordCounts]  # by kind of record, sorted
    versions: int
    conflicts: ConflictCounts
    incidents: int


def status(central: Central) -> CentralStatus:
    devices = devices_mod.list_devices(central)
    bt, rt, ct, it, nt, ref = (Bundle.__table__, Record.__table__, Conflict.__table__, Incident.__table__,
                               Node.__table__, ReferenceRelease.__table__)
    with central.db.read() as conn:
        bundles: dict[str, int] = dict(conn.execute(select(bt.c.status, func.count()).group_by(bt.c.status)).all())
        records: dict[str, dict[str, int]] = {}
        for entity, deleted, n in conn.execute(select(rt.c.entity, rt.c.deleted, func.count())
                                               .group_by(rt.c.entity, rt.c.deleted)):
            kind = records.setdefault(entity, {"active": 0, "deleted": 0})
            kind["deleted" if deleted else "active"] += n
        conflicts: dict[str, int] = dict(conn.execute(select(ct.c.status, func.count()).group_by(ct.c.status)).all())
        incidents = conn.execute(select(func.count()).select_from(it)).scalar() or 0
        versions = conn.execute(select(func.count()).select_from(nt)).scalar() or 0
        reference_version = conn.execute(select(func.max(ref.c.version))).scalar() or 0
    return CentralStatus(
        warnings=tuple(central.db.exposure()),
        schema_version=SCHEMA_VERSION,
        central=CentralIdentity(name=central.name, fingerprint=crypto.display_fingerprint(central.fingerprint),
                                demo=central.demo),
        demo=central.demo,
        reference_version=reference_version,
        devices=tuple(DeviceSummary(id=d.id, name=d.name, territory=d.territory, status=d.status,
                                    status_label=d.status_label, fingerprint=d.fingerprint,
                                    bundles_ingested=d.bundles_ingested, bundles_quarantined=d.bundles_quarantined,
                                    last_sequence=d.last_sequence, last_seen_at=d.last_seen_at) for d in devices),
        bundles=BundleCounts(ingested=bundles.get(INGESTED, 0), quarantined=bundles.get(QUARANTINED, 0)),
        records={k: RecordCounts(active=v["active"], deleted=v["deleted"]) for k, v in sorted(records.items())},
        versions=versions,
        conflicts=ConflictCounts(open=conflicts.get("ouvert", 0), resolved=conflicts.get("resolu", 0)),
        incidents=incidents,
    )
