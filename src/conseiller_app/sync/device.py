"""This device's side of the sync state: its keys (created on first need, kept in the vault),
the pinned central office keys, and what each record's last shared version is."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from conseiller_app.storage.models import ChangeEntry, Setting, utcnow
from conseiller_app.storage.profile import get_setting, set_setting
from conseiller_app.storage.sync_models import SyncBase, SyncState
from conseiller_app.storage.vault import RESTORED_SETTING
from conseiller_app.sync import crypto
from conseiller_app.sync.enrollment import CentralPublic
from conseiller_app.sync.errors import EnrollmentRefused, NotEnrolled
from conseiller_app.sync.format import change_hash

STATE_ID = 1
RESTORED_FROM_SETTING = "restored_from_device"


def ensure_state(session: Session) -> SyncState:
    """The sync state row, created with fresh keys the first time it is needed (and renewed
    after the vault was restored from a backup)."""
    st = session.get(SyncState, STATE_ID)
    if st is None:
        st = SyncState(id=STATE_ID, signing_key=crypto.new_signing_key(), age_identity=crypto.new_age_identity(),
                       created_at=utcnow(), next_sequence=1, acked_change_seq=0, acked_audit_seq=0,
                       acked_bundle_seq=0, central_sequence=0, reference_version=0)
        session.add(st)
        session.flush()
    if session.get(Setting, RESTORED_SETTING) is not None:
        _renew_identity(session, st)
    return st


def _renew_identity(session: Session, st: SyncState) -> None:
    """A vault restored from a backup went back in time: the device it was may have sent bundles
    since, and the audit journal and bundle numbers it continues would fork from those. It
    becomes a new device (new id, new keys, bundle numbers from 1), which the central office
    approves like any new one; it keeps the central office's pinned keys, the reference version
    and what had been acknowledged, so its first bundle carries everything not acknowledged then.
    The central office sees which device it was restored from."""
    previous = device_id(session)
    set_setting(session, "device_id", str(uuid.uuid4()))
    set_setting(session, RESTORED_FROM_SETTING, previous)
    st.signing_key, st.age_identity = crypto.new_signing_key(), crypto.new_age_identity()
    st.created_at = utcnow()
    st.next_sequence, st.acked_bundle_seq, st.central_sequence = 1, 0, 0
    session.delete(session.get(Setting, RESTORED_SETTING))
    session.flush()


def restored_from(session: Session) -> str | None:
    """The device id this vault had before it was restored from a backup, if it was."""
    return get_setting(session, RESTORED_FROM_SETTING)


def device_id(session: Session) -> str:
    value = get_setting(session, "device_id")
    if not value:  # pragma: no cover - every vault gets one with its owner
        raise RuntimeError("vault without device id")
    return value


def public_keys(st: SyncState) -> tuple[str, str, str]:
    """(age recipient, Ed25519 public key, fingerprint) of this device."""
    recipient = crypto.age_recipient(st.age_identity)
    key = crypto.public_signing_key(st.signing_key)
    return recipient, key, crypto.fingerprint(recipient, key)


def pinned_central(st: SyncState) -> CentralPublic:
    if not st.central_fingerprint:
        raise NotEnrolled()
    return CentralPublic(name=st.central_name or "", recipient=st.central_recipient or "",
                         signing_key=st.central_signing_key or "", fingerprint=st.central_fingerprint)


def pin_central(session: Session, central: CentralPublic, *, replace: bool = False) -> bool:
    """Pin the central office's keys; returns False when exactly these keys were already pinned."""
    st = ensure_state(session)
    if st.central_fingerprint == central.fingerprint:
        return False
    if st.central_fingerprint and not replace:
        raise EnrollmentRefused(
            "Ce coffre est déjà inscrit auprès d'un siège dont les clés sont différentes "
            f"(empreinte {crypto.display_fingerprint(st.central_fingerprint)}). Vérifiez auprès du siège ; "
            "pour remplacer ses clés, relancez avec --replace."
        )
    if st.central_fingerprint:
        # Another central office (or new keys): its bundle numbers and reference versions are its own.
        st.central_sequence = 0
        st.reference_version = 0
    st.central_name, st.central_recipient = central.name, central.recipient
    st.central_signing_key, st.central_fingerprint = central.signing_key, central.fingerprint
    st.enrolled_at = utcnow()
    return True


def last_entry_hash(session: Session, entity: str, entity_id: str) -> tuple[int, str] | None:
    row = session.execute(
        select(ChangeEntry.seq, ChangeEntry.op, ChangeEntry.data)
        .where(ChangeEntry.entity == entity, ChangeEntry.entity_id == entity_id)
        .order_by(ChangeEntry.seq.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return row.seq, change_hash(entity, entity_id, row.op, row.data)


def current_hash(session: Session, entity: str, entity_id: str) -> str | None:
    """Hash of this device's current version of a record, as the central office would know it."""
    entry = last_entry_hash(session, entity, entity_id)
    base = session.get(SyncBase, (entity, entity_id))
    if entry is not None and (base is None or entry[0] > base.mark):
        return entry[1]
    return base.hash if base is not None else None


def set_base(session: Session, entity: str, entity_id: str, hash_: str, mark: int) -> None:
    base = session.get(SyncBase, (entity, entity_id))
    if base is None:
        session.add(SyncBase(entity=entity, entity_id=entity_id, hash=hash_, mark=mark))
    elif mark >= base.mark:
        base.hash, base.mark = hash_, mark


def upsert_bases(session: Session, rows: list[dict[str, Any]]) -> None:
    """Bulk version of :func:`set_base` (rows: entity, entity_id, hash, mark)."""
    if not rows:
        return
    from sqlalchemy.dialects.sqlite import insert

    stmt = insert(SyncBase)
    stmt = stmt.on_conflict_do_update(
        index_elements=[SyncBase.entity, SyncBase.entity_id],
        set_={"hash": stmt.excluded.hash, "mark": stmt.excluded.mark},
        where=stmt.excluded.mark >= SyncBase.mark,
    )
    session.execute(stmt, rows)
