"""ORM models of the vault (SQLAlchemy 2 typed declarative).

Every record that travels to the central office has a UUID primary key (text), created/updated
timestamps, a version counter (incremented by SQLAlchemy on each update) and a tombstone
(``deleted_at``) instead of hard deletion. Constraints are named for SQLite batch migrations.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


_last_v7 = [0]


def new_id() -> str:
    """A UUIDv7 (RFC 9562): time-ordered, so B-tree indexes on ids grow at their end instead of
    being rewritten at random pages (much faster inserts in a large encrypted vault)."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms << 80) | rand
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 9562 variant
    # Strictly increasing within the process even for many ids in the same millisecond
    # (the increment lands in the 62 random low bits).
    if value <= _last_v7[0]:
        value = _last_v7[0] + 1
    _last_v7[0] = value
    h = f"{value:032x}"  # str(uuid.UUID(int=value)), three times faster (demo data: 1.5 M ids)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Every model here is mapped to a Table (SQLAlchemy types it as any FromClause).
    __table__: ClassVar[Table]


class Synced:
    """Mixin for records that travel to the central office (change journal, tombstones)."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - a class-level directive; the version counter is maintained by SQLAlchemy
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]  # on a mapped class


# --- Vault metadata and reference data -------------------------------------------------------


class Setting(Base):
    """Key/value settings of this vault (retention, idle lock, reference data version...)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Conseiller(Synced, Base):
    """A conseiller (case worker). The vault's owner has ``is_owner`` set."""

    __tablename__ = "conseiller"
    name: Mapped[str] = mapped_column(String(120))
    territory: Mapped[str] = mapped_column(String(40))
    office: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)


class Territory(Base):
    __tablename__ = "territory"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class Commune(Base):
    __tablename__ = "commune"
    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    search_name: Mapped[str] = mapped_column(String(80), index=True)
    postal_codes: Mapped[str] = mapped_column(String(80))
    population: Mapped[int] = mapped_column(Integer, default=0)
    epci: Mapped[str] = mapped_column(String(120))
    territory: Mapped[str] = mapped_column(ForeignKey("territory.code"))


class Chantier(Base):
    __tablename__ = "chantier"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")


class Trade(Base):
    """A trade (métier) with its ROME code."""

    __tablename__ = "trade"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    rome: Mapped[str] = mapped_column(String(5))
    chantier: Mapped[str] = mapped_column(ForeignKey("chantier.code"))


class Scheme(Base):
    """A scheme (dispositif) and its funder."""

    __tablename__ = "scheme"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    funder: Mapped[str] = mapped_column(String(20))


class Offer(Base):
    """An offer that lifts a barrier (ma mobilité 62, FASTT services...)."""

    __tablename__ = "offer"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    barrier: Mapped[str] = mapped_column(String(20))


class Agency(Synced, Base):
    """An agence d'emploi (ETT / ETTI) of the directory maintained by the central office."""

    __tablename__ = "agency"
    name: Mapped[str] = mapped_column(String(160))
    network: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    commune_insee: Mapped[str | None] = mapped_column(ForeignKey("commune.insee"))
    territory: Mapped[str | None] = mapped_column(ForeignKey("territory.code"))
    contact: Mapped[str] = mapped_column(String(200), default="")
    trades: Mapped[list[Any]] = mapped_column(JSON, default=list[Any])
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)


# --- Beneficiary files ------------------------------------------------------------------------


class Beneficiary(Synced, Base):
    """A beneficiary file (dossier bénéficiaire). Never holds a NIR."""

    __tablename__ = "beneficiary"
    last_name: Mapped[str] = mapped_column(String(80))
    first_name: Mapped[str] = mapped_column(String(80))
    birth_date: Mapped[date] = mapped_column(Date)
    public: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(200), default="")
    commune_insee: Mapped[str] = mapped_column(ForeignKey("commune.insee"))
    caf_number: Mapped[str | None] = mapped_column(String(7), index=True)
    france_travail_id: Mapped[str | None] = mapped_column(String(11))
    nationality: Mapped[str | None] = mapped_column(String(10))
    rqth: Mapped[bool] = mapped_column(Boolean, default=False)
    prescriber: Mapped[str] = mapped_column(String(20))
    spotting_date: Mapped[date] = mapped_column(Date)
    referent_id: Mapped[str] = mapped_column(ForeignKey("conseiller.id"))
    status: Mapped[str] = mapped_column(String(10), default="actif")
    notes: Mapped[str] = mapped_column(Text, default="")
    last_contact: Mapped[date | None] = mapped_column(Date)
    to_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    # Derived, kept up to date by the services for list filters and sorting:
    sort_name: Mapped[str] = mapped_column(String(170))
    current_stage: Mapped[str] = mapped_column(String(30), default="reperage")

    __table_args__ = (
        Index("ix_beneficiary_sort_name", "sort_name"),
        # Covering index of the default list (active files in name order): ids come straight
        # from the index, without reading the encrypted rows.
        Index("ix_beneficiary_listing", "status", "deleted_at", "sort_name", "id"),
        Index("ix_beneficiary_commune", "commune_insee"),
        Index("ix_beneficiary_stage", "current_stage"),
        Index("ix_beneficiary_referent", "referent_id"),
        Index("ix_beneficiary_last_contact", "last_contact"),
        Index("ix_beneficiary_birth", "birth_date"),
    )


