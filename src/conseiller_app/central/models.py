"""The central office's database (SQLite by default, PostgreSQL in production).

Records are kept as a tree of versions (:class:`Node`): every version any device sent, with the
hash of the version it was made from. The current state of a record (:class:`Record`) is a pure
function of that set: its single head, or a :class:`Conflict` when several versions descend
from a common one. This makes ingestion idempotent and independent of the order of arrival, and
nothing is ever overwritten: every version stays in the tree.

Schema management: ``create_all`` plus a schema version stored in :class:`Meta`, checked by every
command (see ``central.db``). When version 2 comes, an alembic environment of its own will start
from this one as its baseline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_VERSION = 1
CENTRAL = ""  # device id of versions made by the central office itself (conflict resolutions)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class CentralBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Every model here is mapped to a Table (SQLAlchemy types it as any FromClause).
    __table__: ClassVar[Table]


class Meta(CentralBase):
    """Key/value facts about this database: schema version, the central office's fingerprint."""

    __tablename__ = "central_meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Device(CentralBase):
    """A conseiller's device: pending (en attente) until approved, or revoked."""

    __tablename__ = "device"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))  # en_attente | approuve | revoque
    name: Mapped[str] = mapped_column(String(120))
    territory: Mapped[str] = mapped_column(String(40))
    office: Mapped[str] = mapped_column(String(120))
    signing_key: Mapped[str] = mapped_column(String(60))
    age_recipient: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)  # last audit entry received
    central_seq_seen: Mapped[int] = mapped_column(Integer, default=0)  # last central bundle it imported
    publish_seq: Mapped[int] = mapped_column(Integer, default=0)  # last central bundle made for it


class Bundle(CentralBase):
    """A bundle received: ingested, or in quarantine until its device is approved."""

    __tablename__ = "bundle"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))  # ingere | quarantaine
    received_at: Mapped[datetime] = mapped_column(DateTime)
    ingested_at: Mapped[datetime | None] = mapped_column(DateTime)
    file_name: Mapped[str] = mapped_column(String(200))
    changes_from: Mapped[int] = mapped_column(Integer)
    changes_to: Mapped[int] = mapped_column(Integer)
    audit_from: Mapped[int] = mapped_column(Integer)
    audit_to: Mapped[int] = mapped_column(Integer)
    changes: Mapped[int] = mapped_column(Integer)
    new_changes: Mapped[int] = mapped_column(Integer, default=0)
    audit: Mapped[int] = mapped_column(Integer)
    central_seq_seen: Mapped[int] = mapped_column(Integer, default=0)


class Quarantine(CentralBase):
    """The encrypted file of a bundle waiting for its device's approval."""

    __tablename__ = "quarantine"
    bundle_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Node(CentralBase):
    """One version of a record, as a device sent it (or as a resolution made it)."""

    __tablename__ = "node"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(36))
    hash: Mapped[str] = mapped_column(String(64))
    parent: Mapped[str] = mapped_column(String(64), default="")  # "" for a creation
    merges: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))  # other parents (a resolution's)
    op: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean)  # a tombstone (or a hard delete)
    # The snapshot as canonical JSON text: exactly the bytes hashed, so every stored version can be
    # checked against its hash again (on PostgreSQL, query it with ``data::jsonb``).
    data: Mapped[str] = mapped_column(Text)
    device_id: Mapped[str] = mapped_column(String(36))  # CENTRAL for a resolution
    bundle_id: Mapped[str | None] = mapped_column(String(36))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    resolution_no: Mapped[int | None] = mapped_column(Integer, unique=True)

    # One index serves both the lookups of a record's versions (its first two columns) and the
    # uniqueness of a version: a hash covers the entity and id, so (hash, parent, device) is unique
    # exactly when it is unique within the record. (Databases made before this keep their two
    # indexes, ``uq_node_version`` on (hash, parent, device_id) and ``ix_node_record``, with the same
    # meaning.) One index fewer to update for every version received.
    __table_args__ = (
        UniqueConstraint("entity", "entity_id", "hash", "parent", "device_id", name="uq_node_version"),
    )


