"""Consolidated indicators at the central office (issue 11) on PostgreSQL: 60,000 files from
100 devices; the whole Département, one territory, one device, and the whole consolidation with
its nine breakdowns (what the bilan and the console's Indicateurs page ask for).

How the central database is built: the records are those of the benchmark's synthetic vault
(``benchmarks.vaults``: the demo generator, realistic proportions of steps, sessions, referrals,
barriers, PCI, prevention and funding), read from its plaintext copy and spread over 100 devices
(file *i* to device *i* mod 100, with everything recorded on it; the sessions calendar and the
sessions' funding lines to device 0; each device gets its own conseiller, referent of its files).
Encrypting, signing and ingesting 100 real bundles of 6,000 records would take long and measure
the sync instead, so each device's records go through the central office's own storage path for
a bundle's changes — the versions hashed as a device hashes them (``sync.format.hashed_snapshot``),
written with ``central.bulk.insert_rows`` and turned into records by ``central.merge.refresh``,
exactly as ``central.ingest`` does after decryption and checks — plus the device and bundle rows
that the data-quality notes read. Built once per run, on a throw-away local PostgreSQL server
(``tests/central/pgserver``, durable settings).

Measured: the first read of the records (``load_dataset`` after a change: SQL + rows + index),
then, with the rows cached by data version as the service keeps them, ``consolidate`` without
breakdowns for the whole Département and for one territory (what changing a filter costs: the
data-version check, the computation, the data-quality queries), for one device, after receiving
600 modified files (only the records received are read again, the index is rebuilt), a year by
territory and by month (the bilan's figures), and once the whole consolidation with its nine
breakdowns (the partners' exports), then the same again (reports kept for the same data and
filters: a console page shown again). Every other measurement drops the kept reports first, so
that it measures the computation. Then the comité's bilan of one year end to end (what
``conseiller-central bilan`` does: the consolidation with every breakdown the partners see, the
PDF, the journal line, the file), the PDF's rendering alone, the partners' ODS export, and the
bilan once more after dropping everything kept (the first read of the records included). A fixed
Python loop calibrates the machine's load.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from benchmarks.common import Aim, Result, log
from benchmarks.vaults import TODAY, CachedVault

DEVICES = 100
#: Tables of the vault that travel to the central office (agencies are the office's own).
ENTITIES = ("beneficiary", "pathway_step", "atelier_session", "registration", "referral", "barrier",
            "barrier_action", "consent", "pci_diagnostic", "prevention_pathway", "funding_line", "sas_interest")


def _snapshots(plain: sqlite3.Connection, entity: str) -> list[dict[str, Any]]:
    """The rows of a vault table as the device's change journal snapshots them (JSON values)."""
    from sqlalchemy import JSON, Boolean, DateTime

    from conseiller_app.storage import models as m

    table = m.MODELS_BY_TABLE[entity].__table__
    kinds = {c.key: ("json" if isinstance(c.type, JSON) else "bool" if isinstance(c.type, Boolean)
                     else "datetime" if isinstance(c.type, DateTime) else "") for c in table.columns}
    cur = plain.execute(f"SELECT * FROM {entity}")  # a constant table name
    names = [d[0] for d in cur.description]
    out = []
    for row in cur:
        d: dict[str, Any] = {}
        for name, value in zip(names, row, strict=True):
            kind = kinds.get(name, "")
            if value is not None and kind == "json" and isinstance(value, str):
                value = json.loads(value)
            elif value is not None and kind == "bool":
                value = bool(value)
            elif value is not None and kind == "datetime" and isinstance(value, str):
                value = value.replace(" ", "T")
            d[name] = value
        out.append(d)
    return out


