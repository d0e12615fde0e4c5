"""The convention's indicators consolidated at the central office (issue 11).

The same code as on the devices: the central office's records are read into the device's own
:class:`~conseiller_app.domain.indicators.Dataset` and handed to
:func:`conseiller_app.domain.indicators.compute`. Nothing is computed twice in two ways.

API (for the command line, the console, the bilan and the partners' exports)::

    ds = load_dataset(central)                      # every device's synced data, cached
    ds = load_dataset(central, device_id)           # only the files that device holds
    c = consolidate(central, Filters(...))          # domain.consolidation.Consolidation
    c.report, c.breakdowns["territory"].rows, c.trend, c.quality
    filters = parse_filters(central, {"from": "01/01/2026", "territory": "arrageois"})
    territories(central)                            # code -> name, from the latest release
    signature_date(central)                         # start of the convention's year 1

What is read: the current version (``record.hash``) of each live record — tombstones and deleted
rows left out; a record in conflict counts in its last accepted version, the one every competing
version descends from, until a person chooses (then the version kept counts) — and the latest
reference release (communes → territories, agencies, chantiers, AKTIV envelopes).

Speed: only the fields the indicators read are taken out of each snapshot, on PostgreSQL by the
server (``jsonb_to_record``), on the driver's cursor (no SQLAlchemy row processing). The Dataset
is cached in the :class:`~conseiller_app.central.service.Central` object, keyed by the data
version (highest version number received, latest reference release): a second computation with
other filters only runs the pure code.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import threading
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from conseiller_app.central import bulk, merge
from conseiller_app.central.ingest import APPROVED, INGESTED, QUARANTINED
from conseiller_app.central.models import Bundle, Conflict, Device, Meta, Node, Record, ReferenceRelease
from conseiller_app.domain import indicators as I
from conseiller_app.domain.consolidation import (
    DIMENSIONS,
    Breakdown,
    BreakdownRow,
    Consolidation,
    DataQuality,
    StaleDevice,
    period_label,
)
from conseiller_app.domain.enums import FundingLine, Public
from conseiller_app.domain.reference import envelopes_from_json

if TYPE_CHECKING:
    from conseiller_app.central.service import Central

#: Meta key of the convention's signature date at the central office (ISO date); the device side
#: keeps the same setting under the same name (``storage.services.indicators.SIGNATURE_KEY``).
SIGNATURE_KEY = "convention_signature"
#: Until the real date is set: the Commission Permanente authorised the signature on 8 July 2024
#: (deliberation 2024-330), as on the devices.
DEFAULT_SIGNATURE = date(2024, 7, 8)

NO_TERRITORY = "Sans territoire"

# --- reading the records ------------------------------------------------------------------------

#: entity -> (field, PostgreSQL type in jsonb_to_record) read from each snapshot, in the order the
#: rows are built below. ``deleted_at`` last: a row carrying it is a tombstone.
FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "beneficiary": (("public", "text"), ("commune_insee", "text"), ("referent_id", "text"),
                    ("spotting_date", "text"), ("current_stage", "text")),
    "pathway_step": (("beneficiary_id", "text"), ("stage", "text"), ("status", "text"), ("actual_start", "text"),
                     ("actual_end", "text"), ("outcome", "text")),
    "atelier_session": (("kind", "text"), ("territory", "text"), ("chantier", "text"), ("start_date", "text"),
                        ("fpett_validated_on", "text"), ("agencies", "jsonb")),
    "registration": (("session_id", "text"), ("beneficiary_id", "text"), ("status", "text"),
                     ("positioned_by_agency_id", "text")),
    "referral": (("beneficiary_id", "text"), ("agency_id", "text"), ("scheme", "text"), ("status", "text"),
                 ("created_at", "text")),
    "barrier": (("beneficiary_id", "text"), ("type", "text"), ("status", "text"), ("identified_on", "text"),
                ("lifted_on", "text")),
    "pci_diagnostic": (("beneficiary_id", "text"), ("held_on", "text"), ("held_by", "text"),
                       ("recommendations", "jsonb")),
    "prevention_pathway": (("beneficiary_id", "text"), ("status", "text"), ("started_on", "text"),
                           ("completed_on", "text")),
    "funding_line": (("beneficiary_id", "text"), ("target_kind", "text"), ("target_id", "text"), ("funder", "text"),
                     ("line", "text"), ("amount_cents", "bigint"), ("granted_on", "text")),
    "conseiller": (("name", "text"), ("territory", "text")),
}


def _day(text: Any) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def _live_rows(conn: Connection, entity: str, ids: Sequence[str] | None = None) -> list[tuple[Any, ...]]:
    """(entity_id, *fields) of every live record of ``entity`` (or of those of ``ids``): its
    current version, or for a record in conflict its last accepted version (see
    :func:`_accepted_in_conflict`)."""
    fields = FIELDS[entity]
    names = [name for name, _ in fields]
    raw: list[tuple[Any, ...]] = []
    cur = bulk.cursor(conn)
    try:
        if bulk.is_postgresql(conn):
            cols = ", ".join(f"x.{name}" for name in names)
            types = ", ".join(f"{name} {type_}" for name, type_ in (*fields, ("deleted_at", "text")))
            sql = (f"SELECT r.entity_id, {cols} FROM record r JOIN node n ON n.entity = r.entity "
                   "AND n.entity_id = r.entity_id AND n.hash = r.hash "
                   f"CROSS JOIN LATERAL jsonb_to_record(n.data::jsonb) AS x({types}) "
                   "WHERE r.entity = %s AND NOT r.deleted AND NOT r.in_conflict AND x.deleted_at IS NULL")
            if ids is None:
                cur.execute(sql, (entity,))
            else:
                cur.execute(sql + " AND r.entity_id = ANY(%s::text[])", (entity, bulk.text_array(ids)))
            raw = cur.fetchall()
        else:
            sql = ("SELECT r.entity_id, n.data FROM record r JOIN node n ON n.entity = r.entity "
                   "AND n.entity_id = r.entity_id AND n.hash = r.hash "
                   "WHERE r.entity = ? AND r.deleted = 0 AND r.in_conflict = 0")
            found: list[tuple[str, str]] = []
            if ids is None:
                cur.execute(sql, (entity,))
                found = cur.fetchall()
            else:
                for i in range(0, len(ids), bulk.CHUNK):
                    chunk = list(ids[i:i + bulk.CHUNK])
                    cur.execute(sql + f" AND r.entity_id IN ({','.join('?' * len(chunk))})", (entity, *chunk))
                    found += cur.fetchall()
            loads = json.loads
            for eid, text in found:
                d = loads(text)
                if d.get("deleted_at") is None:
                    raw.append((eid, *[d.get(n) for n in names]))
    finally:
        cur.close()
    for eid, d in _accepted_in_conflict(conn, entity, ids).items():
        if d.get("deleted_at") is None:
            raw.append((eid, *[d.get(n) for n in names]))
    # The same version may have reached the office more than once (from two devices, or with two
    # parents): one row per record.
    seen: set[str] = set()
    out = []
    for row in raw:
        if row[0] not in seen:
            seen.add(row[0])
            out.append(row)
    return out


def _accepted_in_conflict(conn: Connection, entity: str, ids: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """The snapshot of each record of ``entity`` in conflict, in its last accepted version: the
    latest version every competing head descends from (what the record was before the dispute).
    Without one (two creations of the same record), the version the office holds (its highest
    head). Tombstones are returned as such (the caller leaves them out)."""
    rt = Record.__table__
    current = dict(conn.execute(select(rt.c.entity_id, rt.c.hash).where(
        rt.c.entity == entity, rt.c.in_conflict.is_(True), rt.c.deleted.is_(False))).all())
    if ids is not None:
        wanted_ids = set(ids)
        current = {eid: h for eid, h in current.items() if eid in wanted_ids}
    if not current:
        return {}
    nodes = merge.load_nodes(conn, [(entity, eid) for eid in current])
    wanted: dict[str, str] = {}
    for eid, top in current.items():
        versions = nodes.get((entity, eid), [])
        by_hash: dict[str, list[merge.NodeInfo]] = {}
        for n in versions:
            by_hash.setdefault(n.hash, []).append(n)

        def ancestry(start: str, by_hash: dict[str, list[merge.NodeInfo]] = by_hash) -> set[str]:
            seen: set[str] = set()
            stack = [start]
            while stack:
                h = stack.pop()
                if h in seen or h not in by_hash:
                    continue
                seen.add(h)
                for n in by_hash[h]:
                    stack.append(n.parent)
                    stack.extend(x for x in (n.merges or []) if isinstance(x, str))
            return seen

        heads = merge.heads_of(versions) if versions else []
        common = set.intersection(*(ancestry(h.hash) for h in heads)) if heads else set()
        if common:
            best = max(common, key=lambda h: (max(n.version for n in by_hash[h]), h))
            if any(n.deleted for n in by_hash[best]):
                continue
            wanted[eid] = best
        else:
            wanted[eid] = top
    out: dict[str, dict[str, Any]] = {}
    for eid, h, text in bulk.select_by_ids(conn, "entity_id, hash, data", "node", entity, list(wanted)):
        if wanted.get(eid) == h and eid not in out:
            out[eid] = json.loads(text)
    return out


def _json_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return list(value) if isinstance(value, list) else []


@dataclass(frozen=True)
class Reference:
    """What the indicators take from the latest reference release."""

    version: int
    territories: Mapping[str, str]  # code -> name
    commune_territory: Mapping[str, str]  # insee -> territory code
    agencies: Mapping[str, str]  # id -> name
    chantiers: Mapping[str, str]  # code -> name
    aktiv_envelopes: Mapping[int, int]


def _reference(conn: Connection) -> Reference:
    t = ReferenceRelease.__table__
    row = conn.execute(select(t.c.version, t.c.data).order_by(t.c.version.desc()).limit(1)).first()
    data: dict[str, Any] = (bulk.json_value(row.data) or {}) if row is not None else {}
    terr = data.get("territories") or {}
    if isinstance(terr, list):  # the shipped file's form
        terr = {x["code"]: x["name"] for x in terr}
    return Reference(
        version=row.version if row is not None else 0,
        territories=dict(terr),
        commune_territory={c["insee"]: c["territory"] for c in data.get("communes") or []},
        agencies={a["id"]: str(a.get("name") or a["id"]) for a in data.get("agencies") or [] if a.get("id")},
        chantiers={c["code"]: str(c.get("name") or c["code"])
                   for c in data.get("chantiers") or [] if isinstance(c, dict)},
        aktiv_envelopes=envelopes_from_json(data.get("aktiv_envelopes") or []),
    )


@dataclass(frozen=True, eq=False)
class Loaded:
    """The whole Département's dataset and what goes with it, for one data version."""

    version: tuple[Any, ...]
    dataset: I.Dataset
    reference: Reference
    conseillers: Mapping[str, tuple[str, str]]  # conseiller id -> (name, territory)
    #: entity -> record id -> its row (what a later load updates with the records received since)
    rows: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)