class Barrier(Synced, Base):
    """A frein périphérique on a file. Health is a yes/no at most: no free text."""

    __tablename__ = "barrier"
    beneficiary_id: Mapped[str] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    subtype: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), default="identifie")
    identified_on: Mapped[date] = mapped_column(Date)
    lifted_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_barrier_type_status", "type", "status"),)


class BarrierAction(Synced, Base):
    """An action taken to lift a barrier, usually pointing to an offer."""

    __tablename__ = "barrier_action"
    barrier_id: Mapped[str] = mapped_column(ForeignKey("barrier.id"), index=True)
    offer_code: Mapped[str | None] = mapped_column(String(40))
    done_on: Mapped[date] = mapped_column(Date)
    comment: Mapped[str] = mapped_column(Text, default="")


class Consent(Synced, Base):
    """Consent to share data with a partner: scope, date, who recorded it."""

    __tablename__ = "consent"
    beneficiary_id: Mapped[str] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    partner_kind: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[str | None] = mapped_column(String(36))
    partner_name: Mapped[str] = mapped_column(String(160))
    scope: Mapped[list[Any]] = mapped_column(JSON, default=list[Any])
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(ForeignKey("conseiller.id"))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)


class PathwayStep(Synced, Base):
    """One step (étape) of a person's pathway, with its status, dates, reason and funding."""

    __tablename__ = "pathway_step"
    beneficiary_id: Mapped[str] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    stage: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(15))
    reason: Mapped[str | None] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    proposed_on: Mapped[date | None] = mapped_column(Date)
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("atelier_session.id"))
    scheme: Mapped[str | None] = mapped_column(String(40))
    funder: Mapped[str | None] = mapped_column(String(20))
    funded_amount_cents: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_detail: Mapped[str] = mapped_column(String(120), default="")


class Note(Synced, Base):
    """A dated note on a file (one entry per note, with its author): what was done, said or
    planned. Factual only, never health details."""

    __tablename__ = "note"
    beneficiary_id: Mapped[str] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    written_on: Mapped[date] = mapped_column(Date)
    author_id: Mapped[str] = mapped_column(ForeignKey("conseiller.id"))
    author_name: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)


class AtelierSession(Synced, Base):
    """A session: atelier de sensibilisation, découverte, SAS, SPOTT, information collective."""

    __tablename__ = "atelier_session"
    kind: Mapped[str] = mapped_column(String(25))
    title: Mapped[str] = mapped_column(String(160))
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    commune_insee: Mapped[str | None] = mapped_column(ForeignKey("commune.insee"))
    territory: Mapped[str] = mapped_column(ForeignKey("territory.code"))
    organiser: Mapped[str] = mapped_column(String(25))
    organiser_name: Mapped[str] = mapped_column(String(160), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    chantier: Mapped[str | None] = mapped_column(ForeignKey("chantier.code"))
    trades: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # SPOTT only (convention 4-2, 4-3): « validation préalable par l'équipe du FPETT », the OPCO that
    # deploys it (AKTO) and the agencies (ids) taking part in this inter-agency training.
    fpett_validated_on: Mapped[date | None] = mapped_column(Date)
    opco: Mapped[str | None] = mapped_column(String(20))
    agencies: Mapped[list[Any] | None] = mapped_column(JSON, default=list)
    # « 09:00 », « 16:30 »: the day's hours (the attendance sheet splits morning and afternoon).
    start_time: Mapped[str | None] = mapped_column(String(5))
    end_time: Mapped[str | None] = mapped_column(String(5))


class Registration(Synced, Base):
    """A beneficiary's registration to a session, with waiting-list position and attendance."""

    __tablename__ = "registration"
    session_id: Mapped[str] = mapped_column(ForeignKey("atelier_session.id"), index=True)
    beneficiary_id: Mapped[str] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    status: Mapped[str] = mapped_column(String(15), default="inscrit")
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attendance: Mapped[str | None] = mapped_column(String(10))
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    # The agency that positioned the person on a preparatory action (indicator 2 of article 5-1).
    positioned_by_agency_id: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (
        UniqueConstraint("session_id", "beneficiary_id", name="uq_registration_session_beneficiary"),
        # Seats left of every session from the index alone (the « places libres » filter).
        Index("ix_registration_seats", "session_id", "status", "deleted_at"),
    )


class Referral(Synced, Base):
    """A referral (orientation) of a beneficiary to an agence d'emploi."""

    __tablename__ = "referral"
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    beneficiary_id: Mapped[str] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(20))
    trades: Mapped[list[Any]] = mapped_column(JSON, default=list[Any])
    barriers_summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="brouillon")
    status_date: Mapped[date] = mapped_column(Date)
    refusal_reason: Mapped[str | None] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(String(200), default="")
    consent_id: Mapped[str | None] = mapped_column(ForeignKey("consent.id"))
    created_by: Mapped[str] = mapped_column(ForeignKey("conseiller.id"))

    __table_args__ = (Index("ix_referral_status", "status", "status_date"),)


