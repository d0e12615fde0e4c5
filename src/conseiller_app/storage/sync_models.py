"""Vault tables of the synchronisation with the central office (siège): this device's keys, the
pinned keys of the central office, progress counters, bundle history and sync bases.

They never travel themselves (they are not ``Synced``); the sync code in ``conseiller_app.sync``
is their only writer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from conseiller_app.storage.models import Base


class SyncState(Base):
    """This device's sync identity and progress: one row (``id`` = 1).

    The private keys live here, inside the encrypted vault: an Ed25519 key that signs the
    bundles sent to the central office and an age X25519 identity that opens the bundles it
    sends back (two keys, one job each).
    """

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signing_key: Mapped[str] = mapped_column(Text)  # Ed25519 private key, raw 32 bytes in base64
    age_identity: Mapped[str] = mapped_column(Text)  # AGE-SECRET-KEY-1...
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The central office's public keys, pinned by ``conseiller sync enroll``:
    central_name: Mapped[str | None] = mapped_column(String(120))
    central_recipient: Mapped[str | None] = mapped_column(String(100))
    central_signing_key: Mapped[str | None] = mapped_column(String(60))
    central_fingerprint: Mapped[str | None] = mapped_column(String(64))
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Progress: what was sent, what the central office acknowledged, what it sent back.
    next_sequence: Mapped[int] = mapped_column(Integer, default=1)
    acked_change_seq: Mapped[int] = mapped_column(Integer, default=0)
    acked_audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    acked_bundle_seq: Mapped[int] = mapped_column(Integer, default=0)
    central_sequence: Mapped[int] = mapped_column(Integer, default=0)
    reference_version: Mapped[int] = mapped_column(Integer, default=0)
    last_export_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_ack_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_import_at: Mapped[datetime | None] = mapped_column(DateTime)


class SyncBundle(Base):
    """History of the bundles exported to (``out``) and imported from (``in``) the central office."""

    __tablename__ = "sync_bundle"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the bundle id
    direction: Mapped[str] = mapped_column(String(3))  # out | in
    sequence: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    file_name: Mapped[str] = mapped_column(String(200))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    changes: Mapped[int] = mapped_column(Integer, default=0)
    audit: Mapped[int] = mapped_column(Integer, default=0)
    changes_to: Mapped[int] = mapped_column(Integer, default=0)
    audit_to: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12))  # exporte | accuse | importe
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    reference_version: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_sync_bundle_direction", "direction", "sequence"),)


class SyncBase(Base):
    """The last version of a record that both this device and the central office know
    (acknowledged, or received from the central office), by its change hash.

    A change exported later names it as its parent, so the central office can tell a
    continuation from a concurrent edit. ``mark`` is the change journal position at which the
    base was set: local changes after it descend from it.
    """

    __tablename__ = "sync_base"
    entity: Mapped[str] = mapped_column(String(30), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    mark: Mapped[int] = mapped_column(Integer)