def data_version(conn: Connection) -> tuple[Any, ...]:
    """Changes whenever what the indicators read may have changed: every version received and
    every conflict resolution adds a row to ``node`` (ids only go up), a new reference release
    raises its version."""
    nt, rt = Node.__table__, ReferenceRelease.__table__
    return (conn.execute(select(func.max(nt.c.id))).scalar(), conn.execute(select(func.max(rt.c.version))).scalar())


@contextmanager
def _paused_collector() -> Iterator[None]:
    """Hundreds of thousands of small acyclic rows: the cyclic collector's passes over them would
    cost more than reading them (the device side does the same)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _builders(territory_of: Mapping[str, str]) -> dict[str, Any]:
    """entity -> function from (entity_id, *fields) to the Dataset's row (None: not a row)."""
    def pci(eid: str, bid: str, held: Any, by: str, recs: Any) -> I.PciRow:
        return I.PciRow(eid, bid, _day(held) or date.min, by,
                        tuple((x["code"], x.get("followed")) for x in _json_list(recs) if isinstance(x, dict)))

    return {
        "beneficiary": lambda eid, public, commune, referent, spotted, stage: I.FileRow(
            eid, public, territory_of.get(commune or ""), referent or "", _day(spotted) or date.min,
            stage or "reperage"),
        "pathway_step": lambda _, bid, stage, status, start, end, outcome: I.StepRow(
            bid, stage, status, _day(start), _day(end), outcome) if start else None,
        "atelier_session": lambda eid, kind, terr, chantier, start, validated, agencies: I.SessionRow(
            eid, kind, terr, chantier, _day(start) or date.min, _day(validated), tuple(_json_list(agencies))),
        "registration": lambda _, sid, bid, status, agency: I.RegistrationRow(sid, bid, status, agency),
        "referral": lambda eid, bid, agency, scheme, status, created: I.ReferralRow(
            eid, bid, agency, scheme, status, _day(created) or date.min),
        "barrier": lambda _, bid, type_, status, identified, lifted: I.BarrierRow(
            bid, type_, status, _day(identified) or date.min, _day(lifted)),
        "pci_diagnostic": pci,
        "prevention_pathway": lambda eid, bid, status, start, end: I.PreventionRow(
            eid, bid, status, _day(start) or date.min, _day(end)),
        "funding_line": lambda eid, bid, kind, target, funder, line, amount, granted: I.FundingRow(
            eid, bid, kind, target, funder, line, int(amount or 0), _day(granted) or date.min),
        "conseiller": lambda _, name, terr: (name or "", terr or ""),
    }


