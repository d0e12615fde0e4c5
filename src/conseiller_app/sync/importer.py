"""Import of a bundle from the central office: verify, then apply in the caller's transaction.

Checks, in order: it opens with this device's key, it is a central office bundle signed with the
pinned key, addressed to this device, newer than the last one imported, with reference data not
older than the installed ones, and acknowledging only what this device sent. Then: record the
acknowledgment and prune the change journal, install the reference data, apply the shared
records (sessions calendar) and conflict resolutions, except over local changes the central
office has not seen yet (those will come back to it as a conflict rather than be lost).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypedDict, cast

from sqlalchemy import JSON, Boolean, Column, CursorResult, Date, DateTime, Integer, Table, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conseiller_app.storage import models
from conseiller_app.storage.journal import audit
from conseiller_app.storage.profile import is_demo
from conseiller_app.storage.reference import reference_version, replace_reference
from conseiller_app.storage.sync_models import SyncBundle, SyncState
from conseiller_app.sync import device, refdata
from conseiller_app.sync.errors import DEMO_CENTRAL_TO_REAL, REAL_CENTRAL_TO_DEMO
from conseiller_app.sync.format import (
    CENTRAL_KIND,
    CENTRAL_OWNED,
    DEFAULT_LIMITS,
    Limits,
    change_hash,
    check_kind,
    decrypt,
    is_demo_bundle,
    open_envelope,
    read_payload,
    reject,
    verify_signature,
)
from conseiller_app.sync.schema import check_central_manifest, check_central_payload


class Ack(TypedDict):
    """What the central office acknowledges of this device's bundles (``ack`` of its manifest)."""

    changes: int
    audit: int
    bundle_sequence: int


@dataclass(frozen=True)
class ConfirmedBundle:
    """A sent bundle an acknowledgment confirms (« paquet n°3, 1 changement »)."""

    sequence: int
    changes: int
    audit: int


@dataclass(frozen=True)
class RecordOutcome:
    """What became of the shared records of an imported bundle."""

    applied: int = 0  # installed
    same: int = 0  # already up to date
    local: int = 0  # kept: changed here since, the central office will get them
    unknown: int = 0  # of a kind this vault does not hold
    refused: int = 0  # incompatible with this vault


@dataclass(frozen=True)
class ImportedBundle:
    """A bundle of the central office imported (``importe``) or found already imported (``deja_importe``:
    only the first four fields say something)."""

    status: str
    bundle_id: str
    sequence: int
    message: str = ""  # for ``deja_importe``: what to tell the conseiller
    reference_version: int = 0
    reference_installed: bool = False
    acknowledged_changes: int = 0
    newly_acknowledged: int = 0  # journal rows pruned behind the acknowledgment
    bundles_confirmed: tuple[ConfirmedBundle, ...] = ()
    reference_label: str | None = None
    records: RecordOutcome = field(default_factory=RecordOutcome)


