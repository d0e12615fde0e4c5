"""Barriers (freins) and consents of a file, and the file's audit trail.

In-transaction API for the other services: ``add_barrier_in``, ``add_barrier_action_in``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from conseiller_app.domain import validation
from conseiller_app.domain.beneficiary import LABELS as FIELD_LABELS
from conseiller_app.domain.enums import (
    Attendance,
    BarrierStatus,
    BarrierType,
    ConsentScope,
    Labelled,
    MobilitySubtype,
    OutcomeCategory,
    PartnerKind,
    ReferralScheme,
    ReferralStatus,
    RefusalReason,
    RegistrationStatus,
    Stage,
    StepReason,
    StepStatus,
)
from conseiller_app.domain.errors import NotFound, ValidationError
from conseiller_app.domain.text import fold
from conseiller_app.storage import models
from conseiller_app.storage.journal import audit
from conseiller_app.storage.services.beneficiaries import load_in
from conseiller_app.storage.services.context import Context

AUDIT_LABELS = {
    "create": "Création du dossier",
    "update": "Modification",
    "archive": "Archivage",
    "read": "Consultation",
    "contact": "Contact noté",
    "barrier_added": "Frein ajouté",
    "barrier_updated": "Frein mis à jour",
    "barrier_action": "Action sur un frein",
    "consent_recorded": "Consentement enregistré",
    "consent_withdrawn": "Consentement retiré",
    "pathway_propose": "Étape proposée",
    "pathway_plan": "Étape planifiée",
    "pathway_unplan": "Planification annulée",
    "pathway_start": "Étape commencée",
    "pathway_complete": "Étape réalisée",
    "pathway_not_done": "Étape non réalisée",
    "pathway_abandon": "Étape abandonnée",
    "pathway_skip": "Étape passée",
    "pathway_suspend": "Parcours suspendu",
    "pathway_resume": "Parcours repris",
    "pathway_reorient": "Réorientation",
    "pathway_close": "Sortie du parcours",
    "pathway_set_details": "Détails d'une étape modifiés",
    "session_registered": "Inscription à une session",
    "session_promoted": "Sortie de la liste d'attente",
    "session_withdrawn": "Désinscription d'une session",
    "attendance": "Présence notée",
    "referral_created": "Orientation créée",
    "referral_status": "Statut d'orientation",
    "print_referral": "Fiche de liaison imprimée",
    "access_report": "Relevé droit d'accès",
    "note_added": "Note ajoutée",
    "funding_added": "Financement ajouté",
    "funding_removed": "Financement retiré",
    "pci_added": "Point Conseils Intérimaire noté",
    "pci_follow_up": "Suivi des préconisations du PCI",
    "prevention_added": "Parcours prévention noté",
    "prevention_updated": "Parcours prévention mis à jour",
    "sas_interest": "Intérêt pour le SAS noté",
    "registration_positioned": "Positionnement par une agence noté",
}


@dataclass(frozen=True)
class Note:
    """One dated note of a file, signed by its author's name."""

    id: str
    written_on: date
    author: str
    text: str


@dataclass(frozen=True)
class AuditRow:
    """One entry of a file's audit journal: when (naive UTC, as stored), who, what (code and
    French label), on which entity, and the details (field names and codes only, never values)."""

    at: datetime
    who: str
    action: str
    action_label: str
    entity: str
    details: dict[str, Any]


def _enum(field: str, label: str, enum_cls: type[Labelled], value: Any) -> str:
    try:
        return enum_cls.parse(value).value
    except ValueError:
        raise ValidationError(field, "valeur inconnue.", label) from None


def add_barrier_in(s: Session, ctx: Context, beneficiary_id: str, type_: str, subtype: str | None = None,
                   identified_on: date | None = None) -> str:
    """Note a barrier in the caller's transaction (also used by the guided orientation's commit)."""
    type_ = _enum("type", "Type de frein", BarrierType, type_)
    if subtype:
        if type_ != BarrierType.MOBILITY.value:
            raise ValidationError("subtype", "seul le frein mobilité a des sous-types.", "Précision")
        subtype = _enum("subtype", "Précision", MobilitySubtype, subtype)
    today = ctx.today()
    identified_on = validation.check_event_date("identified_on", "Date d'identification", identified_on or today, today)
    load_in(s, beneficiary_id)
    open_same = s.scalar(select(models.Barrier.id).where(
        models.Barrier.beneficiary_id == beneficiary_id, models.Barrier.type == type_,
        models.Barrier.status.in_([x.value for x in BarrierStatus if x.is_open]), models.Barrier.deleted_at.is_(None)))
    if open_same:
        raise ValidationError("type", "ce frein est déjà ouvert sur ce dossier.", "Type de frein")
    barrier = models.Barrier(beneficiary_id=beneficiary_id, type=type_, subtype=subtype,
                             status=BarrierStatus.IDENTIFIED.value, identified_on=identified_on)
    s.add(barrier)
    s.flush()
    audit(s, ctx.actor_id, "barrier_added", "barrier", barrier.id, beneficiary_id, {"type": type_})
    return barrier.id


