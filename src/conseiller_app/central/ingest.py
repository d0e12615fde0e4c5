"""Ingest of device bundles: verify everything, then apply each bundle in one transaction.

Order of the checks: size, decryption (our key), container and manifest, recipient fingerprint,
demo or real data as this central office, format version, device (unknown: quarantine; revoked:
refused; key as approved), signature, replay or reused bundle id, payload hash and limits,
payload contents, audit chain continuity.
Only then are versions, records, conflicts and audit entries written. A refusal raises
:class:`BundleRejected` and leaves the database as it was (security incidents are noted apart).
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from conseiller_app.central import bulk, merge
from conseiller_app.central.db import Contention, DatabaseUnavailable
from conseiller_app.central.models import AuditRecord, Bundle, Device, Incident, Node, Quarantine
from conseiller_app.sync import crypto
from conseiller_app.sync.errors import DEMO_BUNDLE_TO_REAL_CENTRAL, REAL_BUNDLE_TO_DEMO_CENTRAL, BundleRejected
from conseiller_app.sync.format import (
    DEVICE_KIND,
    AuditDoc,
    DevicePayload,
    Envelope,
    Limits,
    SenderDoc,
    check_kind,
    decrypt,
    is_demo_bundle,
    open_envelope,
    read_payload,
    reject,
    verify_signature,
)
from conseiller_app.sync.schema import check_device_manifest, check_device_payload

if TYPE_CHECKING:
    from conseiller_app.central.service import Central

PENDING, APPROVED, REVOKED = "en_attente", "approuve", "revoque"
INGESTED, QUARANTINED = "ingere", "quarantaine"
ATTEMPTS = 8  # of an ingest rolled back by another one (PostgreSQL: see central.db)
NODE_COLUMNS = ("entity", "entity_id", "hash", "parent", "op", "version", "deleted", "data", "device_id", "bundle_id",
                "received_at")  # merges and resolution_no: NULL (a device's version)


@dataclass(frozen=True)
class DeclaredDevice:
    """An unknown device as its quarantined bundle declares it (checked by a person before approving)."""

    name: str
    territory: str
    fingerprint: str  # grouped for reading aloud


@dataclass(frozen=True)
class IngestResult:
    status: str  # ingere | deja_recu | quarantaine
    bundle_id: str
    device_id: str
    sequence: int
    message: str
    changes: int = 0
    new_changes: int = 0
    audit: int = 0
    conflicts_opened: int = 0
    device: DeclaredDevice | None = None  # for a bundle put in quarantine

    def as_dict(self) -> dict[str, Any]:
        """``conseiller-central ingest --json``: every field (``device`` empty when not quarantined)."""
        data = asdict(self)
        data["device"] = data["device"] or {}
        return data


class _Incident(BundleRejected):
    """A refusal that is also a security incident to note."""

    def __init__(self, reason: str, message: str, device_id: str | None, bundle_id: str | None) -> None:
        super().__init__(reason, message)
        self.device_id, self.bundle_id = device_id, bundle_id


def read_file(path: Path, limits: Limits) -> bytes:
    from conseiller_app.sync.service import read_bundle_file

    return read_bundle_file(path, limits)


def ingest_file(central: Central, path: Path) -> IngestResult:
    return ingest_bytes(central, read_file(Path(path), central.limits), Path(path).name)


def ingest_bytes(central: Central, data: bytes, file_name: str) -> IngestResult:
    keys = central.require_keys()
    env = open_envelope(decrypt(data, keys.age_identity, central.limits, who="ce siège"), central.limits)
    check_kind(env, DEVICE_KIND)
    if env.manifest["recipient"] != keys.fingerprint:
        raise reject("recipient", "Paquet refusé : il est adressé à un autre siège (empreinte différente).")
    demo = is_demo_bundle(env.manifest)
    if demo != central.demo:  # before anything is written, quarantine included
        raise reject("demo", DEMO_BUNDLE_TO_REAL_CENTRAL if demo else REAL_BUNDLE_TO_DEMO_CENTRAL)
    check_device_manifest(env.manifest, central.limits)
    with _cycle_collector_paused():
        checked = _Checked.of(env, central.limits)
    try:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with _cycle_collector_paused(), central.db.ingest(env.manifest["device_id"]) as conn:
                    return _ingest(central, conn, env, data, file_name, checked)
            except Contention:
                if attempt == ATTEMPTS:
                    raise DatabaseUnavailable("La base du siège est trop sollicitée pour intégrer ce paquet : "
                                              "réessayez dans un instant.") from None
                time.sleep(random.uniform(0, 0.05 * attempt))  # a jitter
        raise AssertionError("unreachable")
    except _Incident as exc:
        with central.db.write() as conn:
            conn.execute(Incident.__table__.insert().values(at=central.now(), kind=exc.reason, device_id=exc.device_id,
                                                            bundle_id=exc.bundle_id, detail=exc.message))
        raise BundleRejected(exc.reason, exc.message) from None


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a bundle is applied: the tens of thousands of objects of
    a parsed bundle (and of the versions loaded) made it walk them all again and again, about a
    tenth of an ingest's time. They form no cycles (reference counting frees them as before); any
    cycle made meanwhile is collected once the collector is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class _Checked:
    """The signature (against the key the manifest names) and the payload, checked before the
    writer lock is taken: with several service workers, only the writing waits for the lock. A
    failure is kept and raised where the check stood in the order above (inside the lock, after
    the device's status and key), so the outcome of every bundle is the same as before."""

    signature_error: BundleRejected | None = None
    payload: DevicePayload | None = None
    payload_error: BundleRejected | None = None

    @classmethod
    def of(cls, env: Envelope, limits: Limits) -> _Checked:
        checked = cls()
        try:
            verify_signature(env, env.manifest["device_key"], who="l'appareil")
        except BundleRejected as exc:
            checked.signature_error = exc
            return checked
        try:
            checked.payload = check_device_payload(env.manifest, read_payload(env, limits))
        except BundleRejected as exc:
            checked.payload_error = exc
        return checked


def _ingest(central: Central, conn: Connection, env: Envelope, data: bytes, file_name: str,
            checked: _Checked) -> IngestResult:
    m = env.manifest
    did, bid = m["device_id"], m["bundle_id"]
    dt = Device.__table__
    dev = conn.execute(select(dt).where(dt.c.id == did)).mappings().first()
    if dev is not None and dev["status"] == REVOKED:
        raise reject("revoked", "Paquet refusé : cet appareil a été révoqué par le siège.")
    if dev is not None and (dev["signing_key"] != m["device_key"] or dev["age_recipient"] != m["device_recipient"]):
        raise _Incident("device_key", "Paquet refusé : il est signé par une autre clé que celle connue pour cet appareil.",
                        did, bid)
    if checked.signature_error is not None:
        raise checked.signature_error

    bt = Bundle.__table__
    seen = conn.execute(select(bt.c.status, bt.c.manifest_sha256, bt.c.device_id).where(bt.c.id == bid)).first()
    from_quarantine = False
    if seen is not None:
        if seen.manifest_sha256 != env.manifest_sha256 or seen.device_id != did:
            raise _Incident(
                "reused_id",
                "Paquet refusé : son identifiant est celui d'un paquet déjà reçu, avec un contenu "
                "différent. L'incident est noté.",
                did,
                bid,
            )
        if seen.status == INGESTED:
            return IngestResult("deja_recu", bid, did, m["sequence"],
                                f"Paquet n°{m['sequence']} déjà reçu : rien à faire.")
        if dev is None or dev["status"] != APPROVED:
            return IngestResult(QUARANTINED, bid, did, m["sequence"],
                                "Paquet déjà en quarantaine : l'appareil attend son approbation.")
        from_quarantine = True

    if checked.payload_error is not None:
        raise checked.payload_error
    payload = checked.payload
    assert payload is not None
    info = payload["device"]
    now = central.now()
    if dev is None or dev["status"] == PENDING:
        return _quarantine(conn, env, data, file_name, info, dev is None, now)
    return _apply(central, conn, dict(dev), env, payload, file_name, from_quarantine, now)


def _bundle_row(env: Envelope, file_name: str, status: str, now: datetime) -> dict[str, Any]:
    m = env.manifest
    r = m["range"]
    return {"id": m["bundle_id"], "device_id": m["device_id"], "sequence": m["sequence"],
            "manifest_sha256": env.manifest_sha256, "status": status, "received_at": now,
            "ingested_at": now if status == INGESTED else None, "file_name": file_name[:200],
            "changes_from": r["changes_from"], "changes_to": r["changes_to"], "audit_from": r["audit_from"],
            "audit_to": r["audit_to"], "changes": m["counts"]["changes"], "new_changes": 0,
            "audit": m["counts"]["audit"], "central_seq_seen": m["last_ack"]["central_sequence"]}


def _quarantine(
    conn: Connection, env: Envelope, data: bytes, file_name: str, info: SenderDoc, new_device: bool, now: datetime
) -> IngestResult:
    m = env.manifest
    did = m["device_id"]
    if new_device:
        conn.execute(Device.__table__.insert().values(
            id=did, status=PENDING, name=info["name"], territory=info["territory"], office=info["office"],
            signing_key=m["device_key"], age_recipient=m["device_recipient"], fingerprint=m["sender"],
            first_seen_at=now, last_seen_at=now, central_seq_seen=0, publish_seq=0,
            # A vault restored from a backup starts as a new device whose audit journal goes on
            # from where its backup had been acknowledged: the chain is received from there.
            audit_seq=m["range"]["audit_from"] - 1))
    conn.execute(Bundle.__table__.insert().values(**_bundle_row(env, file_name, QUARANTINED, now)))
    conn.execute(Quarantine.__table__.insert().values(bundle_id=m["bundle_id"], device_id=did, content=data))
    fp = crypto.display_fingerprint(m["sender"])
    restored = _restored_note(conn, info)
    return IngestResult(
        QUARANTINED,
        m["bundle_id"],
        did,
        m["sequence"],
        f"Appareil inconnu : paquet mis en quarantaine. Conseiller : {info['name']} ({info['territory']}), "
        f"empreinte {fp}.{restored} Après vérification, approuvez-le : "
        f"conseiller-central devices approve {did}",
        changes=m["counts"]["changes"],
        audit=m["counts"]["audit"],
        device=DeclaredDevice(name=info["name"], territory=info["territory"], fingerprint=fp),
    )


def _restored_note(conn: Connection, info: SenderDoc) -> str:
    """What the approver must know about a vault restored from a backup of another device."""
    previous = info.get("restored_from")
    if not isinstance(previous, str) or not 0 < len(previous) <= 64:
        return ""
    dt = Device.__table__
    known = conn.execute(select(dt.c.name, dt.c.status).where(dt.c.id == previous)).first()
    who = f" ({known.name})" if known else ""
    advice = (" S'il a été perdu ou volé, révoquez-le : conseiller-central devices revoke " + previous
              if known is not None and known.status != REVOKED else "")
    return (f" C'est un coffre restauré depuis une sauvegarde de l'appareil {previous}{who} ; il envoie ce qui "
            f"n'avait pas été accusé à la date de la sauvegarde.{advice}")


def _check_audit(
    conn: Connection, device_id: str, bundle_id: str, entries: list[AuditDoc]
) -> list[AuditDoc]:
    """New audit entries of this bundle, after checking they continue the chain already received.

    Each entry must link to the entries received on both sides of it; an entry already received
    must be identical. A bundle that arrives ahead of a missing one is accepted (its links are
    checked when the gap is filled), so the order of arrival does not matter; the acknowledgment
    only covers the journal up to the first gap.
    """
    if not entries:
        return []
    first, last = entries[0]["seq"], entries[-1]["seq"]
    at = AuditRecord.__table__
    stored = {r.seq: (r.hash, r.prev_hash) for r in conn.execute(select(at.c.seq, at.c.hash, at.c.prev_hash).where(
        at.c.device_id == device_id, at.c.seq >= first - 1, at.c.seq <= last + 1))}
    before, after = stored.get(first - 1), stored.get(last + 1)
    if (before and before[0] != entries[0]["prev_hash"]) or (after and after[1] != entries[-1]["hash"]):
        raise _Incident("audit_chain", "Paquet refusé : le journal d'audit de l'appareil ne prolonge pas celui déjà "
                                       "reçu (chaînage différent). L'incident est noté.", device_id, bundle_id)
    new = []
    for e in entries:
        known = stored.get(e["seq"])
        if known is None:
            new.append(e)
        elif known[0] != e["hash"]:
            raise _Incident("audit_chain", f"Paquet refusé : l'entrée n°{e['seq']} du journal d'audit diffère de celle "
                                           "déjà reçue (journal réécrit). L'incident est noté.", device_id, bundle_id)
    return new


def _audit_received_upto(conn: Connection, device_id: str, known: int) -> int:
    """The last audit entry received with none missing before it."""
    at = AuditRecord.__table__
    upto = known
    for (seq,) in conn.execute(
        select(at.c.seq).where(at.c.device_id == device_id, at.c.seq > known).order_by(at.c.seq)
    ):
        if seq != upto + 1:
            break
        upto = seq
    return upto


def _apply(
    central: Central,
    conn: Connection,
    dev: dict[str, Any],
    env: Envelope,
    payload: DevicePayload,
    file_name: str,
    from_quarantine: bool,
    now: datetime,
) -> IngestResult:
    m = env.manifest
    did, bid = m["device_id"], m["bundle_id"]
    new_audit = _check_audit(conn, did, bid, payload["audit"])

    changes = payload["changes"]
    keys = {(c["entity"], c["id"]) for c in changes}
    stamp = bulk.db_time(conn, now)
    # Other devices' ingests run meanwhile on PostgreSQL: this bundle's records are locked before
    # their versions are read, so that the versions another ingest adds to one of them are either
    # all seen here or added after this one has committed (never a head or conflict missed).
    placeholders = merge.lock_records(conn, keys, stamp)
    nodes = merge.load_nodes(conn, keys)
    known = {(n.hash, n.parent, n.device_id) for ns in nodes.values() for n in ns}
    rows, touched = [], set()
    for c in changes:
        h, parent = c["hash"], c["parent"] or ""
        k = (h, parent, did)
        if k in known:
            continue
        known.add(k)
        key = (c["entity"], c["id"])
        op, version = c["op"], c["version"]
        deleted = merge.is_deleted(op, c["data"])
        rows.append((key[0], key[1], h, parent, op, version, deleted, c["text"], did, bid, stamp))
        nodes[key].append(merge.NodeInfo(h, parent, None, version, op, did, deleted))
        touched.add(key)
    bulk.insert_rows(conn, Node.__table__, NODE_COLUMNS, rows)
    counts = merge.refresh(conn, nodes, touched, now) if touched else {"conflicts_opened": 0}
    merge.drop_placeholders(conn, placeholders - touched)

    if new_audit:
        bulk.insert_many(conn, AuditRecord.__table__, [
            {"device_id": did, "seq": a["seq"], "id": a["id"], "at": a["at"], "actor_id": a["actor_id"],
             "action": a["action"], "entity": a["entity"], "entity_id": a["entity_id"],
             "beneficiary_id": a["beneficiary_id"], "details": a["details"], "prev_hash": a["prev_hash"],
             "hash": a["hash"], "bundle_id": bid} for a in new_audit])
    info = payload["device"]
    dt, bt = Device.__table__, Bundle.__table__
    conn.execute(dt.update().where(dt.c.id == did).values(
        last_seen_at=now, name=info["name"], territory=info["territory"], office=info["office"],
        audit_seq=_audit_received_upto(conn, did, dev["audit_seq"]),
        central_seq_seen=max(dev["central_seq_seen"], min(m["last_ack"]["central_sequence"], dev["publish_seq"]))))
    row = _bundle_row(env, file_name, INGESTED, now)
    row["new_changes"] = len(rows)
    if from_quarantine:
        del row["id"], row["received_at"]
        conn.execute(bt.update().where(bt.c.id == bid).values(**row))
        conn.execute(Quarantine.__table__.delete().where(Quarantine.__table__.c.bundle_id == bid))
    else:
        conn.execute(bt.insert().values(**row))
    opened = counts.get("conflicts_opened", 0)
    msg = (f"Paquet n°{m['sequence']} de {info['name']} intégré : {len(changes)} changement(s) dont {len(rows)} "
           f"nouveau(x), {len(new_audit)} entrée(s) d'audit.")
    if opened:
        msg += f" {opened} conflit(s) à arbitrer (« conseiller-central conflicts list »)."
    return IngestResult(INGESTED, bid, did, m["sequence"], msg, changes=len(changes), new_changes=len(rows),
                        audit=len(new_audit), conflicts_opened=opened)
