"""The right of access (RGPD article 15, droit d'accès): everything the vault holds about one
person, gathered in one read (itself audited as ``access_report``), with French labels, for the
printed statement (``reports.access_report``) and ``conseiller access-report --json``.

Health stays a flag: the RQTH yes/no and a « Santé » barrier with its status and dates; no free
text is printed for a health barrier (its actions' comments are left out).

The statement is typed with TypedDicts, not dataclasses: it is a nested document whose point is
to be shown whole — rendered to PDF by ``reports.access_report`` and printed as is by
``conseiller access-report --json`` (a public interface) — so its keys are its contract, and mypy
checks every key the report reads.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from conseiller_app.domain.beneficiary import LABELS as FIELD_LABELS
from conseiller_app.domain.enums import (
    Attendance,
    BarrierType,
    ConsentScope,
    FileStatus,
    Funder,
    Labelled,
    MobilitySubtype,
    Nationality,
    OutcomeCategory,
    PartnerKind,
    ReferralScheme,
    ReferralStatus,
    RefusalReason,
    RegistrationStatus,
    SessionKind,
    StepReason,
)
from conseiller_app.storage import models
from conseiller_app.storage.journal import audit
from conseiller_app.storage.profile import get_setting
from conseiller_app.storage.services import beneficiaries, drafts, followup
from conseiller_app.storage.services.context import Context

CONTROLLER = "Département du Pas-de-Calais"
CONTROLLER_SERVICE = ("Pôle Solidarités — Direction des Politiques d'Inclusion Durable — Mission Insertion par "
                      "l'Emploi et partenariats stratégiques")
PURPOSE = ("Accompagnement vers l'emploi des allocataires du RSA et des publics prioritaires (parcours BTP, "
           "grands chantiers), dans le cadre de la convention de partenariat entre le Département, le FPETT, AKTO et "
           "le FASTT (délibération de la Commission Permanente n° 2024-330 du 8 juillet 2024).")
DEFAULT_RETENTION_MONTHS = 24


class IdentityLine(TypedDict):
    field: str
    label: str
    value: str | date | None


class StatementBarrierAction(TypedDict):
    done_on: date
    offer: str
    comment: str


class StatementBarrier(TypedDict):
    type: str
    type_label: str
    subtype_label: str
    status: str
    status_label: str
    identified_on: date
    lifted_on: date | None
    health_flag_only: bool
    actions: list[StatementBarrierAction]


class StatementConsent(TypedDict):
    partner_name: str
    partner_kind_label: str
    scope: list[str]
    scope_labels: list[str]
    given_on: date
    withdrawn_on: date | None
    recorded_by: str


class StatementStep(TypedDict):
    stage: str
    stage_label: str
    status: str
    status_label: str
    reason_label: str
    comment: str
    proposed_on: date | None
    planned_start: date | None
    planned_end: date | None
    actual_start: date | None
    actual_end: date | None
    outcome_label: str
    scheme_label: str
    funder_label: str
    funded_amount_cents: int | None


class StatementRegistration(TypedDict):
    session_title: str
    kind_label: str
    start_date: date
    end_date: date
    place: str
    territory_name: str
    status_label: str
    registered_on: date
    attendance_label: str
    walk_in: bool


class StatementReferral(TypedDict):
    reference: str
    agency: str
    scheme_label: str
    trades: list[str]
    status_label: str
    status_date: date
    created_on: date
    created_by: str
    refusal_reason_label: str
    result: str | None
    barriers_summary: str | None


class StatementDraft(TypedDict):
    kind: str
    saved_at: str
    items: list[str]


class StatementNote(TypedDict):
    id: str
    written_on: date
    author: str
    text: str


class StatementAuditEntry(TypedDict):
    at: datetime
    who: str
    action: str
    action_label: str
    detail: str


class Controller(TypedDict):
    name: str
    service: str
    purpose: str
    conseiller: str
    office: str
    territory: str
    email: str


class RetentionInfo(TypedDict):
    months: int
    last_contact: date
    kept_at_least_until: date
    rule: str


class AccessStatement(TypedDict):
    """The statement of one person's data (RGPD article 15), every section in order."""

    reference: str
    beneficiary_id: str
    generated_on: date
    generated_by: str
    controller: Controller
    retention: RetentionInfo
    identity: list[IdentityLine]
    barriers: list[StatementBarrier]
    consents: list[StatementConsent]
    steps: list[StatementStep]
    registrations: list[StatementRegistration]
    referrals: list[StatementReferral]
    indicator_facts: list[str]
    notes: str
    dated_notes: list[StatementNote]
    drafts: list[StatementDraft]
    audit: list[StatementAuditEntry]


