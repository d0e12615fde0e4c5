"""Create, update, archive and read beneficiary files; duplicate detection.

In-transaction API for the other services: ``load_in`` (the file, or ``NotFound``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from conseiller_app.domain import beneficiary as rules
from conseiller_app.domain import pathway as P
from conseiller_app.domain.beneficiary import Duplicate
from conseiller_app.domain.enums import (
    BarrierStatus,
    BarrierType,
    FileStatus,
    Prescriber,
    Public,
    Stage,
    StepStatus,
)
from conseiller_app.domain.errors import NotFound, ValidationError
from conseiller_app.domain.text import fold, prefix_keys, query_tokens, search_tokens
from conseiller_app.domain.validation import age_on, format_phone
from conseiller_app.storage import models as m
from conseiller_app.storage.journal import audit
from conseiller_app.storage.services.context import Context

_COLUMN_OF = {"commune": "commune_insee"}


def commune_resolver(session: Session) -> Callable[[str], list[str]]:
    def resolve(text: str) -> list[str]:
        text = text.strip()
        if text.isdigit() and len(text) == 5:
            hit = session.get(m.Commune, text)
            if hit:
                return [hit.insee]
            return list(session.scalars(select(m.Commune.insee).where(m.Commune.postal_codes.contains(text))))
        key = fold(text).replace("-", " ").replace("'", " ")
        rows = session.execute(select(m.Commune.insee, m.Commune.search_name)).all()
        return [insee for insee, name in rows if name.replace("-", " ").replace("'", " ") == key]

    return resolve


def sort_name(last: str, first: str) -> str:
    """Sort and duplicate key: folded, without apostrophes or hyphens (``ndiaye aissatou``)."""
    return f"{' '.join(query_tokens(last))} {' '.join(query_tokens(first))}"


def index_keys(last: str, first: str, caf_number: str | None, commune_insee: str | None,
               commune_name: str | None, postal_codes: str | None) -> list[str]:
    """The search index keys of a file: its folded words (names, commune), CAF number, INSEE and
    postal codes, then the short prefix keys of its words (``^m``, ``^ma``, ``^mar``)."""
    words = search_tokens(last, first, commune_name)
    extra = [caf_number, commune_insee] + (postal_codes.split() if postal_codes else [])
    tokens = list(dict.fromkeys(words + [t for t in extra if t]))
    return tokens + prefix_keys(tokens)


def index_tokens(session: Session, b: m.Beneficiary | dict[str, Any]) -> list[dict[str, Any]]:
    """Index rows of a file given as an ORM object or a row (the sync importer passes a dict)."""
    get: Callable[[str], Any] = b.get if isinstance(b, dict) else lambda k: getattr(b, k)
    commune = session.get(m.Commune, get("commune_insee"))
    keys = index_keys(get("last_name"), get("first_name"), get("caf_number"), get("commune_insee"),
                      commune.name if commune else None, commune.postal_codes if commune else None)
    # The file's sort key rides along: short prefixes are then read in list order from the index.
    sort_key = get("sort_name") or sort_name(get("last_name"), get("first_name"))
    return [{"token": k, "sort_name": sort_key, "beneficiary_id": get("id")} for k in keys]


def reindex(session: Session, b: m.Beneficiary) -> None:
    session.execute(delete(m.BeneficiaryToken).where(m.BeneficiaryToken.beneficiary_id == b.id))
    session.execute(insert(m.BeneficiaryToken), index_tokens(session, b))


def _apply(b: m.Beneficiary, clean: dict[str, Any]) -> list[str]:
    changed = []
    for field, value in clean.items():
        column = _COLUMN_OF.get(field, field)
        if getattr(b, column) != value:
            setattr(b, column, value)
            changed.append(field)
    b.sort_name = sort_name(b.last_name, b.first_name)
    return changed


def create(ctx: Context, data: dict[str, Any]) -> str:
    """Validate and create a file; return its id. Raises ``ValidationErrors``; writes nothing then."""
    with ctx.vault.session() as s:
        clean = rules.validate(data, today=ctx.today(), resolve_commune=commune_resolver(s))
        b = m.Beneficiary(referent_id=ctx.actor_id, status=FileStatus.ACTIVE.value, current_stage=Stage.SPOTTING.value)
        b.id = m.new_id()
        clean.setdefault("prescriber", Prescriber.UNKNOWN.value)
        _apply(b, clean)
        b.last_contact = b.last_contact or ctx.today()
        s.add(b)
        s.flush()
        s.add(m.PathwayStep(
            beneficiary_id=b.id, stage=Stage.SPOTTING.value, status=StepStatus.DONE.value,
            proposed_on=b.spotting_date, actual_start=b.spotting_date, actual_end=b.spotting_date,
        ))
        reindex(s, b)
        audit(s, ctx.actor_id, "create", "beneficiary", b.id, b.id, {"fields": sorted(clean)})
        return b.id


def load_in(s: Session, beneficiary_id: str) -> m.Beneficiary:
    """The file, in the caller's transaction; ``NotFound`` (French) when absent or deleted."""
    b = s.get(m.Beneficiary, beneficiary_id)
    if b is None or b.deleted_at is not None:
        raise NotFound("Ce dossier n'existe pas (ou plus) dans le coffre.")
    return b


