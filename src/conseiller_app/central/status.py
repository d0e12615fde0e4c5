"""The central office at a glance: devices, bundles, records per kind, conflicts, incidents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from conseiller_app.central import devices as devices_mod
from conseiller_app.central.ingest import INGESTED, QUARANTINED
from conseiller_app.central.models import SCHEMA_VERSION, Bundle, Conflict, Incident, Node, Record, ReferenceRelease
from conseiller_app.sync import crypto

if TYPE_CHECKING:
    from conseiller_app.central.service import Central


def status(central: Central) -> dict[str, Any]:
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
    return {
        "warnings": central.db.exposure(),
        "schema_version": SCHEMA_VERSION,
        "central": {"name": central.name, "fingerprint": crypto.display_fingerprint(central.fingerprint),
                    "demo": central.demo},
        "demo": central.demo,
        "reference_version": reference_version,
        "devices": [{k: d[k] for k in ("id", "name", "territory", "status", "status_label", "fingerprint",
                                      "bundles_ingested", "bundles_quarantined", "last_sequence", "last_seen_at")}
                    for d in devices],
        "bundles": {"ingested": bundles.get(INGESTED, 0), "quarantined": bundles.get(QUARANTINED, 0)},
        "records": dict(sorted(records.items())),
        "versions": versions,
        "conflicts": {"open": conflicts.get("ouvert", 0), "resolved": conflicts.get("resolu", 0)},
        "incidents": incidents,
    }