def build_central(cv: CachedVault, url: str, keys_dir) -> tuple[Any, dict[str, int]]:
    """A central office on ``url`` holding the vault's records spread over 100 devices."""
    from conseiller_app.central import bulk, merge
    from conseiller_app.central.ingest import APPROVED, INGESTED, NODE_COLUMNS
    from conseiller_app.central.models import Bundle, Device, Node
    from conseiller_app.central.service import init
    from conseiller_app.storage.models import new_id
    from conseiller_app.sync.format import hashed_snapshot

    central = init(url, keys_dir, "Siège (banc d'essai)")
    plain = sqlite3.connect(cv.plain)
    try:
        rows = {e: _snapshots(plain, e) for e in ENTITIES}
    finally:
        plain.close()
    device_ids = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(DEVICES)]
    territories = ("arrageois", "artois", "audomarois", "boulonnais", "calaisis", "henin_carvin", "lens_lievin",
                   "montreuillois_ternois")
    conseillers = [new_id() for _ in range(DEVICES)]
    owner: dict[str, int] = {}
    for i, b in enumerate(rows["beneficiary"]):
        owner[b["id"]] = i % DEVICES
        b["referent_id"] = conseillers[i % DEVICES]
    barrier_owner = {x["id"]: owner.get(x["beneficiary_id"], 0) for x in rows["barrier"]}
    per_device: list[list[tuple[str, dict[str, Any]]]] = [[] for _ in range(DEVICES)]
    stamp_now = datetime.now(UTC).replace(tzinfo=None)
    for i, cid in enumerate(conseillers):
        per_device[i].append(("conseiller", {
            "id": cid, "name": f"Conseiller {chr(65 + i // 26 % 26)}{chr(65 + i % 26)} Exemple",
            "territory": territories[i % len(territories)], "office": "MDS", "email": None, "phone": None,
            "is_owner": True, "created_at": stamp_now.isoformat(), "updated_at": stamp_now.isoformat(), "version": 1,
            "deleted_at": None}))
    for entity, items in rows.items():
        for d in items:
            if entity == "barrier_action":
                dev = barrier_owner.get(d["barrier_id"], 0)
            elif entity == "beneficiary":
                dev = owner[d["id"]]
            elif d.get("beneficiary_id"):
                dev = owner.get(d["beneficiary_id"], 0)
            else:
                dev = 0  # the calendar and the sessions' funding lines
            per_device[dev].append((entity, d))
    counts = {e: len(v) for e, v in rows.items()}
    del rows
    dt, bt = Device.__table__, Bundle.__table__
    for i, records in enumerate(per_device):
        did, bid = device_ids[i], new_id()
        now = central.now()
        with central.db.write() as conn:
            conn.execute(dt.insert().values(
                id=did, status=APPROVED, name=f"Appareil {i:03d}", territory=territories[i % len(territories)],
                office="MDS", signing_key="x" * 44, age_recipient="age1" + "x" * 58, fingerprint=f"{i:064x}",
                first_seen_at=now, last_seen_at=now, approved_at=now, audit_seq=0, central_seq_seen=0, publish_seq=0))
            stamp = bulk.db_time(conn, now)
            node_rows, nodes = [], {}
            for entity, d in records:
                h, text = hashed_snapshot(entity, d["id"], "insert", d)
                node_rows.append((entity, d["id"], h, "", "insert", int(d.get("version") or 1), False, text, did, bid,
                                  stamp))
                nodes[(entity, d["id"])] = [merge.NodeInfo(h, "", None, int(d.get("version") or 1), "insert", did,
                                                           False)]
            bulk.insert_rows(conn, Node.__table__, NODE_COLUMNS, node_rows)
            merge.refresh(conn, nodes, list(nodes), now)
            conn.execute(bt.insert().values(
                id=bid, device_id=did, sequence=1, manifest_sha256="0" * 64, status=INGESTED, received_at=now,
                ingested_at=now, file_name=f"paquet-{i:03d}.cgc", changes_from=1, changes_to=len(records),
                audit_from=0, audit_to=0, changes=len(records), new_changes=len(records), audit=0,
                central_seq_seen=0))
    if central.db.dialect == "postgresql":
        with central.db.engine.connect() as conn:
            conn.exec_driver_sql("COMMIT")
            conn.exec_driver_sql("ANALYZE")
    return central, counts


def receive_changes(central: Any, offset: int, count: int = 600) -> None:
    """``count`` files modified on their device (a new version of each: notes changed), stored as
    ``central.ingest`` stores a bundle's changes (versions, then records)."""
    from conseiller_app.central import bulk, merge
    from conseiller_app.central.ingest import NODE_COLUMNS
    from conseiller_app.central.models import Node
    from conseiller_app.storage.models import new_id
    from conseiller_app.sync.format import hashed_snapshot

    now = central.now()
    with central.db.write() as conn:
        cur = bulk.cursor(conn)
        try:
            cur.execute("SELECT r.entity_id, r.hash, r.version, n.data, n.device_id FROM record r JOIN node n "
                        "ON n.entity = r.entity AND n.entity_id = r.entity_id AND n.hash = r.hash "
                        "WHERE r.entity = 'beneficiary' ORDER BY r.entity_id LIMIT %s OFFSET %s", (count, offset))
            found = cur.fetchall()
        finally:
            cur.close()
        stamp, bid = bulk.db_time(conn, now), new_id()
        rows, nodes = [], {}
        for eid, parent, version, text, did in found:
            d = json.loads(text)
            d["notes"] = f"modifié {offset}"
            d["version"] = version + 1
            h, data = hashed_snapshot("beneficiary", eid, "update", d)
            rows.append(("beneficiary", eid, h, parent, "update", version + 1, False, data, did, bid, stamp))
            nodes[("beneficiary", eid)] = [merge.NodeInfo(parent, "", None, version, "insert", did, False),
                                           merge.NodeInfo(h, parent, None, version + 1, "update", did, False)]
        bulk.insert_rows(conn, Node.__table__, NODE_COLUMNS, rows)
        merge.refresh(conn, nodes, list(nodes), now)