class Record(CentralBase):
    """The consolidated state of a record: its head version (or, in conflict, the highest head),
    whose snapshot is the :class:`Node` of the same record with this ``hash``."""

    __tablename__ = "record"
    entity: Mapped[str] = mapped_column(String(30), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    in_conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Conflict(CentralBase):
    """Concurrent versions of one record: kept side by side until a person chooses."""

    __tablename__ = "conflict"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(10))  # ouvert | resolu
    heads: Mapped[list[Any]] = mapped_column(JSON)  # hashes, sorted: version A, B, ...
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    kept: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(64))
    resolved_by: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (Index("ix_conflict_record", "entity", "entity_id"),)


class AuditRecord(CentralBase):
    """A device's audit journal entry, as received (hash-chained per device)."""

    __tablename__ = "audit_entry"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(36))
    at: Mapped[str] = mapped_column(String(40))  # ISO text exactly as hashed
    actor_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str | None] = mapped_column(String(36))
    beneficiary_id: Mapped[str | None] = mapped_column(String(36))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    bundle_id: Mapped[str] = mapped_column(String(36))


class ReferenceRelease(CentralBase):
    """A release of the reference data; versions only go up."""

    __tablename__ = "reference_release"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class Publication(CentralBase):
    """A bundle made for a device: acknowledgments, reference release, resolutions up to a point."""

    __tablename__ = "publication"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(36))
    sequence: Mapped[int] = mapped_column(Integer)
    bundle_id: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    reference_version: Mapped[int] = mapped_column(Integer)
    ack_changes: Mapped[int] = mapped_column(Integer)
    ack_audit: Mapped[int] = mapped_column(Integer)
    ack_bundle: Mapped[int] = mapped_column(Integer)
    max_resolution_no: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("device_id", "sequence", name="uq_publication_device_sequence"),)


class Incident(CentralBase):
    """A security-relevant anomaly worth a person's attention (reused bundle id, broken audit
    chain, unexpected device key). Kept apart from the data: the refused bundle stored nothing."""

    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(30))
    device_id: Mapped[str | None] = mapped_column(String(36))
    bundle_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[str] = mapped_column(Text)


# --- the service (conseiller-central serve): added tables only, created when missing -----------


class ReturnBundle(CentralBase):
    """The latest publication for a device, as sealed, served by ``GET /api/v1/return-bundle``
    (older ones are superseded: a device accepts any newer sequence)."""

    __tablename__ = "return_bundle"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class RequestNonce(CentralBase):
    """Nonces of signed device requests, kept for the validity window: a replay is refused."""

    __tablename__ = "request_nonce"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class Refusal(CentralBase):
    """A bundle refused by the service or the console's upload form (what and why, no content)."""

    __tablename__ = "refusal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(20))  # reseau | console
    device_id: Mapped[str | None] = mapped_column(String(36), index=True)
    size: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text)


class StaffUser(CentralBase):
    """A console account of the central office's staff (password as an argon2 hash)."""

    __tablename__ = "staff_user"
    login: Mapped[str] = mapped_column(String(60), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))  # administrateur | charge_mission | partenaire
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)


class StaffSession(CentralBase):
    """Server-side console sessions (shared by every worker process; ended at logout)."""

    __tablename__ = "staff_session"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


class StaffJournal(CentralBase):
    """Every staff action: who approved which device, who resolved which conflict…"""

    __tablename__ = "staff_journal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    login: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text, default="")


class ExportRecord(CentralBase):
    """Every bilan and partners' export that left the central office (issue 11): who made it (a
    console login, or the OS user for the command line), when, from where, which filters, which
    format, and the SHA-256 of the file handed out (to tell later whether a file is one of ours).
    Added to schema 1 like the service's tables: created in an existing base when missing."""

    __tablename__ = "export_journal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    who: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(10))  # console | cli
    kind: Mapped[str] = mapped_column(String(10))  # bilan | export
    format: Mapped[str] = mapped_column(String(10))  # pdf | ods | xlsx | csv
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)  # Filters.to_json() + "device"
    file_name: Mapped[str] = mapped_column(String(200))  # the name only, never the folder
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