def _changed_since(conn: Connection, node_id: int) -> dict[str, list[str]]:
    """entity -> ids of the records that received a version (or a resolution) after ``node_id``."""
    nt = Node.__table__
    out: dict[str, list[str]] = defaultdict(list)
    for entity, eid in conn.execute(select(nt.c.entity, nt.c.entity_id).distinct().where(nt.c.id > node_id)):
        if entity in FIELDS:
            out[entity].append(eid)
    return out


def _load(conn: Connection, version: tuple[Any, ...], previous: Loaded | None = None) -> Loaded:
    """The rows of ``version``: from those of ``previous`` when it has the same reference release
    (only the records that received a version since are read again), else all of them."""
    ref = _reference(conn)
    build = _builders(ref.commune_territory)
    rows: dict[str, dict[str, Any]]
    with _paused_collector():
        if (previous is not None and previous.rows and previous.reference.version == ref.version
                and previous.version[0] is not None and version[0] is not None):
            rows = {entity: dict(previous.rows[entity]) for entity in FIELDS}
            for entity, ids in _changed_since(conn, previous.version[0]).items():
                table, make = rows[entity], build[entity]
                for eid in ids:
                    table.pop(eid, None)
                for raw in _live_rows(conn, entity, ids):
                    row = make(*raw)
                    if row is not None:
                        table[raw[0]] = row
        else:
            rows = {}
            for entity in FIELDS:
                make = build[entity]
                table = rows[entity] = {}
                for raw in _live_rows(conn, entity):
                    row = make(*raw)
                    if row is not None:
                        table[raw[0]] = row
        ds = I.Dataset(
            files=list(rows["beneficiary"].values()), steps=list(rows["pathway_step"].values()),
            sessions=list(rows["atelier_session"].values()), registrations=list(rows["registration"].values()),
            referrals=list(rows["referral"].values()), barriers=list(rows["barrier"].values()),
            pci=list(rows["pci_diagnostic"].values()), prevention=list(rows["prevention_pathway"].values()),
            funding=list(rows["funding_line"].values()), aktiv_envelopes=dict(ref.aktiv_envelopes))
    return Loaded(version, ds, ref, rows["conseiller"], rows)