def _label(enum_cls: type[Labelled], value: str | None) -> str:
    if not value:
        return ""
    try:
        return enum_cls(value).label
    except ValueError:
        return value


def _yes_no(flag: bool) -> str:
    return "oui" if flag else "non"


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reference_of(beneficiary_id: str) -> str:
    """A neutral reference for the statement and its file name (never the person's name)."""
    return f"DA-{beneficiary_id.replace('-', '')[:12].upper()}"


def _identity(f: beneficiaries.FileView) -> list[IdentityLine]:
    """Label / value pairs of the file's own fields (shown even when empty: the person sees what is kept)."""
    pairs: list[tuple[str, str | date | None]] = [
        ("last_name", f.last_name),
        ("first_name", f.first_name),
        ("birth_date", f.birth_date),
        ("public", f.public_label),
        ("nationality", _label(Nationality, f.nationality)),
        ("rqth", _yes_no(bool(f.rqth))),
        ("phone", f.phone_display or ""),
        ("email", f.email or ""),
        ("address", f.address or ""),
        ("commune", " ".join(x for x in (f.postal_code, f.commune_name) if x)),
        ("caf_number", f.caf_number or ""),
        ("france_travail_id", f.france_travail_id or ""),
        ("prescriber", f.prescriber_label),
        ("spotting_date", f.spotting_date),
        ("last_contact", f.last_contact),
    ]
    out: list[IdentityLine] = [{"field": k, "label": FIELD_LABELS[k], "value": v} for k, v in pairs]
    out += [
        {"field": "status", "label": "État du dossier", "value": _label(FileStatus, f.status)},
        {"field": "current_stage", "label": "Étape actuelle", "value": f.stage_label},
        {"field": "created_at", "label": "Dossier créé le", "value": f.created_at.date()},
        {"field": "updated_at", "label": "Dernière modification", "value": f.updated_at.date()},
    ]
    return out


def _barriers(f: beneficiaries.FileView, offers: dict[str, str]) -> list[StatementBarrier]:
    out: list[StatementBarrier] = []
    for b in f.barriers:
        health = b.type == BarrierType.HEALTH.value
        out.append({
            "type": b.type, "type_label": b.type_label,
            "subtype_label": _label(MobilitySubtype, b.subtype),
            "status": b.status, "status_label": b.status_label,
            "identified_on": b.identified_on, "lifted_on": b.lifted_on,
            "health_flag_only": health,
            "actions": [{"done_on": a.done_on, "offer": offers.get(a.offer_code or "", a.offer_code or ""),
                         "comment": "" if health else a.comment} for a in b.actions],
        })
    return out


def _consents(f: beneficiaries.FileView) -> list[StatementConsent]:
    return [{
        "partner_name": c.partner_name, "partner_kind_label": _label(PartnerKind, c.partner_kind),
        "scope": list(c.scope), "scope_labels": [_label(ConsentScope, x) for x in c.scope],
        "given_on": c.given_on, "withdrawn_on": c.withdrawn_on, "recorded_by": c.recorded_by,
    } for c in f.consents]


def _steps(f: beneficiaries.FileView, schemes: dict[str, str]) -> list[StatementStep]:
    return [{
        "stage": p.stage, "stage_label": p.stage_label, "status": p.status, "status_label": p.status_label,
        "reason_label": _label(StepReason, p.reason), "comment": p.comment,
        "proposed_on": p.proposed_on, "planned_start": p.planned_start, "planned_end": p.planned_end,
        "actual_start": p.actual_start, "actual_end": p.actual_end,
        "outcome_label": _label(OutcomeCategory, p.outcome),
        "scheme_label": schemes.get(p.scheme or "", p.scheme or ""),
        "funder_label": _label(Funder, p.funder),
        "funded_amount_cents": p.funded_amount_cents,
    } for p in f.steps]


