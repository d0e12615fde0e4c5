"""Referrals (orientations) to agences d'emploi: created only with the person's recorded consent
for that agency, statuses with dates, no-news flag after 30 days, unique human reference, and the
data of the printed form limited to the consent's scope.

In-transaction API for the other services: ``create_in``. The pathway follows a referral's status
by the domain rule ``referral.pathway_follow``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from conseiller_app.domain import referral as rules
from conseiller_app.domain import validation
from conseiller_app.domain.enums import (
    BarrierStatus,
    BarrierType,
    ConsentScope,
    Public,
    ReferralScheme,
    ReferralStatus,
    RefusalReason,
    Stage,
    StepStatus,
)
from conseiller_app.domain.errors import NotFound, ValidationError
from conseiller_app.domain.validation import format_phone
from conseiller_app.storage import models as m
from conseiller_app.storage.journal import audit
from conseiller_app.storage.profile import get_setting
from conseiller_app.storage.services import pathway as pathway_service
from conseiller_app.storage.services.beneficiaries import load_in as load_file
from conseiller_app.storage.services.context import Context

RS = ReferralStatus


@dataclass(frozen=True, slots=True)
class ConsentCheck:
    """Whether a referral to an agency is possible now. ``ok``: the consent found (id, scope,
    date); otherwise the French ``message`` and the partner to prefill when recording it."""

    ok: bool
    consent_id: str | None = None
    scope: tuple[str, ...] = ()
    given_on: date | None = None
    message: str = ""
    partner_kind: str = ""
    partner_id: str | None = None
    partner_name: str = ""


@dataclass(frozen=True, slots=True)
class ReferralCreated:
    id: str
    reference: str
    status: str
    pathway_note: str | None  # French: why the pathway could not follow


@dataclass(frozen=True, slots=True)
class StatusChanged:
    id: str
    reference: str
    status: str
    version: int
    pathway_note: str | None


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """A referral as the Orientations page lists it."""

    id: str
    reference: str
    beneficiary_id: str
    name: str
    agency_id: str
    agency: str
    scheme: str
    scheme_label: str
    trades: tuple[str, ...]
    status: str
    status_label: str
    status_date: date
    refusal_reason: str | None
    refusal_reason_label: str
    result: str
    days_since: int
    no_news: bool
    consent_state: str
    consent_label: str
    version: int


@dataclass(frozen=True, slots=True)
class ReferralDetail(ReferralRow):
    """One referral with what the list leaves out."""

    barriers_summary: str
    consent_id: str | None


@dataclass(frozen=True, slots=True)
class AgencyRow:
    """An agency of the directory (referral dialog)."""

    id: str
    name: str
    network: str
    address: str
    territory: str | None
    territory_name: str
    contact: str
    trades: tuple[str, ...]
    illustrative: bool


def _consents(s: Session, beneficiary_id: str) -> list[rules.ConsentView]:
    return [rules.ConsentView(c.id, c.partner_kind, c.partner_id, c.partner_name, tuple(c.scope or ()), c.given_on,
                              c.withdrawn_on)
            for c in s.scalars(select(m.Consent).where(m.Consent.beneficiary_id == beneficiary_id,
                                                       m.Consent.deleted_at.is_(None)))]


def _agency(s: Session, agency_id: str) -> m.Agency:
    a = s.get(m.Agency, agency_id)
    if a is None or a.deleted_at is not None:
        raise NotFound("Cette agence n'est pas dans l'annuaire.")
    return a


def _next_reference(s: Session, today: date) -> str:
    device = rules.device_code(get_setting(s, "device_id") or "local")
    prefix = f"OR-{today.year:04d}-{device}-"
    last = s.scalar(select(m.Referral.reference).where(m.Referral.reference.like(prefix + "%"))
                    .order_by(m.Referral.reference.desc()).limit(1))
    parsed = rules.parse_reference(last) if last else None
    seq = parsed[2] + 1 if parsed else 1
    return rules.make_reference(today.year, device, seq)


def consent_check(ctx: Context, beneficiary_id: str, agency_id: str) -> ConsentCheck:
    """Whether a referral of this person to this agency is possible now, and if not, the French
    explanation and what to prefill when recording the consent."""
    with ctx.vault.session() as s:
        load_file(s, beneficiary_id)
        a = _agency(s, agency_id)
        try:
            c = rules.find_consent(_consents(s, beneficiary_id), a.id, a.name, ctx.today())
        except rules.ConsentRequired as exc:
            return ConsentCheck(ok=False, message=exc.message, partner_kind=exc.partner_kind.value,
                                partner_id=exc.partner_id, partner_name=exc.partner_name)
        return ConsentCheck(ok=True, consent_id=c.id, scope=tuple(c.scope), given_on=c.given_on)


def _pathway_follow(s: Session, ctx: Context, beneficiary_id: str, status: RS, on: date) -> str | None:
    """The pathway follows the referral (``rules.pathway_follow``); a refusal becomes a French note."""
    pathway, _ = pathway_service.load(s, beneficiary_id)
    actions = rules.pathway_follow(pathway, status, on)
    if not actions:
        return None
    return pathway_service.try_apply_in(s, ctx, beneficiary_id, actions, source="orientation")


def create_in(s: Session, ctx: Context, beneficiary_id: str, agency_id: str, scheme: str, *,
              trades: list[str] | None = None, barriers_summary: str = "", send: bool = False,
              on: date | None = None) -> ReferralCreated:
    today = ctx.today()
    on = on or today
    try:
        scheme = ReferralScheme.parse(scheme).value
    except ValueError:
        raise ValidationError("scheme", "dispositif inconnu (mission, CIPI, CDPI, Tremplin RSA, SPOTT, autre).",
                              "Dispositif") from None
    summary = validation.check_free_text("barriers_summary", "Synthèse des freins", barriers_summary, max_length=1000)
    if on > today:
        raise ValidationError("status_date", "cette date est dans le futur.", "Date")
    b = load_file(s, beneficiary_id)
    a = _agency(s, agency_id)
    known = set(s.scalars(select(m.Trade.code)))
    trades = list(dict.fromkeys(trades or []))
    if any(t not in known for t in trades):
        raise ValidationError("trades", "métier inconnu.", "Métiers visés")
    consent = rules.find_consent(_consents(s, b.id), a.id, a.name, today)
    r = m.Referral(id=m.new_id(), reference=_next_reference(s, today), beneficiary_id=b.id, agency_id=a.id,
                   scheme=scheme, trades=trades, barriers_summary=summary,
                   status=(RS.SENT if send else RS.DRAFT).value, status_date=on, consent_id=consent.id,
                   created_by=ctx.actor_id)
    s.add(r)
    s.flush()
    audit(s, ctx.actor_id, "referral_created", "referral", r.id, b.id,
          {"status": r.status, "scheme": scheme, "agency": a.id, "consent": consent.id})
    note = _pathway_follow(s, ctx, b.id, RS(r.status), on) if send else None
    return ReferralCreated(r.id, r.reference, r.status, note)


def create(ctx: Context, beneficiary_id: str, agency_id: str, scheme: str, *, trades: list[str] | None = None,
           barriers_summary: str = "", send: bool = False, on: date | None = None) -> ReferralCreated:
    """Create a referral (brouillon, or envoyée with ``send``). Raises ``ConsentRequired`` (French
    message saying how to fix it, partner to prefill) without a valid consent for this agency."""
    with ctx.vault.session() as s:
        return create_in(s, ctx, beneficiary_id, agency_id, scheme, trades=trades, barriers_summary=barriers_summary,
                         send=send, on=on)


def _load(s: Session, key: str) -> m.Referral:
    r = s.get(m.Referral, key)
    if r is None:
        r = s.scalar(select(m.Referral).where(m.Referral.reference == rules.normalise_reference(key)))
    if r is None or r.deleted_at is not None:
        raise NotFound("Aucune orientation ne porte cette référence.")
    return r


def set_status(ctx: Context, referral: str, status: str, *, on: date | None = None,
               refusal_reason: str | None = None, result: str | None = None) -> StatusChanged:
    """Move a referral (by id or reference) to ``status`` on ``on`` (default today). Sending
    checks again that the consent is still valid."""
    try:
        new = RS.parse(status)
    except ValueError:
        raise ValidationError("status", "statut inconnu.", "Statut") from None
    today = ctx.today()
    on = on or today
    with ctx.vault.session() as s:
        r = _load(s, referral)
        clean = rules.check_transition(RS(r.status), new, on=on, last_date=r.status_date, today=today,
                                       refusal_reason=refusal_reason, result=result)
        if new is RS.SENT:
            a = _agency(s, r.agency_id)
            consent = rules.find_consent(_consents(s, r.beneficiary_id), a.id, a.name, today)
            r.consent_id = consent.id
        for k, val in clean.items():
            setattr(r, k, val)
        s.flush()
        audit(s, ctx.actor_id, "referral_status", "referral", r.id, r.beneficiary_id,
              {"status": new.value, "refusal_reason": clean.get("refusal_reason")})
        note = _pathway_follow(s, ctx, r.beneficiary_id, new, on)
        return StatusChanged(r.id, r.reference, r.status, r.version, note)


def send(ctx: Context, referral: str, on: date | None = None) -> StatusChanged:
    return set_status(ctx, referral, RS.SENT.value, on=on)


def _consent_state(s: Session, r: m.Referral, today: date, cache: dict[str, Any]) -> str:
    if r.consent_id is None:
        return "missing"
    c = cache.get(r.consent_id)
    if c is None:
        c = cache[r.consent_id] = s.get(m.Consent, r.consent_id)
    if c is None:
        return "missing"
    view = rules.ConsentView(c.id, c.partner_kind, c.partner_id, c.partner_name, tuple(c.scope or ()), c.given_on,
                             c.withdrawn_on)
    return rules.consent_state(view, today)


def _row_fields(
    s: Session, r: m.Referral, b: m.Beneficiary, agency: m.Agency, today: date, cache: dict[str, Any]
) -> dict[str, Any]:
    status = RS(r.status)
    state = _consent_state(s, r, today, cache)
    return {
        "id": r.id, "reference": r.reference, "beneficiary_id": r.beneficiary_id,
        "name": f"{b.last_name.upper()} {b.first_name}", "agency_id": r.agency_id, "agency": agency.name,
        "scheme": r.scheme, "scheme_label": ReferralScheme(r.scheme).label, "trades": tuple(r.trades or ()),
        "status": r.status, "status_label": status.label, "status_date": r.status_date,
        "refusal_reason": r.refusal_reason,
        "refusal_reason_label": RefusalReason(r.refusal_reason).label if r.refusal_reason else "",
        "result": r.result, "days_since": (today - r.status_date).days,
        "no_news": rules.is_stale(status, r.status_date, today), "consent_state": state,
        "consent_label": rules.CONSENT_STATE_LABELS[state], "version": r.version,
    }


def _row(
    s: Session, r: m.Referral, b: m.Beneficiary, agency: m.Agency, today: date, cache: dict[str, Any]
) -> ReferralRow:
    return ReferralRow(**_row_fields(s, r, b, agency, today, cache))


def _list_statement(columns: tuple[Any, ...], today: date, *, status: str | None = None,
                    beneficiary_id: str | None = None, agency_id: str | None = None, scheme: str | None = None,
                    territory: str | None = None, no_news_only: bool = False,
                    include_final: bool = True) -> Select[*tuple[Any, ...]]:
    r, b, a = m.Referral, m.Beneficiary, m.Agency
    q = (select(*columns).join(b, b.id == r.beneficiary_id).join(a, a.id == r.agency_id)
         .where(r.deleted_at.is_(None), b.deleted_at.is_(None)))
    if status:
        q = q.where(r.status == RS.parse(status).value)
    if beneficiary_id:
        q = q.where(r.beneficiary_id == beneficiary_id)
    if agency_id:
        q = q.where(r.agency_id == agency_id)
    if scheme:
        q = q.where(r.scheme == ReferralScheme.parse(scheme).value)
    if territory:
        q = q.where(a.territory == territory)
    if not include_final:
        q = q.where(r.status.not_in([x.value for x in RS if x.is_final]))
    if no_news_only:
        q = q.where(r.status.in_([x.value for x in rules.AWAITING_AGENCY]),
                    r.status_date <= today - timedelta(days=rules.NO_NEWS_DAYS))
    return q.order_by(r.status_date.desc(), r.reference.desc())


def list_referrals(
    ctx: Context,
    *,
    status: str | None = None,
    beneficiary_id: str | None = None,
    agency_id: str | None = None,
    scheme: str | None = None,
    territory: str | None = None,
    no_news_only: bool = False,
    include_final: bool = True,
    limit: int | None = None,
) -> list[ReferralRow]:
    """All referrals (Orientations page), newest status first; ``no_news_only`` gives those
    awaiting news for 30 days or more."""
    today = ctx.today()
    q = _list_statement((m.Referral, m.Beneficiary, m.Agency), today, status=status, beneficiary_id=beneficiary_id,
                        agency_id=agency_id, scheme=scheme, territory=territory, no_news_only=no_news_only,
                        include_final=include_final)
    if limit:
        q = q.limit(limit)
    cache: dict[str, Any] = {}
    with ctx.vault.session() as s:
        return [_row(s, x, y, z, today, cache) for x, y, z in s.execute(q)]


def referral_ids(ctx: Context, **filters: Any) -> list[str]:
    """The ids of :func:`list_referrals` in the same order, without their rows (lazy lists:
    50,000 ids come back in a fraction of a second; rows are fetched by pages with :func:`rows`)."""
    with ctx.vault.session() as s:
        return list(s.scalars(_list_statement((m.Referral.id,), ctx.today(), **filters)))


def rows(ctx: Context, ids: list[str]) -> dict[str, ReferralRow]:
    """The list rows of the given referrals, keyed by id (order is the caller's)."""
    if not ids:
        return {}
    today = ctx.today()
    r, b, a = m.Referral, m.Beneficiary, m.Agency
    q = (select(r, b, a).join(b, b.id == r.beneficiary_id).join(a, a.id == r.agency_id).where(r.id.in_(ids)))
    cache: dict[str, Any] = {}
    with ctx.vault.session() as s:
        return {x.id: _row(s, x, y, z, today, cache) for x, y, z in s.execute(q)}


def get(ctx: Context, referral: str) -> ReferralDetail:
    """One referral by id or reference."""
    today = ctx.today()
    with ctx.vault.session() as s:
        r = _load(s, referral)
        b, a = s.get(m.Beneficiary, r.beneficiary_id), s.get(m.Agency, r.agency_id)
        assert b is not None and a is not None  # foreign keys of the referral
        return ReferralDetail(**_row_fields(s, r, b, a, today, {}), barriers_summary=r.barriers_summary,
                              consent_id=r.consent_id)


def agencies(ctx: Context, *, territory: str | None = None, trade: str | None = None) -> list[AgencyRow]:
    """The agency directory filtered by territory and trade (referral dialog)."""
    with ctx.vault.session() as s:
        names = dict(s.execute(select(m.Territory.code, m.Territory.name)).all())
        rows = [a for a in s.scalars(select(m.Agency).where(m.Agency.deleted_at.is_(None)).order_by(m.Agency.name))
                if (not territory or a.territory == territory) and (not trade or trade in (a.trades or []))]
        return [AgencyRow(id=a.id, name=a.name, network=a.network, address=a.address, territory=a.territory,
                          territory_name=names.get(a.territory or "", ""), contact=a.contact,
                          trades=tuple(a.trades or ()), illustrative=a.illustrative) for a in rows]


# --- the referral form's document (printed whole: its keys are the contract with the report) ----


class FormStep(TypedDict):
    stage_label: str
    status_label: str
    date: date | None


class FormBarrier(TypedDict):
    type_label: str
    status_label: str


class FormPerson(TypedDict, total=False):
    """The person, limited to what the consent's scope covers (a key absent: not shared)."""

    last_name: str
    first_name: str
    birth_date: date | None
    phone: str
    email: str
    address: str
    postal_code: str
    commune_name: str
    public_label: str
    steps: list[FormStep]
    barriers: list[FormBarrier]
    barriers_summary: str | None


class FormTrade(TypedDict):
    code: str
    name: str
    rome: str


class FormConsent(TypedDict):
    given_on: date
    recorded_by: str
    partner_name: str


class FormAgency(TypedDict):
    name: str
    network: str | None
    address: str | None
    commune_name: str
    postal_code: str
    contact: str | None
    illustrative: bool


class FormConseiller(TypedDict):
    name: str
    office: str
    email: str
    phone: str
    territory: str


class ReferralForm(TypedDict):
    """What :func:`form_data` gives the referral form (``reports.referral_form``)."""

    reference: str
    status: str
    status_label: str
    status_date: date
    issued_on: date
    scheme: str
    scheme_label: str
    trades: list[FormTrade]
    person: FormPerson
    scope: list[str]
    scope_labels: list[str]
    consent: FormConsent
    agency: FormAgency
    conseiller: FormConseiller



def form_data(ctx: Context, referral: str) -> ReferralForm:
    """Everything the referral form (fiche de liaison) prints, the person's data limited to what
    the consent's scope covers. Refused (``ConsentRequired``) when the consent is missing or was
    withdrawn. The print is recorded in the audit journal."""
    today = ctx.today()
    with ctx.vault.session() as s:
        r = _load(s, referral)
        b = load_file(s, r.beneficiary_id)
        a = _agency(s, r.agency_id)
        consent_view = rules.find_consent(_consents(s, b.id), a.id, a.name, today)
        consent = s.get(m.Consent, consent_view.id)
        assert consent is not None  # found among the file's consents just above
        commune = s.get(m.Commune, b.commune_insee)
        recorder = s.get(m.Conseiller, consent.recorded_by)
        referent = s.get(m.Conseiller, b.referent_id) or s.get(m.Conseiller, r.created_by)
        referent_territory = s.get(m.Territory, referent.territory) if referent else None
        agency_commune = s.get(m.Commune, a.commune_insee) if a.commune_insee else None
        trades = {t.code: (t.name, t.rome) for t in s.scalars(select(m.Trade))}
        pathway, _ = pathway_service.load(s, b.id)
        barriers: list[FormBarrier] = [
            {"type_label": BarrierType(x.type).label, "status_label": BarrierStatus(x.status).label}
            for x in s.scalars(select(m.Barrier).where(m.Barrier.beneficiary_id == b.id, m.Barrier.deleted_at.is_(None))
                               .order_by(m.Barrier.identified_on))
            if x.type != BarrierType.HEALTH.value  # health: never printed for a partner
        ]
        person: FormPerson = {
            "last_name": b.last_name, "first_name": b.first_name, "birth_date": b.birth_date,
            "phone": format_phone(b.phone), "email": b.email or "", "address": b.address or "",
            "postal_code": (commune.postal_codes.split() or [""])[0] if commune else "",
            "commune_name": commune.name if commune else "",
            "public_label": Public(b.public).label,
            "steps": [{"stage_label": st.stage.label, "status_label": st.status.label,
                       "date": st.actual_end or st.actual_start or st.planned_start or st.proposed_on}
                      for st in pathway.steps if st.stage not in (Stage.SPOTTING, Stage.EXIT, Stage.FOLLOW_UP)
                      and st.status in (StepStatus.DONE, StepStatus.IN_PROGRESS, StepStatus.PLANNED)],
            "barriers": barriers, "barriers_summary": r.barriers_summary,
        }
        scope = [ConsentScope(x).value for x in consent.scope]
        data: ReferralForm = {
            "reference": r.reference, "status": r.status, "status_label": RS(r.status).label,
            "status_date": r.status_date, "issued_on": today,
            "scheme": r.scheme, "scheme_label": ReferralScheme(r.scheme).label,
            "trades": [{"code": t, "name": trades.get(t, (t, ""))[0], "rome": trades.get(t, ("", ""))[1]}
                       for t in r.trades or []],
            "person": cast(FormPerson, rules.limit_to_scope(person, scope)),
            "scope": scope, "scope_labels": [ConsentScope(x).label for x in scope],
            "consent": {"given_on": consent.given_on, "recorded_by": recorder.name if recorder else "",
                        "partner_name": consent.partner_name},
            "agency": {"name": a.name, "network": a.network, "address": a.address,
                       "commune_name": agency_commune.name if agency_commune else "",
                       "postal_code": (agency_commune.postal_codes.split() or [""])[0] if agency_commune else "",
                       "contact": a.contact, "illustrative": a.illustrative},
            "conseiller": {"name": referent.name if referent else "", "office": referent.office if referent else "",
                           "email": (referent.email or "") if referent else "",
                           "phone": format_phone(referent.phone) if referent else "",
                           "territory": referent_territory.name if referent_territory else ""},
        }
        audit(s, ctx.actor_id, "print_referral", "referral", r.id, b.id, {"scope": scope})
        return data