def measure_bilan(central: Any, rows: list[Result], runs: int, warmup: int, folder: Any) -> None:
    """The comité's bilan of one year (``conseiller-central bilan --from 01/01/2026 --to 31/12/2026
    --out F.pdf``: ``central.exports.bilan``), the PDF rendering alone, the partners' ODS export,
    and a bilan with the first read of the records."""
    from conseiller_app.central import exports
    from conseiller_app.domain.indicators import Filters
    from conseiller_app.reports import bilan as bilan_report

    full, render, ods, cold = rows
    year = Filters.calendar_year(2026)
    out = folder / "bilan-comite.pdf"

    def fresh() -> None:  # the records kept, what was computed from them dropped (as after a bundle)
        central.cache.pop("indicators_reports", None)
        central.cache.pop("indicators_parts", None)

    issued = None
    for i in range(runs + warmup):
        fresh()
        t = time.perf_counter()
        issued = exports.bilan(central, year, who="banc d'essai", source="cli", out=out, today=TODAY)
        if i >= warmup:
            full.samples.append(time.perf_counter() - t)
    assert issued is not None
    full.extra.update(pdf_bytes=len(issued.data), pages=len(re.findall(rb"/Type /Page[^s]", issued.data)),
                      rows={k: len(b.rows) for k, b in issued.consolidation.breakdowns.items()})
    for i in range(runs + warmup):
        t = time.perf_counter()
        bilan_report.render_bilan_bytes(issued.consolidation, generated_on=TODAY)
        if i >= warmup:
            render.samples.append(time.perf_counter() - t)
    for i in range(runs + warmup):
        fresh()
        t = time.perf_counter()
        done = exports.partner_export_file(central, year, "ods", who="banc d'essai", source="cli",
                                           out=folder / "export.ods", today=TODAY)
        if i >= warmup:
            ods.samples.append(time.perf_counter() - t)
    ods.extra["bytes"] = len(done.data)
    for _ in range(min(runs, 3)):
        central.cache.clear()
        t = time.perf_counter()
        exports.bilan(central, year, who="banc d'essai", source="cli", out=out, today=TODAY)
        cold.samples.append(time.perf_counter() - t)