def add_barrier(ctx: Context, beneficiary_id: str, type_: str, subtype: str | None = None,
                identified_on: date | None = None) -> str:
    with ctx.vault.session() as s:
        return add_barrier_in(s, ctx, beneficiary_id, type_, subtype, identified_on)


def set_barrier_status(ctx: Context, barrier_id: str, status: str, on: date | None = None) -> None:
    status = _enum("status", "Statut du frein", BarrierStatus, status)
    with ctx.vault.session() as s:
        barrier = s.get(models.Barrier, barrier_id)
        if barrier is None or barrier.deleted_at is not None:
            raise NotFound("Ce frein n'existe pas.")
        barrier.status = status
        barrier.lifted_on = (on or ctx.today()) if status == BarrierStatus.LIFTED.value else None
        audit(s, ctx.actor_id, "barrier_updated", "barrier", barrier.id, barrier.beneficiary_id, {"status": status})


def add_barrier_action_in(s: Session, ctx: Context, barrier: models.Barrier, offer_code: str | None,
                          comment: str = "", done_on: date | None = None) -> str:
    """An action on a barrier (an offer used), in the caller's transaction: the barrier moves from
    identified to in progress."""
    comment = validation.check_free_text("comment", "Commentaire", comment, max_length=500)
    if offer_code and s.get(models.Offer, offer_code) is None:
        raise ValidationError("offer_code", "offre inconnue.", "Offre")
    action = models.BarrierAction(barrier_id=barrier.id, offer_code=offer_code, comment=comment,
                                  done_on=done_on or ctx.today())
    s.add(action)
    if barrier.status == BarrierStatus.IDENTIFIED.value:
        barrier.status = BarrierStatus.IN_PROGRESS.value
    s.flush()
    audit(s, ctx.actor_id, "barrier_action", "barrier", barrier.id, barrier.beneficiary_id,
          {"offer": offer_code or ""})
    return action.id


def add_barrier_action(ctx: Context, barrier_id: str, offer_code: str | None, comment: str = "",
                       done_on: date | None = None) -> str:
    with ctx.vault.session() as s:
        barrier = s.get(models.Barrier, barrier_id)
        if barrier is None:
            raise NotFound("Ce frein n'existe pas.")
        return add_barrier_action_in(s, ctx, barrier, offer_code, comment, done_on)


def record_consent(ctx: Context, beneficiary_id: str, *, partner_kind: str, partner_name: str,
                   scope: list[str], given_on: date | None = None, partner_id: str | None = None) -> str:
    """An agency's consent always names the directory's agency (by id, or by its exact name,
    accents and case aside): a name typed by hand (« ETTI Lens ») would never satisfy the
    referral gate, which matches the directory's « ETTI Exemple Lens »."""
    kind = _enum("partner_kind", "Type de partenaire", PartnerKind, partner_kind)
    name = (partner_name or "").strip()
    if not name and not (kind == PartnerKind.AGENCY.value and partner_id):
        raise ValidationError("partner_name", "indiquez le partenaire.", "Partenaire")
    if not scope:
        raise ValidationError("scope", "cochez au moins une catégorie de données partagées.", "Périmètre")
    scope = [_enum("scope", "Périmètre", ConsentScope, x) for x in scope]
    today = ctx.today()
    given_on = validation.check_event_date("given_on", "Date du consentement", given_on or today, today)
    with ctx.vault.session() as s:
        load_in(s, beneficiary_id)
        if kind == PartnerKind.AGENCY.value:
            partner_id, name = _directory_agency(s, partner_id, name)
        consent = models.Consent(beneficiary_id=beneficiary_id, partner_kind=kind, partner_id=partner_id,
                            partner_name=name, scope=scope, given_on=given_on, recorded_by=ctx.actor_id)
        s.add(consent)
        s.flush()
        audit(s, ctx.actor_id, "consent_recorded", "consent", consent.id, beneficiary_id,
              {"partner_kind": kind, "scope": scope})
        return consent.id


def _directory_agency(s: Session, partner_id: str | None, name: str) -> tuple[str, str]:
    """(id, name) of the directory's agency chosen for a consent; a clear refusal otherwise."""
    agencies = s.scalars(select(models.Agency).where(models.Agency.deleted_at.is_(None))).all()
    if partner_id:
        agency = next((a for a in agencies if a.id == partner_id), None)
    else:
        agency = next((a for a in agencies if fold(a.name.strip()) == fold(name)), None)
    if agency is None:
        raise ValidationError(
            "partner_name", "choisissez l'agence dans l'annuaire : un nom saisi à la main ne serait pas reconnu "
            "lors d'une orientation. Pour un partenaire absent de l'annuaire, choisissez le type « Autre "
            "partenaire ».", "Partenaire")
    return agency.id, agency.name