def update(ctx: Context, beneficiary_id: str, data: dict[str, Any], expected_version: int | None = None) -> int:
    """Validate and apply the given fields; return the new version."""
    with ctx.vault.session() as s:
        b = load_in(s, beneficiary_id)
        if expected_version is not None and b.version != expected_version:
            raise ValidationError(
                "version", "ce dossier a été modifié entre-temps : rechargez-le avant d'enregistrer.", "Dossier"
            )
        clean = rules.validate(data, today=ctx.today(), resolve_commune=commune_resolver(s), partial=True)
        merged_public = clean.get("public", b.public)
        merged_birth = clean.get("birth_date", b.birth_date)
        if merged_public == Public.JEUNE.value and age_on(merged_birth, ctx.today()) >= 26:
            raise ValidationError("public", "le public « jeune » concerne les moins de 26 ans.", "Public")
        changed = _apply(b, clean)
        if not changed:
            return b.version
        s.flush()
        if {"last_name", "first_name", "commune", "caf_number"} & set(changed):
            reindex(s, b)
        audit(s, ctx.actor_id, "update", "beneficiary", b.id, b.id, {"fields": sorted(changed)})
        s.flush()
        return b.version


def archive(ctx: Context, beneficiary_id: str) -> None:
    with ctx.vault.session() as s:
        b = load_in(s, beneficiary_id)
        b.status = FileStatus.ARCHIVED.value
        audit(s, ctx.actor_id, "archive", "beneficiary", b.id, b.id)


def touch_contact(ctx: Context, beneficiary_id: str, on: date | None = None) -> None:
    with ctx.vault.session() as s:
        b = load_in(s, beneficiary_id)
        b.last_contact = on or ctx.today()
        audit(s, ctx.actor_id, "contact", "beneficiary", b.id, b.id)


@dataclass(frozen=True)
class BarrierActionRow:
    """One action taken on a barrier (an offer mobilised, or none), with its date and comment."""

    id: str
    offer_code: str | None
    done_on: date
    comment: str


@dataclass(frozen=True)
class FileBarrier:
    """A barrier (frein) of a file, with its labels and its actions by date."""

    id: str
    type: str
    type_label: str
    subtype: str | None
    status: str
    status_label: str
    identified_on: date
    lifted_on: date | None
    version: int
    actions: tuple[BarrierActionRow, ...]


@dataclass(frozen=True)
class FileConsent:
    """A consent recorded on a file; ``recorded_by`` is the conseiller's name."""

    id: str
    partner_kind: str
    partner_id: str | None
    partner_name: str
    scope: tuple[str, ...]
    given_on: date
    withdrawn_on: date | None
    recorded_by: str


@dataclass(frozen=True)
class FileStep:
    """A pathway step as the file shows it (codes and their labels), in date order."""

    id: str
    stage: str
    stage_label: str
    status: str
    status_label: str
    reason: str | None
    comment: str
    proposed_on: date | None
    planned_start: date | None
    planned_end: date | None
    actual_start: date | None
    actual_end: date | None
    outcome: str | None
    scheme: str | None
    funder: str | None
    funded_amount_cents: int | None

    def to_step(self) -> P.Step:
        """The domain step (for the pathway's own display and rules)."""
        return P.Step.from_record(asdict(self))


@dataclass(frozen=True)
class FileView:
    """Everything the file's tabs show: the stored columns (same names), the derived texts
    (commune, age, labels, formatted phone) and the file's barriers, consents and steps."""

    id: str
    last_name: str
    first_name: str
    birth_date: date
    public: str
    phone: str | None
    email: str | None
    address: str
    commune_insee: str
    caf_number: str | None
    france_travail_id: str | None
    nationality: str | None
    rqth: bool
    prescriber: str
    spotting_date: date
    referent_id: str
    status: str
    notes: str
    last_contact: date | None
    to_complete: bool
    sort_name: str
    current_stage: str
    created_at: datetime
    updated_at: datetime
    version: int
    deleted_at: datetime | None
    commune_name: str
    postal_code: str
    territory: str | None
    age: int
    under_26: bool
    referent_name: str
    phone_display: str
    public_label: str
    stage_label: str
    prescriber_label: str
    barriers: tuple[FileBarrier, ...]
    consents: tuple[FileConsent, ...]
    steps: tuple[FileStep, ...]


_COLUMNS = tuple(c.key for c in m.Beneficiary.__table__.columns)  # each one a field of FileView