# --- Facts of the convention's indicators (article 5-1) ----------------------------------------


class PciDiagnostic(Synced, Base):
    """A Point Conseils Intérimaire (FASTT's individual diagnostic) held for a file.

    ``recommendations`` is a list of ``{"code": PciRecommendation, "followed": bool | None}``
    (codes only: « santé-prévention » is a flag, never a text)."""

    __tablename__ = "pci_diagnostic"
    beneficiary_id: Mapped[str] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    held_by: Mapped[str] = mapped_column(String(10))
    agency_id: Mapped[str | None] = mapped_column(String(36))
    recommendations: Mapped[list[Any]] = mapped_column(JSON, default=list)


class PreventionPathway(Synced, Base):
    """The FASTT parcours prévention (E-prévention) of a file: started, completed or abandoned."""

    __tablename__ = "prevention_pathway"
    beneficiary_id: Mapped[str] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    started_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)


class FundingLine(Synced, Base):
    """One funding line (funder, budget line, amount in cents, date) on a pathway step, a session
    or a referral. ``beneficiary_id`` is set for steps and referrals (None for a session)."""

    __tablename__ = "funding_line"
    beneficiary_id: Mapped[str | None] = mapped_column(String(36), index=True)
    target_kind: Mapped[str] = mapped_column(String(12))
    target_id: Mapped[str] = mapped_column(String(36))
    funder: Mapped[str] = mapped_column(String(20))
    line: Mapped[str] = mapped_column(String(30))
    amount_cents: Mapped[int] = mapped_column(Integer)
    granted_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (Index("ix_funding_line_target", "target_kind", "target_id"),)


class SasInterest(Synced, Base):
    """Whether the person showed interest for the SAS préparatoire after a découverte métiers
    (« si le candidat manifeste son intérêt »). The latest record of a file counts."""

    __tablename__ = "sas_interest"
    beneficiary_id: Mapped[str] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    interested: Mapped[bool] = mapped_column(Boolean)
    recorded_on: Mapped[date] = mapped_column(Date)


# --- Journals and drafts ----------------------------------------------------------------------


class AuditEntry(Base):
    """Append-only, hash-chained audit journal: who did what, when, on which record (reads too).

    ``details`` never holds field values, only field names and codes.
    """

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str | None] = mapped_column(String(36))
    beneficiary_id: Mapped[str | None] = mapped_column(String(36), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict[str, Any])
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChangeEntry(Base):
    """Change journal: every insert, update and delete of a synced record, for the sync."""

    __tablename__ = "change_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(8))  # insert | update | delete
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (Index("ix_change_log_entity", "entity", "entity_id"),)


class Draft(Base):
    """An unsaved edit kept (encrypted, in the vault) so a crash or a lock loses nothing."""

    __tablename__ = "draft"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)



class BeneficiaryToken(Base):
    """Local search index: the folded words of a file's name, commune and CAF number, and the short
    prefix keys of its words (``^ma``: a word starting with "ma"), each with the file's sort key.

    Keyed (token, sort_name, beneficiary_id) without rowid, so that the files under one key are
    stored in list order. A plain table (not FTS) so that its keys survive ``sqlcipher_export``
    (rekey, backup). Not synced: each device rebuilds it (``services.beneficiaries.index_tokens``).
    """

    __tablename__ = "beneficiary_token"
    token: Mapped[str] = mapped_column(String(80), primary_key=True)
    sort_name: Mapped[str] = mapped_column(String(170), primary_key=True)
    beneficiary_id: Mapped[str] = mapped_column(ForeignKey("beneficiary.id"), primary_key=True, index=True)

    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - read once by SQLAlchemy


SYNCED_MODELS = sorted(
    (m.class_ for m in Base.registry.mappers if issubclass(m.class_, Synced)), key=lambda c: c.__tablename__  # type: ignore[attr-defined]
)
MODELS_BY_TABLE: dict[str, type[Base]] = {m.class_.__tablename__: m.class_ for m in Base.registry.mappers}