def measure(cv: CachedVault, runs: int, warmup: int = 1, postgresql: bool = True) -> list[Result]:
    from conseiller_app.central import indicators as CI
    from conseiller_app.domain.indicators import Filters
    from tests.central import pgserver

    calibration = Result("central_indicators_calibration", "siège : étalon, boucle Python fixe (3 M carrés ; ~180 ms "
                         "sur une machine libre)", unit="ms", warmup=0,
                         notes=["pour ramener les chiffres de ce groupe à une machine non chargée"])
    rows = [
        Result("central_indicators_load", "siège : première lecture des enregistrements (après un changement)",
               unit="ms", warmup=warmup, notes=["puis gardés en mémoire tant que les données ne changent pas"]),
        Result("central_indicators_all", "siège : indicateurs consolidés, tout le Département", unit="ms",
               aim=Aim("median", "<", 1000), warmup=warmup),
        Result("central_indicators_territory", "siège : indicateurs consolidés, un territoire", unit="ms",
               aim=Aim("median", "<", 300), warmup=warmup),
        Result("central_indicators_device", "siège : indicateurs consolidés, un appareil", unit="ms", warmup=warmup),
        Result("central_indicators_after_bundle", "siège : indicateurs après la réception de 600 dossiers modifiés",
               unit="ms", warmup=warmup, notes=["relecture des seuls enregistrements reçus, index refait"]),
        Result("central_indicators_bilan", "siège : une année, par territoire et par mois (ce que lit le bilan)",
               unit="ms", warmup=warmup),
        Result("central_indicators_breakdowns", "siège : une année, les 9 ventilations et la tendance", unit="ms",
               warmup=0, notes=["ce que demandent les exports des partenaires ; un seul essai (long)"]),
        Result("central_indicators_again", "siège : les mêmes, de nouveau (rapports gardés, mêmes données)",
               unit="ms", warmup=0),
        Result("central_bilan", "siège : bilan PDF d'une année, tout le Département (enregistrements en mémoire)",
               unit="ms", aim=Aim("median", "<", 5000), warmup=warmup,
               notes=["conseiller-central bilan de bout en bout : consolidation (8 ventilations et tendance), PDF, "
                      "journal, fichier ; rapports et parts calculés de nouveau (comme après une réception)"]),
        Result("central_bilan_render", "siège : bilan, rendu du PDF seul (consolidation déjà faite)", unit="ms",
               warmup=warmup),
        Result("central_export_ods", "siège : export ODS des partenaires d'une année (rapports calculés de nouveau)",
               unit="ms", warmup=warmup, notes=["consolidation, classeur, journal, fichier"]),
        Result("central_bilan_cold", "siège : bilan PDF d'une année avec la première lecture des enregistrements",
               unit="ms", warmup=0, notes=["comme le premier bilan après le démarrage du service ou un nouveau "
                                           "référentiel"]),
    ]
    if not postgresql:
        for r in rows:
            r.skipped = "PostgreSQL non demandé (--no-postgresql)"
        return rows
    try:
        server = pgserver.start(fast=False)
    except pgserver.Unavailable as exc:
        for r in rows:
            r.skipped = f"PostgreSQL indisponible : {exc}"
        return rows
    from benchmarks.vaults import CACHE

    keys = CACHE / "work" / "central-indicators" / "cles"
    import shutil

    shutil.rmtree(keys.parent, ignore_errors=True)
    keys.parent.mkdir(parents=True)
    try:
        t = time.perf_counter()
        central, counts = build_central(cv, server.new_database(), keys)
        log(f"  base du siège construite en {time.perf_counter() - t:.0f} s : {counts}")
        for _ in range(3):
            t = time.perf_counter()
            sum(i * i for i in range(3_000_000))
            calibration.samples.append(time.perf_counter() - t)
        try:
            load, whole, territory, device, after, bilan, full, again = rows[:8]
            today = TODAY
            for i in range(runs + warmup):
                central.cache.clear()
                t = time.perf_counter()
                CI.load_dataset(central)
                if i >= warmup:
                    load.samples.append(time.perf_counter() - t)
            device_id = f"{7:08x}-0000-4000-8000-{7:012x}"
            year = Filters.calendar_year(2026)
            for i in range(runs + warmup):
                keep = i >= warmup
                for result, f, kw in ((whole, Filters() if i % 2 else year, {"breakdowns": ()}),
                                      (territory, Filters(territory="lens_lievin"), {"breakdowns": ()}),
                                      (device, Filters(), {"breakdowns": (), "device_id": device_id}),
                                      (bilan, year, {"breakdowns": ("territory", "month")})):
                    central.cache.pop("indicators_reports", None)  # computed, not the reports kept
                    t = time.perf_counter()
                    CI.consolidate(central, f, today=today, **kw)
                    if keep:
                        result.samples.append(time.perf_counter() - t)
            for i in range(runs + warmup):
                receive_changes(central, 600 * i)
                t = time.perf_counter()
                CI.consolidate(central, Filters(), breakdowns=(), today=today)
                if i >= warmup:
                    after.samples.append(time.perf_counter() - t)
            central.cache.pop("indicators_reports", None)
            t = time.perf_counter()
            c = CI.consolidate(central, year, today=today)
            full.samples.append(time.perf_counter() - t)
            for _ in range(runs):
                t = time.perf_counter()
                CI.consolidate(central, year, today=today)
                again.samples.append(time.perf_counter() - t)
            measure_bilan(central, rows[8:], runs, warmup, keys.parent)
            ds = CI.load_dataset(central)
            report = CI.consolidate(central, Filters(), breakdowns=(), today=today).report
            whole.extra.update(files=len(ds.files), steps=len(ds.steps), sessions=len(ds.sessions), devices=DEVICES,
                               records=sum(counts.values()) + DEVICES, spotted=report.funnel[0].reached,
                               exits=report.insertion_all.counted)
            full.extra["rows"] = {k: len(b.rows) for k, b in c.breakdowns.items()}
            device.extra["files"] = len(CI.load_dataset(central, device_id).files)
        finally:
            central.close()
    finally:
        server.stop()
    return [calibration, *rows]