_lock = threading.Lock()
CACHE_KEY = "indicators"


def loaded(central: Central) -> Loaded:
    """The consolidated rows, read again only when the data changed since the last call."""
    cache: dict[str, Any] = central.cache
    with central.db.read() as conn:
        version = data_version(conn)
        with _lock:
            hit: Loaded | None = cache.get(CACHE_KEY)
        if hit is not None and hit.version == version:
            return hit
        gc.unfreeze()  # the previous rows go back to the collector (and away by refcount once replaced)
        out = _load(conn, version, hit)
    with _paused_collector():
        I.index(out.dataset)  # built once, kept with the dataset
    with _lock:
        cache[CACHE_KEY] = out
        cache.pop("indicators_devices", None)
        cache.pop("indicators_parts", None)
    # Some 800,000 long-lived rows: out of the cyclic collector's sight, or each of its full passes
    # (in any request) walks them all — a second or two added to whichever page it falls in. The
    # device does the same (``storage.services.indicators``).
    gc.freeze()
    return out


def held_files(central: Central, device_id: str) -> tuple[frozenset[str], frozenset[str]]:
    """The files (beneficiary ids) a device holds — it sent a version of them — and the funding
    lines without a file (those of sessions) it sent. Cached with the data version."""
    base = loaded(central)
    with _lock:
        per_device = central.cache.setdefault("indicators_devices", {})
        hit = per_device.get(device_id)
    if hit is not None and hit[0] == base.version:
        return hit[1], hit[2]
    nt = Node.__table__
    with central.db.read() as conn:
        files = frozenset(conn.execute(select(nt.c.entity_id).distinct().where(
            nt.c.entity == "beneficiary", nt.c.device_id == device_id)).scalars())
        lines = frozenset(conn.execute(select(nt.c.entity_id).distinct().where(
            nt.c.entity == "funding_line", nt.c.device_id == device_id)).scalars())
    with _lock:
        per_device[device_id] = (base.version, files, lines)
    return files, lines


def load_dataset(central: Central, device_id: str | None = None) -> I.Dataset:
    """The Dataset the devices build, from the central office's records: every device's, or with
    ``device_id`` only the files that device holds (with everything recorded on them, whoever
    recorded it), the sessions of the shared calendar and the session funding lines it sent."""
    base = loaded(central)
    if device_id is None:
        return base.dataset
    files, own_lines = held_files(central, device_id)
    key = ("device", device_id)
    hit = _cached_part(central, base, key)
    if hit is not None:
        return hit
    whole = subset(base.dataset, [x.id for x in base.dataset.files if x.id in files])
    out = dataclasses.replace(whole, funding=[x for x in whole.funding if x.beneficiary_id or x.id in own_lines])
    _keep_part(central, base, key, out)
    return out


