"""What the console's pages show, read from the central office's tables (no HTTP here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from conseiller_app.central import devices as devices_mod
from conseiller_app.central.ingest import PENDING
from conseiller_app.central.models import Bundle, Incident, Publication, Refusal
from conseiller_app.central.status import status

if TYPE_CHECKING:
    from conseiller_app.central.service import Central


def indicators(central: Central) -> dict[str, Any]:
    """Aggregated figures only (what a partner may see): no name, no id of a person or a device."""
    st = status(central)
    return {
        "reference_version": st["reference_version"],
        "devices": len(st["devices"]),
        "devices_pending": sum(1 for d in st["devices"] if d["status"] == PENDING),
        "bundles": st["bundles"],
        "records": [{"kind": k, "active": v["active"], "deleted": v["deleted"]} for k, v in st["records"].items()],
        "conflicts": st["conflicts"],
        "incidents": st["incidents"],
    }


def device_list(central: Central) -> list[dict[str, Any]]:
    rows = devices_mod.list_devices(central)
    it = Incident.__table__
    with central.db.read() as conn:
        incidents: dict[str, int] = dict(conn.execute(select(it.c.device_id, func.count()).group_by(it.c.device_id)).all())
    for d in rows:
        d["incidents"] = incidents.get(d["id"], 0)
    return rows


def device_detail(central: Central, ref: str) -> dict[str, Any]:
    bt, it, pt, rt = Bundle.__table__, Incident.__table__, Publication.__table__, Refusal.__table__
    with central.db.read() as conn:
        dev = devices_mod.find(conn, ref)
        bundles = conn.execute(select(bt).where(bt.c.device_id == dev["id"]).order_by(bt.c.sequence.desc())
                               .limit(200)).mappings().all()
        incidents = conn.execute(select(it).where(it.c.device_id == dev["id"]).order_by(it.c.id.desc())
                                 .limit(100)).mappings().all()
        publications = conn.execute(select(pt).where(pt.c.device_id == dev["id"]).order_by(pt.c.sequence.desc())
                                    .limit(50)).mappings().all()
        refusals = conn.execute(select(rt).where(rt.c.device_id == dev["id"]).order_by(rt.c.id.desc())
                                .limit(100)).mappings().all()
    [described] = [d for d in devices_mod.list_devices(central) if d["id"] == dev["id"]]
    return {"device": described, "bundles": [dict(b) for b in bundles], "incidents": [dict(i) for i in incidents],
            "publications": [dict(p) for p in publications], "refusals": [dict(r) for r in refusals]}


def bundle_history(central: Central, limit: int = 300) -> dict[str, Any]:
    bt, rt, it = Bundle.__table__, Refusal.__table__, Incident.__table__
    names = {d["id"]: d["name"] for d in devices_mod.list_devices(central)}
    with central.db.read() as conn:
        bundles = [dict(b) for b in conn.execute(select(bt).order_by(bt.c.received_at.desc()).limit(limit)).mappings()]
        refusals = [dict(r) for r in conn.execute(select(rt).order_by(rt.c.id.desc()).limit(limit)).mappings()]
        incidents = [dict(i) for i in conn.execute(select(it).order_by(it.c.id.desc()).limit(limit)).mappings()]
    for row in bundles + refusals + incidents:
        row["device_name"] = names.get(row.get("device_id") or "", "")
    return {"bundles": bundles, "refusals": refusals, "incidents": incidents}
