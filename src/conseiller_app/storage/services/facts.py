"""Recording the facts of the convention's indicators (article 5-1): Point Conseils Intérimaire,
parcours prévention, funding lines, interest for the SAS, SPOTT details, the agency that
positioned a person on a preparatory action. One transaction per user action, audited (field
names and codes only), journaled for the sync like every synced record.

Results are frozen dataclasses (the command line prints them by their fields). Validation: ``domain.facts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from conseiller_app.domain import facts as F
from conseiller_app.domain.enums import (
    FundingLine,
    FundingTarget,
    PciRecommendation,
    PreventionStatus,
    SessionKind,
)
from conseiller_app.domain.errors import NotFound, ValidationError
from conseiller_app.storage import models as m
from conseiller_app.storage.journal import audit
from conseiller_app.storage.reference import aktiv_envelopes
from conseiller_app.storage.services.beneficiaries import load_in
from conseiller_app.storage.services.context import Context

#: Session kinds that are preparatory actions (indicator 2: « actions préparatoires »).
PREPARATORY_KINDS = (SessionKind.TASTER, SessionKind.PREP_COURSE)


@dataclass(frozen=True)
class PciResult:
    """A recorded Point Conseils Intérimaire."""

    id: str
    beneficiary_id: str
    held_on: date
    held_by: str
    agency_id: str | None
    recommendations: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class PreventionResult:
    id: str
    beneficiary_id: str
    status: str
    started_on: date
    completed_on: date | None


@dataclass(frozen=True)
class FundingResult:
    id: str
    beneficiary_id: str | None
    target_kind: str
    target_id: str
    funder: str
    line: str
    amount_cents: int
    granted_on: date


@dataclass(frozen=True)
class SasInterestResult:
    id: str
    beneficiary_id: str
    interested: bool
    recorded_on: date


@dataclass(frozen=True)
class SpottResult:
    session_id: str
    chantier: str | None
    fpett_validated_on: date | None
    opco: str
    agencies: tuple[str, ...]


@dataclass(frozen=True)
class FileFactsResult:
    """Everything recorded on one file for the indicators (the file editor's « Indicateurs » tab)."""

    pci: tuple[PciResult, ...]
    prevention: PreventionResult | None
    funding: tuple[FundingResult, ...]
    sas_interest: SasInterestResult | None


def _pci(r: m.PciDiagnostic) -> PciResult:
    return PciResult(r.id, r.beneficiary_id, r.held_on, r.held_by, r.agency_id, tuple(r.recommendations or ()))


def _prevention(r: m.PreventionPathway) -> PreventionResult:
    return PreventionResult(r.id, r.beneficiary_id, r.status, r.started_on, r.completed_on)


def _funding(r: m.FundingLine) -> FundingResult:
    return FundingResult(r.id, r.beneficiary_id, r.target_kind, r.target_id, r.funder, r.line, r.amount_cents,
                         r.granted_on)


def _agency(s: Session, agency_id: str | None, field: str) -> None:
    if agency_id is None:
        return
    a = s.get(m.Agency, agency_id)
    if a is None or a.deleted_at is not None:
        raise ValidationError(field, "agence inconnue de l'annuaire.", F.LABELS.get(field, field))


# --- Point Conseils Intérimaire ----------------------------------------------------------------


def add_pci(ctx: Context, beneficiary_id: str, values: dict[str, Any]) -> PciResult:
    """Record a Point Conseils Intérimaire held for the file (FASTT's diagnostic, convention 4-4)."""
    clean = F.check_pci(values, ctx.today())
    with ctx.vault.session() as s:
        b = load_in(s, beneficiary_id)
        _agency(s, clean["agency_id"], "agency_id")
        row = m.PciDiagnostic(id=m.new_id(), beneficiary_id=b.id, **clean)
        s.add(row)
        s.flush()
        audit(s, ctx.actor_id, "pci_added", "pci_diagnostic", row.id, b.id,
              {"held_by": clean["held_by"], "recommendations": [r["code"] for r in clean["recommendations"]]})
        return _pci(row)


def set_pci_follow_up(ctx: Context, pci_id: str, code: str, followed: bool | None) -> PciResult:
    """Record whether one recommendation was implemented (mise en œuvre) or not."""
    try:
        code = PciRecommendation.parse(code).value
    except ValueError:
        raise ValidationError("recommendations", f"préconisation inconnue « {code} ».",
                              F.LABELS["recommendations"]) from None
    with ctx.vault.session() as s:
        row = s.get(m.PciDiagnostic, pci_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("Ce Point Conseils Intérimaire n'existe pas (ou plus) dans le coffre.")
        recs = [dict(r) for r in row.recommendations or ()]
        for r in recs:
            if r["code"] == code:
                r["followed"] = followed
                break
        else:
            raise ValidationError("recommendations", "cette préconisation n'a pas été faite lors de ce diagnostic.",
                                  F.LABELS["recommendations"])
        row.recommendations = recs
        s.flush()
        audit(s, ctx.actor_id, "pci_follow_up", "pci_diagnostic", row.id, row.beneficiary_id,
              {"code": code, "followed": followed})
        return _pci(row)


# --- parcours prévention -----------------------------------------------------------------------


def set_prevention(ctx: Context, beneficiary_id: str, values: dict[str, Any]) -> PreventionResult:
    """Set the file's parcours prévention (one per file: a later call updates it)."""
    clean = F.check_prevention(values, ctx.today())
    with ctx.vault.session() as s:
        b = load_in(s, beneficiary_id)
        row = s.scalars(select(m.PreventionPathway).where(m.PreventionPathway.beneficiary_id == b.id,
                                                          m.PreventionPathway.deleted_at.is_(None))).first()
        action = "prevention_updated"
        if row is None:
            row = m.PreventionPathway(id=m.new_id(), beneficiary_id=b.id)
            s.add(row)
            action = "prevention_added"
        for k, val in clean.items():
            if getattr(row, k) != val:
                setattr(row, k, val)
        s.flush()
        audit(s, ctx.actor_id, action, "prevention_pathway", row.id, b.id, {"status": clean["status"]})
        return _prevention(row)


# --- funding lines -----------------------------------------------------------------------------


def _target_beneficiary(s: Session, kind: str, target_id: str) -> str | None:
    row: m.PathwayStep | m.Referral | m.AtelierSession | None
    if kind == FundingTarget.STEP.value:
        row = s.get(m.PathwayStep, target_id)
    elif kind == FundingTarget.REFERRAL.value:
        row = s.get(m.Referral, target_id)
    else:
        row = s.get(m.AtelierSession, target_id)
    if row is None or row.deleted_at is not None:
        raise ValidationError("target_id", f"{FundingTarget(kind).label.lower()} introuvable dans le coffre.",
                              F.LABELS["target_id"])
    return getattr(row, "beneficiary_id", None)


def add_funding(ctx: Context, values: dict[str, Any]) -> FundingResult:
    """Add one funding line to a pathway step, a session or a referral."""
    clean = F.check_funding(values, ctx.today())
    with ctx.vault.session() as s:
        bid = _target_beneficiary(s, clean["target_kind"], clean["target_id"])
        if bid is not None:
            load_in(s, bid)
        row = m.FundingLine(id=m.new_id(), beneficiary_id=bid, **clean)
        s.add(row)
        s.flush()
        audit(s, ctx.actor_id, "funding_added", "funding_line", row.id, bid,
              {"target_kind": clean["target_kind"], "funder": clean["funder"], "line": clean["line"]})
        return _funding(row)


def funding_for(ctx: Context, target_kind: str, target_id: str) -> tuple[FundingResult, ...]:
    """The funding lines of one step, session or referral (oldest first)."""
    kind = FundingTarget.parse(target_kind).value
    with ctx.vault.session() as s:
        return tuple(_funding(r) for r in s.scalars(select(m.FundingLine).where(
            m.FundingLine.target_kind == kind, m.FundingLine.target_id == target_id,
            m.FundingLine.deleted_at.is_(None)).order_by(m.FundingLine.granted_on, m.FundingLine.id)))


def remove_funding(ctx: Context, funding_id: str) -> None:
    """Tombstone a funding line entered by mistake (travels to the central office)."""
    with ctx.vault.session() as s:
        row = s.get(m.FundingLine, funding_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("Cette ligne de financement n'existe pas (ou plus) dans le coffre.")
        row.deleted_at = m.utcnow()
        s.flush()
        audit(s, ctx.actor_id, "funding_removed", "funding_line", row.id, row.beneficiary_id, {})


# --- interest for the SAS ---------------------------------------------------------------------


def set_sas_interest(ctx: Context, beneficiary_id: str, values: dict[str, Any]) -> SasInterestResult:
    """Record whether the person is interested in a SAS préparatoire (after a découverte)."""
    clean = F.check_sas_interest(values, ctx.today())
    with ctx.vault.session() as s:
        b = load_in(s, beneficiary_id)
        row = m.SasInterest(id=m.new_id(), beneficiary_id=b.id, **clean)
        s.add(row)
        s.flush()
        audit(s, ctx.actor_id, "sas_interest", "sas_interest", row.id, b.id, {"interested": clean["interested"]})
        return SasInterestResult(row.id, b.id, row.interested, row.recorded_on)


def sas_interest_in(s: Session, beneficiary_id: str) -> bool | None:
    """The latest recorded interest of a file for the SAS (None: not asked yet)."""
    return s.scalars(select(m.SasInterest.interested).where(
        m.SasInterest.beneficiary_id == beneficiary_id, m.SasInterest.deleted_at.is_(None))
        .order_by(m.SasInterest.recorded_on.desc(), m.SasInterest.id.desc()).limit(1)).first()


# --- SPOTT and positioning ---------------------------------------------------------------------


def set_spott(ctx: Context, session_id: str, values: dict[str, Any]) -> SpottResult:
    """The SPOTT details of a session: FPETT's prior validation, the OPCO, the agencies."""
    clean = F.check_spott(values, ctx.today())
    with ctx.vault.session() as s:
        x = s.get(m.AtelierSession, session_id)
        if x is None or x.deleted_at is not None:
            raise NotFound("Cette session n'existe pas (ou plus) dans le coffre.")
        if x.kind != SessionKind.SPOTT.value:
            raise ValidationError("kind", "ces informations ne concernent que les sessions SPOTT.", "Type de session")
        for a in clean["agencies"]:
            _agency(s, a, "agencies")
        x.fpett_validated_on, x.opco, x.agencies = clean["fpett_validated_on"], clean["opco"], clean["agencies"]
        s.flush()
        audit(s, ctx.actor_id, "spott_details", "atelier_session", x.id, None,
              {"fields": ["fpett_validated_on", "opco", "agencies"]})
        return SpottResult(x.id, x.chantier, x.fpett_validated_on, x.opco or "akto", tuple(x.agencies or ()))


def set_positioning(ctx: Context, session_id: str, beneficiary_id: str, agency_id: str | None) -> None:
    """Record which agency positioned the person on this preparatory action (indicator 2)."""
    with ctx.vault.session() as s:
        x = s.get(m.AtelierSession, session_id)
        if x is None or x.deleted_at is not None:
            raise NotFound("Cette session n'existe pas (ou plus) dans le coffre.")
        if SessionKind(x.kind) not in PREPARATORY_KINDS:
            raise ValidationError("agency_id", "seule une inscription à une action préparatoire (découverte métiers, "
                                  "SAS préparatoire) peut être positionnée par une agence.", "Agence")
        reg = s.scalars(select(m.Registration).where(m.Registration.session_id == session_id,
                                                     m.Registration.beneficiary_id == beneficiary_id,
                                                     m.Registration.deleted_at.is_(None))).first()
        if reg is None:
            raise NotFound("La personne n'est pas inscrite à cette session.")
        _agency(s, agency_id, "agency_id")
        reg.positioned_by_agency_id = agency_id
        s.flush()
        audit(s, ctx.actor_id, "registration_positioned", "registration", reg.id, beneficiary_id,
              {"by_agency": agency_id is not None})


# --- reading -----------------------------------------------------------------------------------


def file_facts(ctx: Context, beneficiary_id: str) -> FileFactsResult:
    with ctx.vault.session() as s:
        b = load_in(s, beneficiary_id)
        pci = tuple(_pci(r) for r in s.scalars(select(m.PciDiagnostic).where(
            m.PciDiagnostic.beneficiary_id == b.id, m.PciDiagnostic.deleted_at.is_(None))
            .order_by(m.PciDiagnostic.held_on, m.PciDiagnostic.id)))
        prev = s.scalars(select(m.PreventionPathway).where(m.PreventionPathway.beneficiary_id == b.id,
                                                           m.PreventionPathway.deleted_at.is_(None))).first()
        funding = tuple(_funding(r) for r in s.scalars(select(m.FundingLine).where(
            m.FundingLine.beneficiary_id == b.id, m.FundingLine.deleted_at.is_(None))
            .order_by(m.FundingLine.granted_on, m.FundingLine.id)))
        interest = s.scalars(select(m.SasInterest).where(m.SasInterest.beneficiary_id == b.id,
                                                         m.SasInterest.deleted_at.is_(None))
                             .order_by(m.SasInterest.recorded_on.desc(), m.SasInterest.id.desc()).limit(1)).first()
        return FileFactsResult(
            pci, _prevention(prev) if prev else None, funding,
            SasInterestResult(interest.id, b.id, interest.interested, interest.recorded_on) if interest else None)


def envelopes(ctx: Context) -> dict[int, int]:
    """The AKTIV compétences envelope by year (cents) received from the central office."""
    with ctx.vault.session() as s:
        return aktiv_envelopes(s)


__all__ = ["FileFactsResult", "FundingLine", "FundingResult", "PciResult", "PreventionResult", "PreventionStatus",
           "SasInterestResult", "SpottResult", "add_funding", "add_pci", "envelopes", "file_facts", "funding_for",
           "remove_funding", "sas_interest_in", "set_pci_follow_up", "set_positioning", "set_prevention",
           "set_sas_interest", "set_spott"]