# --- computing over a part of the files -------------------------------------------------------------

#: A breakdown row (or a filter) that can only keep files of a set smaller than this share of the
#: dataset's is computed over a dataset of those files alone (:func:`subset`: the same figures,
#: without walking every row of the Département); larger ones over the whole dataset.
SUBSET_BELOW = 0.25
#: Parts kept in ``Central.cache`` (with their index) for the next filter change: at most this many
#: times the Département's files in all (the parts by conseiller and by territory fit).
PARTS_BUDGET = 3.0
#: Breakdowns whose rows are computed over their own parts, built if need be: many small rows (one
#: per conseiller). The rows of the other breakdowns on the files (a handful each) are computed
#: over a part already kept (a filter asked before on the same data), else over the filter's
#: scope: building a part (gathering its rows, taking its index from the Département's) costs
#: more than one computation over a period of the whole scope.
ROW_PARTS = ("conseiller",)
#: Breakdowns on the files' own attributes (the others are periods).
FILE_DIMENSIONS = ("territory", "conseiller", "agency", "chantier", "public", "scheme")
PER_FILE = ("steps", "registrations", "referrals", "barriers", "pci", "prevention", "funding")


class _Groups:
    """The dataset's rows grouped by file, and its files by the value of each dimension."""

    def __init__(self, ds: I.Dataset) -> None:
        self.rows: dict[str, dict[str, list[Any]]] = {}
        for name in PER_FILE:
            table: dict[str, list[Any]] = defaultdict(list)
            for row in getattr(ds, name):
                if row.beneficiary_id:
                    table[row.beneficiary_id].append(row)
            self.rows[name] = dict(table)
        self.session_funding = [x for x in ds.funding if not x.beneficiary_id]
        self.files: dict[str, dict[str, list[str]]] = {}

    def universe(self, ds: I.Dataset, dimension: str) -> dict[str, list[str]]:
        """value -> the files a filter on ``dimension`` = value can keep (file-based dimensions)."""
        hit = self.files.get(dimension)
        if hit is not None:
            return hit
        out: dict[str, list[str]] = defaultdict(list)
        attr = {"territory": "territory", "conseiller": "referent_id", "public": "public"}.get(dimension)
        if attr is not None:
            for x in ds.files:
                value = getattr(x, attr)
                if value:
                    out[value].append(x.id)
        else:
            ix = I.index(ds)
            by_file = {"chantier": ix.file_chantiers, "agency": ix.file_agencies, "scheme": ix.file_schemes}[dimension]
            for x in ds.files:
                for value in by_file.get(x.id, ()):
                    out[value].append(x.id)
        self.files[dimension] = dict(out)
        return self.files[dimension]


_groups: weakref.WeakKeyDictionary[I.Dataset, _Groups] = weakref.WeakKeyDictionary()


def _grouped(ds: I.Dataset) -> _Groups:
    g = _groups.get(ds)
    if g is None:
        g = _groups[ds] = _Groups(ds)
    return g


def subset(ds: I.Dataset, file_ids: Sequence[str]) -> I.Dataset:
    """The rows of the files ``file_ids`` (in the dataset's order within each file), the whole
    sessions calendar and the sessions' funding lines. Every figure counts sessions or rows of the
    files the filters keep: for filters that keep only files of ``file_ids``, ``compute`` gives
    the same report on this dataset as on ``ds``."""
    g = _grouped(ds)
    files = I.index(ds).all_files
    parts: dict[str, list[Any]] = {}
    for name in PER_FILE:
        table, rows = g.rows[name], []
        for bid in file_ids:
            found = table.get(bid)
            if found:
                rows.extend(found)
        parts[name] = rows
    parts["funding"] = g.session_funding + parts["funding"]
    out = I.Dataset(files=[files[i] for i in file_ids if i in files], sessions=ds.sessions,
                    aktiv_envelopes=ds.aktiv_envelopes, **parts)
    I.index_within(ds, out)  # from the dataset's index: the files' rows are not walked again
    return out


def _cached_part(central: Central, base: Loaded, key: tuple[Any, ...]) -> I.Dataset | None:
    with _lock:
        parts = central.cache.get("indicators_parts")
        if parts is None or parts[0] is not base:
            return None
        hit: I.Dataset | None = parts[1].get(key)
        if hit is not None:
            parts[1].move_to_end(key)
        return hit