def import_bundle(session: Session, data: bytes, file_name: str, *, actor_id: str, now: datetime,
                  limits: Limits = DEFAULT_LIMITS) -> ImportedBundle:
    st = device.ensure_state(session)
    central = device.pinned_central(st)
    did = device.device_id(session)
    _, _, fp = device.public_keys(st)
    env = open_envelope(decrypt(data, st.age_identity, limits, who="cet appareil"), limits)
    check_kind(env, CENTRAL_KIND)
    verify_signature(env, central.signing_key, who="siège inscrit dans ce coffre")
    man = env.manifest
    if man["sender"] != central.fingerprint:
        raise reject("signature", "Paquet refusé : il ne vient pas du siège inscrit dans ce coffre.")
    if man["device_id"] != did or man["recipient"] != fp:
        raise reject("other_device", "Paquet refusé : ce paquet du siège est destiné à un autre appareil.")
    check_central_manifest(man, limits)
    if is_demo_bundle(man) != is_demo(session):
        raise reject("demo", DEMO_CENTRAL_TO_REAL if is_demo_bundle(man) else REAL_CENTRAL_TO_DEMO)
    seen = session.get(SyncBundle, man["bundle_id"])
    if seen is not None:
        if seen.direction == "in" and seen.manifest_sha256 == env.manifest_sha256:
            return ImportedBundle(status="deja_importe", bundle_id=seen.id, sequence=seen.sequence,
                                  message=f"Ce paquet du siège (n°{seen.sequence}) a déjà été importé : rien à faire.")
        raise reject("reused_id", "Paquet refusé : son identifiant est déjà celui d'un autre paquet.")
    if man["sequence"] <= st.central_sequence:
        raise reject("older", f"Paquet refusé : ce paquet du siège (n°{man['sequence']}) est plus ancien que le "
                              f"dernier importé (n°{st.central_sequence}).")
    if man["reference_version"] < st.reference_version:
        raise reject("reference_older", f"Paquet refusé : ses données de référence (version {man['reference_version']}) "
                                        f"sont plus anciennes que celles installées (version {st.reference_version}).")
    payload = check_central_payload(man, read_payload(env, limits))
    _check_ack(session, man["ack"])

    confirmed = _bundles_confirmed(session, man["ack"])
    acked = _apply_ack(session, st, man["ack"], now)
    reference_installed = False
    if man["reference_version"] > st.reference_version:
        # The shipped replace_reference deletes and re-adds chantiers that sessions point to.
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
        replace_reference(session, refdata.from_json(payload["reference"]))
        session.flush()
        session.execute(text("PRAGMA defer_foreign_keys = OFF"))
        st.reference_version = man["reference_version"]
        reference_installed = True
    mark = session.scalar(select(func.max(models.ChangeEntry.seq))) or 0
    outcome = {"applied": 0, "same": 0, "local": 0, "unknown": 0, "refused": 0}
    for rec in payload["records"]:
        outcome[apply_record(session, rec, st.acked_change_seq, mark)] += 1
    st.central_sequence = man["sequence"]
    st.last_import_at = now
    session.add(SyncBundle(id=man["bundle_id"], direction="in", sequence=man["sequence"], created_at=now,
                           file_name=file_name[:200], manifest_sha256=env.manifest_sha256,
                           changes=len(payload["records"]), audit=0, changes_to=man["ack"]["changes"],
                           audit_to=man["ack"]["audit"], status="importe",
                           reference_version=man["reference_version"]))
    audit(session, actor_id, "sync_import", "sync_bundle", man["bundle_id"], None,
          {"sequence": man["sequence"], "reference_version": man["reference_version"], **outcome})
    session.flush()
    return ImportedBundle(status="importe", bundle_id=man["bundle_id"], sequence=man["sequence"],
                          reference_version=man["reference_version"], reference_installed=reference_installed,
                          acknowledged_changes=st.acked_change_seq, newly_acknowledged=acked,
                          bundles_confirmed=confirmed, reference_label=reference_version(session),
                          records=RecordOutcome(**outcome))


def _check_ack(session: Session, ack: Ack) -> None:
    changes_to, audit_to, seq = session.execute(
        select(func.max(SyncBundle.changes_to), func.max(SyncBundle.audit_to), func.max(SyncBundle.sequence))
        .where(SyncBundle.direction == "out")).one()
    if ack["changes"] > (changes_to or 0) or ack["audit"] > (audit_to or 0) or ack["bundle_sequence"] > (seq or 0):
        raise reject("ack", "Paquet refusé : il accuse réception de données que cet appareil n'a jamais envoyées.")


def _bundles_confirmed(session: Session, ack: Ack) -> tuple[ConfirmedBundle, ...]:
    """The sent bundles this acknowledgment confirms for the first time: what the conseiller
    sent (« paquet n°3, 1 changement »), not the journal rows pruned behind it."""
    rows = session.scalars(
        select(SyncBundle).where(SyncBundle.direction == "out", SyncBundle.status == "exporte",
                                 SyncBundle.changes_to <= ack["changes"], SyncBundle.audit_to <= ack["audit"])
        .order_by(SyncBundle.sequence))
    return tuple(ConfirmedBundle(sequence=b.sequence, changes=b.changes, audit=b.audit) for b in rows)


def _apply_ack(session: Session, st: SyncState, ack: Ack, now: datetime) -> int:
    """Record the acknowledgment and prune the acknowledged changes; returns how many were pruned."""
    new_changes = max(st.acked_change_seq, ack["changes"])
    new_audit = max(st.acked_audit_seq, ack["audit"])
    advanced = (new_changes > st.acked_change_seq or new_audit > st.acked_audit_seq
                or ack["bundle_sequence"] > st.acked_bundle_seq)
    pruned = prune(session, st.acked_change_seq, new_changes) if new_changes > st.acked_change_seq else 0
    st.acked_change_seq, st.acked_audit_seq = new_changes, new_audit
    st.acked_bundle_seq = max(st.acked_bundle_seq, ack["bundle_sequence"])
    session.execute(
        update(SyncBundle)
        .where(SyncBundle.direction == "out", SyncBundle.status == "exporte",
               SyncBundle.changes_to <= new_changes, SyncBundle.audit_to <= new_audit)
        .values(status="accuse", acknowledged_at=now)
    )
    if advanced:
        st.last_ack_at = now
    return pruned