def _registrations(s: Session, beneficiary_id: str, territories: dict[str, str]) -> list[StatementRegistration]:
    rows = s.execute(select(models.Registration, models.AtelierSession)
                     .join(models.AtelierSession, models.AtelierSession.id == models.Registration.session_id)
                     .where(models.Registration.beneficiary_id == beneficiary_id, models.Registration.deleted_at.is_(None))
                     .order_by(models.AtelierSession.start_date, models.AtelierSession.id)).all()
    return [{
        "session_title": x.title, "kind_label": _label(SessionKind, x.kind), "start_date": x.start_date,
        "end_date": x.end_date, "place": x.place, "territory_name": territories.get(x.territory, x.territory),
        "status_label": _label(RegistrationStatus, r.status), "registered_on": r.registered_at.date(),
        "attendance_label": _label(Attendance, r.attendance), "walk_in": r.walk_in,
    } for r, x in rows]


def _referrals(s: Session, beneficiary_id: str, trades: dict[str, str],
               names: dict[str, str]) -> list[StatementReferral]:
    rows = s.execute(select(models.Referral, models.Agency.name)
                     .join(models.Agency, models.Agency.id == models.Referral.agency_id)
                     .where(models.Referral.beneficiary_id == beneficiary_id, models.Referral.deleted_at.is_(None))
                     .order_by(models.Referral.created_at, models.Referral.id)).all()
    return [{
        "reference": r.reference, "agency": agency, "scheme_label": _label(ReferralScheme, r.scheme),
        "trades": [trades.get(t, t) for t in r.trades or []],
        "status_label": _label(ReferralStatus, r.status), "status_date": r.status_date,
        "created_on": r.created_at.date(), "created_by": names.get(r.created_by, ""),
        "refusal_reason_label": _label(RefusalReason, r.refusal_reason), "result": r.result,
        "barriers_summary": r.barriers_summary,
    } for r, agency in rows]


def _drafts(ctx: Context, beneficiary_id: str) -> list[StatementDraft]:
    """Unsaved edits of this file kept in the vault: the form's (``beneficiary:<id>``) and the
    guided orientation's (``orientation:<id>``), found by their key's suffix."""
    from conseiller_app.storage.services import orientation

    out: list[StatementDraft] = []
    for key in drafts.keys(ctx):
        if not key.endswith(f":{beneficiary_id}"):
            continue
        data = drafts.load(ctx, key) or {}
        if key.startswith(orientation.DRAFT_PREFIX):
            try:
                items = orientation.open_wizard(ctx, beneficiary_id, data).pending()
            except Exception:  # noqa: BLE001 - a stale draft: still say it exists
                n = len(data.get("operations", []))
                items = [f"{n} opération{'s' if n > 1 else ''} en attente"]
            out.append({"kind": "Orientation guidée non enregistrée", "saved_at": "", "items": items})
        else:
            form = data.get("form") or {}
            items = [f"{FIELD_LABELS.get(k, k)} : {('oui' if v else 'non') if isinstance(v, bool) else v}"
                     for k, v in form.items() if v not in (None, "")]
            out.append({"kind": "Saisie du dossier non enregistrée", "saved_at": data.get("saved_at", ""),
                        "items": items})
    return out


def indicator_fact_lines(ctx: Context, beneficiary_id: str) -> list[str]:
    """The facts recorded for the convention's indicators, one French line each."""
    from conseiller_app.domain.enums import FundingLine, PciHolder, PciRecommendation, PreventionStatus
    from conseiller_app.domain.facts import format_euros
    from conseiller_app.storage.services import facts

    got = facts.file_facts(ctx, beneficiary_id)
    follow = {True: "mise en œuvre", False: "non mise en œuvre", None: "suivi non renseigné"}
    out = []
    for p in got.pci:
        recs = ", ".join(f"{_label(PciRecommendation, r['code'])} ({follow[r.get('followed')]})"
                         for r in p.recommendations) or "aucune préconisation"
        out.append(f"Point Conseils Intérimaire le {p.held_on:%d/%m/%Y} ({_label(PciHolder, p.held_by)}) : {recs}")
    if got.prevention:
        prev = got.prevention
        end = f", fin le {prev.completed_on:%d/%m/%Y}" if prev.completed_on else ""
        out.append(f"Parcours prévention : {_label(PreventionStatus, prev.status)}, début le {prev.started_on:%d/%m/%Y}{end}")
    for x in got.funding:
        out.append(f"Financement {_label(Funder, x.funder)} — {_label(FundingLine, x.line)} : "
                   f"{format_euros(x.amount_cents)} le {x.granted_on:%d/%m/%Y}")
    if got.sas_interest:
        i = got.sas_interest
        out.append(f"Intérêt pour le SAS préparatoire : {'oui' if i.interested else 'non'} "
                   f"(le {i.recorded_on:%d/%m/%Y})")
    return out