def _keep_part(central: Central, base: Loaded, key: tuple[Any, ...], part: I.Dataset) -> None:
    with _lock:
        parts = central.cache.get("indicators_parts")
        if parts is None or parts[0] is not base:
            parts = central.cache["indicators_parts"] = (base, OrderedDict())
        held: OrderedDict[tuple[Any, ...], I.Dataset] = parts[1]
        held[key] = part
        budget = PARTS_BUDGET * max(1, len(base.dataset.files))
        while len(held) > 1 and sum(len(p.files) for p in held.values()) > budget:
            held.popitem(last=False)


def _part_for(central: Central, base: Loaded, ds: I.Dataset, device_id: str | None, dimension: str,
              value: str) -> I.Dataset:
    """The dataset to compute a filter on ``dimension`` = ``value`` over: its files' part when
    small enough (kept for the next call), else the whole ``ds``."""
    ids = _grouped(ds).universe(ds, dimension).get(value, [])
    if len(ids) >= SUBSET_BELOW * len(ds.files):
        return ds
    key = ("part", device_id, dimension, value)
    hit = _cached_part(central, base, key)
    if hit is None:
        hit = subset(ds, ids)
        _keep_part(central, base, key, hit)
    return hit


#: Reports kept for the same data and filters (a console page shown again, the bilan and the
#: export of the same period): at most this many.
REPORTS_KEPT = 4000


def _compute(central: Central, base: Loaded, device_id: str | None, ds: I.Dataset,
             f: I.Filters) -> I.IndicatorReport:
    """``compute(ds, f)``, or the same report computed earlier on the same data (``ds`` is the
    whole scope or a part of it: the report depends only on the data version, the device and
    the filters)."""
    key = (device_id, f)
    with _lock:
        held = central.cache.get("indicators_reports")
        if held is None or held[0] is not base:
            held = central.cache["indicators_reports"] = (base, OrderedDict())
        reports: OrderedDict[tuple[Any, ...], I.IndicatorReport] = held[1]
        hit = reports.get(key)
        if hit is not None:
            reports.move_to_end(key)
            return hit
    report = I.compute(ds, f)
    with _lock:
        reports[key] = report
        while len(reports) > REPORTS_KEPT:
            reports.popitem(last=False)
    return report


#: Filters on the files' own attributes, and the dimension whose parts serve them.
_FILTER_DIMENSIONS = (("referent_id", "conseiller"), ("territory", "territory"), ("agency_id", "agency"),
                      ("chantier", "chantier"), ("scheme", "scheme"), ("public", "public"))


def _dataset_for(central: Central, base: Loaded, ds: I.Dataset, device_id: str | None, f: I.Filters) -> I.Dataset:
    """The smallest part that holds every file ``f`` can keep (the whole ``ds`` without a filter
    on the files)."""
    best = ds
    for attr, dimension in _FILTER_DIMENSIONS:
        value = getattr(f, attr)
        if value:
            part = _part_for(central, base, ds, device_id, dimension, value)
            if len(part.files) < len(best.files):
                best = part
    return best


# --- settings and filters -------------------------------------------------------------------------


def signature_date(central: Central) -> date:
    """The convention's signature date (start of year 1), a setting of the central office."""
    text = central.meta.get(SIGNATURE_KEY)
    if text is None:
        with central.db.read() as conn:
            text = conn.execute(select(Meta.__table__.c.value).where(Meta.__table__.c.key == SIGNATURE_KEY)).scalar()
    try:
        return date.fromisoformat(text) if text else DEFAULT_SIGNATURE
    except ValueError:
        return DEFAULT_SIGNATURE


def set_signature_date(central: Central, value: str | date) -> date:
    """Record the signature date (checked as on the devices)."""
    from conseiller_app.domain import validation as v
    from conseiller_app.domain.errors import ValidationError

    day = v.parse_date("signature", "Date de signature de la convention", value)
    assert day is not None
    if not date(2024, 7, 8) <= day <= central.now().date() + timedelta(days=1):
        raise ValidationError("signature", "la convention a été signée après le 8 juillet 2024 et pas dans le futur.",
                              "Date de signature de la convention")
    mt = Meta.__table__
    with central.db.write() as conn:
        conn.execute(mt.delete().where(mt.c.key == SIGNATURE_KEY))
        conn.execute(mt.insert().values(key=SIGNATURE_KEY, value=day.isoformat()))
    central.meta[SIGNATURE_KEY] = day.isoformat()
    return day


def territories(central: Central) -> dict[str, str]:
    """code -> name, from the latest reference release."""
    return dict(loaded(central).reference.territories)