def get(ctx: Context, beneficiary_id: str, *, record_read: bool = True) -> FileView:
    """Everything the file's tabs show. Records the read in the audit journal."""
    today = ctx.today()
    with ctx.vault.session() as s:
        b = load_in(s, beneficiary_id)
        commune = s.get(m.Commune, b.commune_insee)
        referent = s.get(m.Conseiller, b.referent_id)
        out: dict[str, Any] = {k: getattr(b, k) for k in _COLUMNS}
        out.update(
            commune_name=commune.name if commune else "",
            postal_code=(commune.postal_codes.split() or [""])[0] if commune else "",
            territory=commune.territory if commune else None,
            age=age_on(b.birth_date, today),
            under_26=rules.is_under_26(b.birth_date, today),
            referent_name=referent.name if referent else "",
            phone_display=format_phone(b.phone),
            public_label=Public(b.public).label,
            stage_label=Stage(b.current_stage).label,
            prescriber_label=Prescriber(b.prescriber).label,
        )
        barriers = tuple(
            FileBarrier(
                id=x.id, type=x.type, type_label=BarrierType(x.type).label, subtype=x.subtype,
                status=x.status, status_label=BarrierStatus(x.status).label,
                identified_on=x.identified_on, lifted_on=x.lifted_on, version=x.version,
                actions=tuple(
                    BarrierActionRow(id=a.id, offer_code=a.offer_code, done_on=a.done_on, comment=a.comment)
                    for a in s.scalars(select(m.BarrierAction).where(m.BarrierAction.barrier_id == x.id,
                                                                      m.BarrierAction.deleted_at.is_(None))
                                       .order_by(m.BarrierAction.done_on))
                ),
            )
            for x in s.scalars(select(m.Barrier).where(m.Barrier.beneficiary_id == b.id, m.Barrier.deleted_at.is_(None))
                               .order_by(m.Barrier.identified_on))
        )
        recorders = {c.id: c.name for c in s.scalars(select(m.Conseiller))}
        consents = tuple(
            FileConsent(
                id=c.id, partner_kind=c.partner_kind, partner_id=c.partner_id, partner_name=c.partner_name,
                scope=tuple(c.scope), given_on=c.given_on, withdrawn_on=c.withdrawn_on,
                recorded_by=recorders.get(c.recorded_by, ""),
            )
            for c in s.scalars(select(m.Consent).where(m.Consent.beneficiary_id == b.id, m.Consent.deleted_at.is_(None))
                               .order_by(m.Consent.given_on))
        )
        steps = sorted(
            (FileStep(
                id=p.id, stage=p.stage, stage_label=Stage(p.stage).label, status=p.status,
                status_label=StepStatus(p.status).label, reason=p.reason, comment=p.comment,
                proposed_on=p.proposed_on, planned_start=p.planned_start, planned_end=p.planned_end,
                actual_start=p.actual_start, actual_end=p.actual_end, outcome=p.outcome,
                scheme=p.scheme, funder=p.funder, funded_amount_cents=p.funded_amount_cents,
            )
             for p in s.scalars(select(m.PathwayStep).where(m.PathwayStep.beneficiary_id == b.id,
                                                            m.PathwayStep.deleted_at.is_(None)))),
            key=lambda p: (p.actual_start or p.planned_start or p.proposed_on or date.max, Stage(p.stage).order))
        if record_read:
            audit(s, ctx.actor_id, "read", "beneficiary", b.id, b.id)
        return FileView(**out, barriers=barriers, consents=consents, steps=tuple(steps))


def find_duplicates(ctx: Context, data: dict[str, Any], exclude_id: str | None = None) -> list[Duplicate]:
    """Probable duplicates of a file being created: same name and birth date, or same CAF number."""
    with ctx.vault.session() as s:
        return duplicates_in(s, data, exclude_id)


def duplicates_in(s: Session, data: dict[str, Any], exclude_id: str | None = None) -> list[Duplicate]:
    """``find_duplicates`` inside an open unit of work (a walk-in checks before creating)."""
    from conseiller_app.domain.validation import clean_caf_number, parse_date

    conditions: list[ColumnElement[bool]] = []
    try:
        birth = parse_date("birth_date", "", data.get("birth_date"), required=False)
    except ValidationError:
        birth = None
    last, first = (data.get("last_name") or "").strip(), (data.get("first_name") or "").strip()
    if birth and last and first:
        conditions.append((m.Beneficiary.sort_name == sort_name(last, first)) & (m.Beneficiary.birth_date == birth))
    try:
        caf = clean_caf_number(data.get("caf_number"))
    except ValidationError:
        caf = None
    if caf:
        conditions.append(m.Beneficiary.caf_number == caf)
    if not conditions:
        return []
    q = (
        select(m.Beneficiary.id, m.Beneficiary.last_name, m.Beneficiary.first_name, m.Beneficiary.birth_date,
               m.Beneficiary.caf_number, m.Commune.name)
        .join(m.Commune, m.Commune.insee == m.Beneficiary.commune_insee)
        .where(or_(*conditions), m.Beneficiary.deleted_at.is_(None))
    )
    if exclude_id:
        q = q.where(m.Beneficiary.id != exclude_id)
    return [
        Duplicate(id=r[0], last_name=r[1], first_name=r[2], birth_date=r[3], caf_number=r[4], commune_name=r[5],
                  reason="même numéro CAF" if caf and r[4] == caf else "même nom et même date de naissance")
        for r in s.execute(q)
    ]


def count(ctx: Context) -> int:
    with ctx.vault.session() as s:
        return s.scalar(select(func.count()).select_from(m.Beneficiary).where(m.Beneficiary.deleted_at.is_(None))) or 0