def gather(ctx: Context, beneficiary_id: str) -> AccessStatement:
    """Everything held about one person (raises ``NotFound`` for an unknown file). The read is
    recorded in the audit journal (``access_report``) before the journal is read, so the
    statement lists its own production."""
    f = beneficiaries.get(ctx, beneficiary_id, record_read=False)
    with ctx.vault.session() as s:
        names = {c.id: c.name for c in s.scalars(select(models.Conseiller))}
        territories = dict(s.execute(select(models.Territory.code, models.Territory.name)).all())
        offers = dict(s.execute(select(models.Offer.code, models.Offer.name)).all())
        schemes = dict(s.execute(select(models.Scheme.code, models.Scheme.name)).all())
        trades = dict(s.execute(select(models.Trade.code, models.Trade.name)).all())
        registrations = _registrations(s, beneficiary_id, territories)
        referrals = _referrals(s, beneficiary_id, trades, names)
        try:
            months = int(get_setting(s, "retention_months") or DEFAULT_RETENTION_MONTHS)
        except ValueError:
            months = DEFAULT_RETENTION_MONTHS
        referent = s.get(models.Conseiller, f.referent_id)
        audit(s, ctx.actor_id, "access_report", "beneficiary", beneficiary_id, beneficiary_id)
    draft_list = _drafts(ctx, beneficiary_id)
    indicator_facts = indicator_fact_lines(ctx, beneficiary_id)
    journal: list[StatementAuditEntry] = [
        {
            "at": e.at.replace(tzinfo=UTC),
            "who": e.who,
            "action": e.action,
            "action_label": e.action_label,
            "detail": followup.describe_audit(e, offers),
        }
        for e in followup.audit_trail(ctx, beneficiary_id)
    ]
    journal.reverse()  # oldest first: the statement reads as a history
    last_seen = f.last_contact or f.spotting_date
    actor = ctx.actor
    return {
        "reference": reference_of(beneficiary_id),
        "beneficiary_id": beneficiary_id,
        "generated_on": ctx.today(),
        "generated_by": actor["name"],
        "controller": {
            "name": CONTROLLER, "service": CONTROLLER_SERVICE, "purpose": PURPOSE,
            "conseiller": referent.name if referent else actor["name"],
            "office": (referent.office if referent else actor["office"]) or "",
            "territory": territories.get(referent.territory if referent else actor["territory"], ""),
            "email": (referent.email or "") if referent else "",
        },
        "retention": {
            # A lower bound: the purge also counts later pathway, session and referral dates.
            "months": months, "last_contact": last_seen, "kept_at_least_until": add_months(last_seen, months),
            "rule": (f"Le dossier est supprimé (ou rendu anonyme pour les statistiques) {months} mois après le dernier "
                     "contact avec la personne ; le journal des consultations est conservé de 6 à 12 mois."),
        },
        "identity": _identity(f),
        "barriers": _barriers(f, offers),
        "consents": _consents(f),
        "steps": _steps(f, schemes),
        "registrations": registrations,
        "referrals": referrals,
        "indicator_facts": indicator_facts,
        "notes": f.notes or "",
        "dated_notes": [{"id": n.id, "written_on": n.written_on, "author": n.author, "text": n.text}
                        for n in followup.notes(ctx, beneficiary_id)],
        "drafts": draft_list,
        "audit": journal,
    }


__all__ = ["CONTROLLER", "AccessStatement", "add_months", "gather", "reference_of"]