def parse_filters(central: Central, values: Mapping[str, Any]) -> I.Filters:
    """Checked filters from raw values (a form, the command line), as on the devices
    (``domain.indicators.parse_filters``): a French :class:`ValidationError` naming the field."""
    return I.parse_filters(values, territories(central), signature_date(central))


# --- the consolidation ----------------------------------------------------------------------------


def _months(start: date, end: date) -> list[tuple[str, date, date]]:
    out: list[tuple[str, date, date]] = []
    y, m = start.year, start.month
    while date(y, m, 1) <= end:
        f = I.Filters.month(y, m)
        assert f.start is not None and f.end is not None
        out.append((f"{y:04d}-{m:02d}", f.start, f.end))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _quarters(start: date, end: date) -> list[tuple[str, date, date]]:
    out: list[tuple[str, date, date]] = []
    y, q = start.year, (start.month - 1) // 3 + 1
    while True:
        f = I.Filters.quarter(y, q)
        assert f.start is not None and f.end is not None
        if f.start > end:
            return out
        out.append((f"{y:04d}-T{q}", f.start, f.end))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)


def _convention_years(signature: date, start: date, end: date) -> list[tuple[str, date, date]]:
    out = []
    for n in range(1, I.CONVENTION_YEARS + 1):
        f = I.Filters.convention_year(signature, n)
        assert f.start is not None and f.end is not None
        if f.end >= start and f.start <= end:
            out.append((str(n), f.start, f.end))
    return out


def _period(f: I.Filters, signature: date, today: date, ds: I.Dataset) -> tuple[date, date]:
    """The period the time breakdowns cover: the filter's, else from the convention's signature
    (or the earliest spotting, if earlier) to today."""
    start = f.start
    if start is None:
        earliest = min((x.spotting_date for x in ds.files if x.spotting_date != date.min), default=signature)
        start = min(signature, earliest)
    end = f.end or max(today, start)
    return start, end


def _with(f: I.Filters, **kw: Any) -> I.Filters:
    from dataclasses import replace

    return replace(f, **kw)


def _scheme_label(code: str) -> str:
    if code == "mission":
        return "Mission"
    try:
        return FundingLine(code).label
    except ValueError:
        return code


def _keys(dimension: str, f: I.Filters, base: Loaded, ds: I.Dataset, signature: date,
          period: tuple[date, date]) -> list[tuple[str, str, I.Filters]]:
    """(key, label, filters) of each row of a breakdown."""
    ref = base.reference
    if dimension in ("month", "quarter", "convention_year"):
        start, end = period
        spans = {"month": _months, "quarter": _quarters}[dimension](start, end) if dimension != "convention_year" \
            else _convention_years(signature, start, end)
        rows = []
        for key, lo, hi in spans:
            lo2, hi2 = max(lo, f.start or lo), min(hi, f.end or hi)
            rows.append((key, period_label(key), _with(f, start=lo2, end=hi2)))
        return rows
    if dimension == "territory":
        codes = [f.territory] if f.territory else list(ref.territories)
        return [(c, ref.territories.get(c, c), _with(f, territory=c)) for c in codes]
    if dimension == "conseiller":
        ids = [f.referent_id] if f.referent_id else sorted({x.referent_id for x in ds.files if x.referent_id})
        named = []
        for rid in ids:
            name, terr = base.conseillers.get(rid, ("", ""))
            label = f"{name} ({ref.territories.get(terr, terr)})" if name and terr else (name or "Conseiller inconnu")
            named.append((rid, label, _with(f, referent_id=rid)))
        return sorted(named, key=lambda r: (r[1].lower(), r[0]))
    if dimension == "agency":
        ix = I.index(ds)
        seen: set[str] = set()
        for agencies in ix.file_agencies.values():
            seen.update(agencies)
        for s in ds.sessions:
            seen.update(s.agencies)
        ids = ([f.agency_id] if f.agency_id
               else [a for a in ref.agencies if a in seen] + sorted(seen - set(ref.agencies)))
        return [(a, ref.agencies.get(a, "Agence hors annuaire"), _with(f, agency_id=a)) for a in ids]
    if dimension == "chantier":
        codes = [f.chantier] if f.chantier else list(I.CHANTIERS)
        return [(c, ref.chantiers.get(c, c), _with(f, chantier=c)) for c in codes]
    if dimension == "public":
        codes = [f.public] if f.public else [p.value for p in Public]
        return [(c, Public(c).label, _with(f, public=c)) for c in codes]
    if dimension == "scheme":
        codes = [f.scheme] if f.scheme else list(I.SCHEMES)
        return [(c, _scheme_label(c), _with(f, scheme=c)) for c in codes]
    raise KeyError(dimension)


