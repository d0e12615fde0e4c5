"""What the console's pages show, read from the central office's tables (no HTTP here)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from conseiller_app.central import devices as devices_mod
from conseiller_app.central.devices import DeviceInfo
from conseiller_app.central.ingest import PENDING
from conseiller_app.central.models import Bundle, Incident, Publication, Refusal
from conseiller_app.central.status import BundleCounts, ConflictCounts, status

if TYPE_CHECKING:
    from conseiller_app.central.service import Central

# The detail pages' tables (bundles, incidents, publications, refusals) are database rows shown
# column by column by the templates: they stay the rows' mappings (``Row``), not a type each.
Row = dict[str, Any]


@dataclass(frozen=True)
class KindCount:
    kind: str
    active: int
    deleted: int


@dataclass(frozen=True)
class HomeFigures:
    """The home page: aggregated figures only (what a partner may see), no name, no id of a person or a device."""

    reference_version: int
    devices: int
    devices_pending: int
    bundles: BundleCounts
    records: tuple[KindCount, ...]
    conflicts: ConflictCounts
    incidents: int


@dataclass(frozen=True)
class ListedDevice(DeviceInfo):
    """A device in the console's list, with the security incidents noted for it."""

    incidents: int = 0

    @classmethod
    def of(cls, device: DeviceInfo, incidents: int) -> ListedDevice:
        return cls(**{f.name: getattr(device, f.name) for f in fields(DeviceInfo)}, incidents=incidents)


@dataclass(frozen=True)
class DeviceDetail:
    device: DeviceInfo
    bundles: list[Row]
    incidents: list[Row]
    publications: list[Row]
    refusals: list[Row]


@dataclass(frozen=True)
class BundleHistory:
    """The bundles page: the latest bundles, refusals and incidents, each row with ``device_name``."""

    bundles: list[Row]
    refusals: list[Row]
    incidents: list[Row]


def indicators(central: Central) -> HomeFigures:
    st = status(central)
    return HomeFigures(
        reference_version=st.reference_version,
        devices=len(st.devices),
        devices_pending=sum(1 for d in st.devices if d.status == PENDING),
        bundles=st.bundles,
        records=tuple(KindCount(kind=k, active=v.active, deleted=v.deleted) for k, v in st.records.items()),
        conflicts=st.conflicts,
        incidents=st.incidents,
    )


def device_list(central: Central) -> list[ListedDevice]:
    rows = devices_mod.list_devices(central)
    it = Incident.__table__
    with central.db.read() as conn:
        incidents: dict[str, int] = dict(conn.execute(select(it.c.device_id, func.count()).group_by(it.c.device_id))
                                         .tuples().all())
    return [ListedDevice.of(d, incidents.get(d.id, 0)) for d in rows]


def device_detail(central: Central, ref: str) -> DeviceDetail:
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
    [described] = [d for d in devices_mod.list_devices(central) if d.id == dev["id"]]
    return DeviceDetail(device=described, bundles=[dict(b) for b in bundles], incidents=[dict(i) for i in incidents],
                        publications=[dict(p) for p in publications], refusals=[dict(r) for r in refusals])


def bundle_history(central: Central, limit: int = 300) -> BundleHistory:
    bt, rt, it = Bundle.__table__, Refusal.__table__, Incident.__table__
    names = {d.id: d.name for d in devices_mod.list_devices(central)}
    with central.db.read() as conn:
        bundles = [dict(b) for b in conn.execute(select(bt).order_by(bt.c.received_at.desc()).limit(limit)).mappings()]
        refusals = [dict(r) for r in conn.execute(select(rt).order_by(rt.c.id.desc()).limit(limit)).mappings()]
        incidents = [dict(i) for i in conn.execute(select(it).order_by(it.c.id.desc()).limit(limit)).mappings()]
    for row in bundles + refusals + incidents:
        row["device_name"] = names.get(row.get("device_id") or "", "")
    return BundleHistory(bundles=bundles, refusals=refusals, incidents=incidents)
