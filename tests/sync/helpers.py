"""Helpers shared by the sync and central office tests: real vaults, real keys, real databases."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from sqlalchemy import select, text

from conseiller_app.storage import models as m
from conseiller_app.storage.journal import snapshot
from conseiller_app.storage.services import Context, beneficiaries
from conseiller_app.storage.sync_models import SyncState
from conseiller_app.storage.vault import Vault
from conseiller_app.sync import crypto
from conseiller_app.sync import format as fmt
from conseiller_app.sync.format import CENTRAL_OWNED

PASSPHRASE = "cheval agrafe batterie correcte 7"


def make_vault(folder: Path, name: str = "Marie Dupont", territory: str = "arrageois") -> Context:
    vault = Vault.create(Path(folder), PASSPHRASE, name, territory, "MDS", check_policy=False)
    return Context(vault, today=lambda: date(2026, 11, 28))


def add_person(ctx: Context, last: str, first: str = "Awa", commune: str = "62041", public: str = "rsa") -> str:
    return beneficiaries.create(ctx, {"last_name": last, "first_name": first, "birth_date": "1990-03-04",
                                      "commune": commune, "public": public})


def add_session(ctx: Context, title: str = "Atelier BTP", territory: str = "arrageois", capacity: int = 12) -> str:
    with ctx.vault.session() as s:
        row = m.AtelierSession(kind="sensibilisation", title=title, start_date=date(2026, 12, 10),
                               end_date=date(2026, 12, 10), place="Salle des fêtes", commune_insee="62041",
                               territory=territory, organiser="departement", capacity=capacity, chantier="csne",
                               trades=["macon"])
        s.add(row)
        s.flush()
        return row.id


def edit(ctx: Context, model, record_id: str, **values) -> None:
    with ctx.vault.session() as s:
        row = s.get(model, record_id)
        for k, v in values.items():
            setattr(row, k, v)


def device_signing_key(ctx: Context) -> str:
    with ctx.vault.session() as s:
        return s.get(SyncState, 1).signing_key


def device_records(ctx: Context) -> dict[tuple[str, str], dict]:
    """Every synced record of a vault as the central office would store it (agencies excepted)."""
    out = {}
    with ctx.vault.session() as s:
        for model in m.SYNCED_MODELS:
            if model.__tablename__ in CENTRAL_OWNED:
                continue
            for row in s.scalars(select(model)):
                out[(model.__tablename__, row.id)] = json.loads(json.dumps(snapshot(row)))
    return out


def central_records(central) -> dict[tuple[str, str], dict]:
    from conseiller_app.central.merge import snapshots
    from conseiller_app.central.models import Record

    t = Record.__table__
    with central.db.read() as conn:
        return snapshots(conn, conn.execute(select(t.c.entity, t.c.entity_id, t.c.hash)).all())


def db_dump(central, exclude: tuple[str, ...] = ()) -> str:
    """A digest of every row of every table (to prove that a refusal changed nothing)."""
    from conseiller_app.central.models import CentralBase

    h = hashlib.sha256()
    with central.db.engine.connect() as conn:
        for table in CentralBase.metadata.sorted_tables:
            if table.name in exclude:
                continue
            rows = conn.execute(select(table)).all()
            for line in sorted(repr(tuple(r)) for r in rows):
                h.update(table.name.encode() + line.encode())
    return h.hexdigest()


def central_state(central) -> dict:
    """What must not depend on the order of ingestion: versions, records, open conflicts, audit
    entries and acknowledgments (no timestamps, no local numbering)."""
    from conseiller_app.central.models import AuditRecord, Conflict, Device, Node, Record
    from conseiller_app.central.publish import acknowledgment

    nt, rt, ct, at, dt = Node.__table__, Record.__table__, Conflict.__table__, AuditRecord.__table__, Device.__table__
    with central.db.read() as conn:
        return {
            "nodes": sorted(
                conn.execute(select(nt.c.entity, nt.c.entity_id, nt.c.hash, nt.c.parent, nt.c.device_id)).all()
            ),
            "records": sorted(
                conn.execute(select(rt.c.entity, rt.c.entity_id, rt.c.hash, rt.c.deleted, rt.c.in_conflict)).all()
            ),
            "conflicts": sorted(
                (r.entity, r.entity_id, tuple(r.heads))
                for r in conn.execute(select(ct.c.entity, ct.c.entity_id, ct.c.heads).where(ct.c.status == "ouvert"))
            ),
            "audit": sorted(conn.execute(select(at.c.device_id, at.c.seq, at.c.hash)).all()),
            "acks": sorted(
                (d["id"], tuple(sorted(acknowledgment(conn, d).items())), d["audit_seq"], d["central_seq_seen"])
                for d in conn.execute(select(dt)).mappings()
            ),
        }


def register_device(central, ctx: Context) -> str:
    """Approve a device up front, as if its first bundle had been approved (for property tests)."""
    from conseiller_app.central.models import Device
    from conseiller_app.sync import device

    with ctx.vault.session() as s:
        st = device.ensure_state(s)
        recipient, key, fp = device.public_keys(st)
        did = device.device_id(s)
    with central.db.write() as conn:
        conn.execute(Device.__table__.insert().values(
            id=did, status="approuve", name="Appareil de test", territory="arrageois", office="", signing_key=key,
            age_recipient=recipient, fingerprint=fp, first_seen_at=central.now(), approved_at=central.now(),
            audit_seq=0, central_seq_seen=0, publish_seq=0))
    return did


# --- taking bundles apart and forging them ------------------------------------------------------


def open_plain(data: bytes, identity: str) -> tuple[bytes, bytes, bytes, bytes]:
    """(container line, manifest line, signature line, payload) of a bundle."""
    plain = crypto.decrypt(data, identity)
    first = plain.index(b"\n") + 1
    second = plain.index(b"\n", first) + 1
    third = plain.index(b"\n", second) + 1
    return plain[:first], plain[first:second], plain[second:third], plain[third:]


def reseal_raw(parts: tuple[bytes, bytes, bytes, bytes], recipient: str) -> bytes:
    return crypto.encrypt(b"".join(parts), recipient)


def forge(data: bytes, identity: str, signing_key: str, recipient: str, *, manifest=None, payload=None,
          container: bytes | None = None) -> bytes:
    """Re-sign a modified bundle with a real key: ``manifest``/``payload`` are functions that
    change the decoded documents in place (the payload hash and sizes are recomputed)."""
    import gzip

    head, line, _, packed = open_plain(data, identity)
    man = json.loads(line)
    body = json.loads(gzip.decompress(packed))
    if payload:
        payload(body)
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    packed = gzip.compress(raw, mtime=0)
    man["payload"] = {"encoding": fmt.PAYLOAD_ENCODING, "sha256": fmt.sha256(packed), "size": len(packed),
                      "uncompressed_size": len(raw)}
    if manifest:
        manifest(man)
    line = fmt.canonical(man)
    sig = crypto.b64(crypto.sign(signing_key, fmt.SIGNATURE_CONTEXT + line)).encode()
    return crypto.encrypt(b"".join([container or head, line, b"\n", sig, b"\n", packed]), recipient)


def sqlite_url(folder: Path, name: str = "siege.db") -> str:
    return f"sqlite:///{Path(folder) / name}"


def raw_sql(central, sql: str):
    with central.db.engine.connect() as conn:
        return conn.execute(text(sql)).all()