def data_quality(central: Central, ds: I.Dataset, *, stale_after_days: int = 30, today: date | None = None,
                 device_id: str | None = None) -> DataQuality:
    """What the figures miss: approved devices silent for more than ``stale_after_days`` days (their
    last bundle received), files without a territory, open conflicts, bundles in quarantine."""
    today = today or central.now().date()
    dt, bt, ct = Device.__table__, Bundle.__table__, Conflict.__table__
    with central.db.read() as conn:
        q = select(dt.c.id, dt.c.name, dt.c.territory, dt.c.last_seen_at).where(dt.c.status == APPROVED)
        if device_id:
            q = q.where(dt.c.id == device_id)
        devices = conn.execute(q.order_by(dt.c.name, dt.c.id)).all()
        last = dict(conn.execute(select(bt.c.device_id, func.max(bt.c.received_at)).where(bt.c.status == INGESTED)
                                 .group_by(bt.c.device_id)).all())
        conflicts = conn.execute(select(func.count()).select_from(ct).where(ct.c.status == "ouvert")).scalar() or 0
        q2 = select(func.count()).select_from(bt).where(bt.c.status == QUARANTINED)
        if device_id:
            q2 = q2.where(bt.c.device_id == device_id)
        quarantined = conn.execute(q2).scalar() or 0
    stale = []
    for did, name, terr, seen in devices:
        when = last.get(did) or seen
        day = when.date() if when is not None else None
        days = (today - day).days if day is not None else None
        if days is None or days > stale_after_days:
            stale.append(StaleDevice(did, name, terr, day, days))
    return DataQuality(
        computed_on=today, stale_after_days=stale_after_days, devices=len(devices), stale_devices=tuple(stale),
        files=len(ds.files), files_without_territory=sum(1 for x in ds.files if not x.territory),
        open_conflicts=int(conflicts), quarantined_bundles=int(quarantined))


EVERYTHING = I.Filters()


def consolidate(central: Central, filters: I.Filters = EVERYTHING, *, device_id: str | None = None,
                breakdowns: Sequence[str] = tuple(DIMENSIONS), stale_after_days: int = 30,
                today: date | None = None, trend: bool | None = None) -> Consolidation:
    """The whole scope's report (what ``conseiller indicators`` computes, over every device), one
    :class:`Breakdown` per dimension asked, the trend month by month over the period and the
    data-quality notes. ``device_id``: only that device's files (see :func:`load_dataset`).
    ``trend``: by default given with the month breakdown (the same rows) and left out without it
    (``breakdowns=()``: the headline figures only); ``True`` computes it anyway."""
    unknown = [d for d in breakdowns if d not in DIMENSIONS]
    if unknown:
        raise KeyError(unknown[0])
    today = today or central.now().date()
    base = loaded(central)
    ds = load_dataset(central, device_id)
    signature = signature_date(central)
    period = _period(filters, signature, today, ds)
    with _paused_collector():
        scope = _dataset_for(central, base, ds, device_id, filters)  # holds every file a row can keep
        report = _compute(central, base, device_id, scope, filters)
        out: dict[str, Breakdown] = {}
        for dim in breakdowns:
            rows = []
            for key, label, f in _keys(dim, filters, base, ds, signature, period):
                part = scope
                own: I.Dataset | None = None
                if dim in ROW_PARTS:
                    own = _part_for(central, base, ds, device_id, dim, key)
                elif dim in FILE_DIMENSIONS:
                    own = _cached_part(central, base, ("part", device_id, dim, key))
                if own is not None and len(own.files) < len(part.files):
                    part = own
                rows.append(BreakdownRow(key, label, _compute(central, base, device_id, part, f)))
            out[dim] = Breakdown(dim, DIMENSIONS[dim], tuple(rows))
        months: Sequence[BreakdownRow] = ()
        if "month" in out:
            months = out["month"].rows
        elif trend:
            months = tuple(BreakdownRow(key, label, _compute(central, base, device_id, scope, f))
                           for key, label, f in _keys("month", filters, base, ds, signature, period))
    quality = data_quality(central, ds, stale_after_days=stale_after_days, today=today, device_id=device_id)
    return Consolidation(filters=filters, report=report, breakdowns=out, trend=months, quality=quality,
                         device_id=device_id)


__all__ = ["DEFAULT_SIGNATURE", "NO_TERRITORY", "SIGNATURE_KEY", "Loaded", "Reference", "consolidate", "data_quality",
           "data_version", "held_files", "load_dataset", "loaded", "parse_filters", "set_signature_date",
           "signature_date", "subset", "territories"]