def prune(session: Session, after: int, upto: int) -> int:
    """Forget acknowledged changes, keeping each record's last one as its sync base.

    The journal's newest row is kept: SQLite would otherwise reuse its position numbers.
    """
    last: dict[tuple[str, str], tuple[int, str, dict[str, Any]]] = {}
    ce = models.ChangeEntry
    q = (select(ce.seq, ce.entity, ce.entity_id, ce.op, ce.data)
         .where(models.ChangeEntry.seq > after, models.ChangeEntry.seq <= upto).order_by(models.ChangeEntry.seq))
    for seq, entity, eid, op, data in session.execute(q):
        if entity not in CENTRAL_OWNED:
            last[(entity, eid)] = (seq, op, data)
    device.upsert_bases(session, [
        {"entity": e, "entity_id": i, "hash": change_hash(e, i, op, data), "mark": seq}
        for (e, i), (seq, op, data) in last.items()
    ])
    newest = session.scalar(select(func.max(models.ChangeEntry.seq))) or 0
    # A DELETE returns a CursorResult, which SQLAlchemy's overloads of Session.execute do not say.
    result = cast("CursorResult[Any]", session.execute(
        delete(models.ChangeEntry).where(models.ChangeEntry.seq <= upto, models.ChangeEntry.seq < newest)))
    return result.rowcount or 0


# --- records ----------------------------------------------------------------------------------


def _convert(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    t = column.type
    if isinstance(t, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(t, Date):
        return date.fromisoformat(value)
    if isinstance(t, Boolean):
        if not isinstance(value, bool):
            raise ValueError("boolean")
        return value
    if isinstance(t, Integer):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("integer")
        return value
    if isinstance(t, JSON):
        return value
    if not isinstance(value, str):
        raise ValueError("text")
    return value


def row_values(table: Table, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """Column values from a snapshot, or None when a value does not fit its column."""
    try:
        return {c.key: _convert(c, data[c.key]) for c in table.columns if c.key in data}
    except (ValueError, TypeError, AttributeError):
        return None


def apply_record(session: Session, rec: Mapping[str, Any], acked: int, mark: int) -> str:
    """Apply one record version from the central office (no change journal entry: it comes from
    there). Returns applied | same | local (kept: unacknowledged local changes) | unknown | refused."""
    entity, eid = rec["entity"], rec["id"]
    model = models.MODELS_BY_TABLE.get(entity)
    if model is None or not issubclass(model, models.Synced) or entity in CENTRAL_OWNED:
        return "unknown"
    local = session.execute(
        select(models.ChangeEntry.seq).where(models.ChangeEntry.entity == entity, models.ChangeEntry.entity_id == eid,
                                        models.ChangeEntry.seq > acked).limit(1)).first()
    if local is not None:
        return "local"
    if device.current_hash(session, entity, eid) == rec["hash"]:
        return "same"
    table = model.__table__
    values = row_values(table, rec["data"])
    if values is None or values.get("id") != eid:
        return "refused"
    try:
        with session.begin_nested():
            if session.execute(select(table.c.id).where(table.c.id == eid)).first() is None:
                session.execute(table.insert().values(values))
            else:
                session.execute(table.update().where(table.c.id == eid).values(values))
            if entity == "beneficiary":
                _reindex(session, eid)
    except IntegrityError:
        return "refused"
    device.set_base(session, entity, eid, rec["hash"], mark)
    session.flush()
    return "applied"


def _reindex(session: Session, beneficiary_id: str) -> None:
    from conseiller_app.storage.services.beneficiaries import index_tokens

    table = models.Beneficiary.__table__
    row = session.execute(select(table).where(table.c.id == beneficiary_id)).mappings().one()
    session.execute(delete(models.BeneficiaryToken).where(models.BeneficiaryToken.beneficiary_id == beneficiary_id))
    tokens = index_tokens(session, dict(row))
    if tokens:
        session.execute(models.BeneficiaryToken.__table__.insert(), tokens)


__all__ = ["apply_record", "import_bundle", "prune", "row_values"]