def add_note(ctx: Context, beneficiary_id: str, text: str, written_on: date | None = None) -> str:
    """A dated note, signed by the conseiller (« notes » are one entry each, never rewritten)."""
    body = validation.check_free_text("text", "Note", text).strip()
    if not body:
        raise ValidationError("text", "écrivez la note avant de l'ajouter.", "Note")
    today = ctx.today()
    written_on = validation.check_event_date("written_on", "Date de la note", written_on or today, today)
    with ctx.vault.session() as s:
        b = load_in(s, beneficiary_id)
        note = models.Note(beneficiary_id=b.id, written_on=written_on, author_id=ctx.actor_id,
                           author_name=ctx.actor["name"], text=body)
        s.add(note)
        s.flush()
        audit(s, ctx.actor_id, "note_added", "note", note.id, b.id)
        return note.id


def notes(ctx: Context, beneficiary_id: str) -> list[Note]:
    """The file's dated notes, newest first."""
    with ctx.vault.session() as s:
        note = models.Note
        rows = s.scalars(select(note).where(note.beneficiary_id == beneficiary_id, note.deleted_at.is_(None))
                         .order_by(note.written_on.desc(), note.created_at.desc()))
        return [Note(id=n.id, written_on=n.written_on, author=n.author_name, text=n.text) for n in rows]


def withdraw_consent(ctx: Context, consent_id: str, on: date | None = None) -> None:
    with ctx.vault.session() as s:
        consent = s.get(models.Consent, consent_id)
        if consent is None:
            raise NotFound("Ce consentement n'existe pas.")
        consent.withdrawn_on = on or ctx.today()
        audit(s, ctx.actor_id, "consent_withdrawn", "consent", consent.id, consent.beneficiary_id)


def _label(enum_cls: type[Labelled], value: str | None) -> str:
    if not value:
        return ""
    try:
        return enum_cls(value).label
    except ValueError:
        return value


def describe_audit(entry: AuditRow, offers: dict[str, str]) -> str:
    """An audit entry's details (field names and codes only, never values) in French: the
    Historique tab and the access report (relevé droit d'accès) show the same sentence."""
    details = entry.details or {}
    action = entry.action or ""
    if action in ("create", "access_report", "read", "contact", "archive", "consent_withdrawn"):
        return ""
    if action == "update" and details.get("fields"):
        return ", ".join(FIELD_LABELS.get(f, f) for f in details["fields"])
    if action == "barrier_added" and details.get("type"):
        return _label(BarrierType, details["type"])
    if action == "barrier_updated" and details.get("status"):
        return _label(BarrierStatus, details["status"])
    if action == "barrier_action":
        return offers.get(details.get("offer") or "", details.get("offer") or "")
    if action == "consent_recorded":
        kind = _label(PartnerKind, details.get("partner_kind", ""))
        scope = ", ".join(_label(ConsentScope, s) for s in details.get("scope", []))
        return f"{kind} — {scope}" if scope else kind
    if action.startswith("pathway_"):
        text = " — ".join(x for x in (_label(Stage, details.get("stage")), _label(StepStatus, details.get("status")))
                          if x)
        reasons = [_label(StepReason, details[k]) for k in ("reason", "skip_reason", "end_reason") if details.get(k)]
        if details.get("outcome"):
            reasons.append(_label(OutcomeCategory, details["outcome"]))
        return text + (f" ({', '.join(reasons)})" if reasons else "")
    if action == "referral_created":
        return " — ".join(x for x in (_label(ReferralScheme, details.get("scheme")),
                                      _label(ReferralStatus, details.get("status"))) if x)
    if action == "referral_status":
        text = _label(ReferralStatus, details.get("status"))
        return text + (
            f" ({_label(RefusalReason, details['refusal_reason'])})" if details.get("refusal_reason") else ""
        )
    if action in ("session_registered", "session_withdrawn", "session_promoted"):
        return _label(RegistrationStatus, details.get("status")) if details.get("status") else ""
    if action == "attendance":
        return _label(Attendance, details.get("attendance")) if details.get("attendance") else "effacée"
    if action == "print_referral":
        return ", ".join(_label(ConsentScope, s) for s in details.get("scope", []))
    return ", ".join(f"{k} : {value}" for k, value in details.items() if not isinstance(value, (dict, list)))


def audit_trail(ctx: Context, beneficiary_id: str) -> list[AuditRow]:
    """The file's audit journal, newest first, with who did it."""
    with ctx.vault.session() as s:
        names = {c.id: c.name for c in s.scalars(select(models.Conseiller))}
        q = (select(models.AuditEntry).where(models.AuditEntry.beneficiary_id == beneficiary_id)
             .order_by(models.AuditEntry.seq.desc()))
        return [
            AuditRow(at=e.at, who=names.get(e.actor_id, "?"), action=e.action,
                     action_label=AUDIT_LABELS.get(e.action, e.action), entity=e.entity, details=dict(e.details))
            for e in s.scalars(q)
        ]
