"""The pathway of a file: read it with what the page needs, apply actions (one transaction per
user action, audited), and compute the guidance (« prochaine étape conseillée »).

In-transaction API for the other services: ``load``, ``apply_in``, ``try_apply_in``, ``facts_in``,
``fingerprint``, ``describe``."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conseiller_app.domain import guidance as g
from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import (
    BarrierStatus,
    BarrierType,
    ConsentScope,
    FileStatus,
    OutcomeCategory,
    PartnerKind,
    Public,
    ReferralStatus,
    RegistrationStatus,
    SessionKind,
    Stage,
    StepReason,
    StepStatus,
)
from conseiller_app.domain.errors import ValidationError
from conseiller_app.storage import models as m
from conseiller_app.storage.journal import audit
from conseiller_app.storage.services import facts as facts_service
from conseiller_app.storage.services.beneficiaries import load_in
from conseiller_app.storage.services.context import Context

STEP_COLUMNS = tuple(P.Step.RECORD_FIELDS)


# --- in-transaction helpers (used by the sessions, referrals and wizard services too) -----------


def step_rows(s: Session, beneficiary_id: str) -> list[m.PathwayStep]:
    """The file's steps in creation order (ids are time-ordered UUIDv7)."""
    return list(s.scalars(
        select(m.PathwayStep)
        .where(m.PathwayStep.beneficiary_id == beneficiary_id, m.PathwayStep.deleted_at.is_(None))
        .order_by(m.PathwayStep.created_at, m.PathwayStep.id)))


def _record(row: m.PathwayStep) -> dict[str, Any]:
    return {k: getattr(row, k) for k in STEP_COLUMNS}


def load(s: Session, beneficiary_id: str) -> tuple[P.Pathway, list[m.PathwayStep]]:
    rows = step_rows(s, beneficiary_id)
    return P.Pathway.from_records(_record(r) for r in rows), rows


def fingerprint(rows: Sequence[m.PathwayStep]) -> str:
    """Changes whenever a step is added or modified (to detect a concurrent edit)."""
    h = hashlib.sha256()
    for r in rows:
        h.update(f"{r.id}:{r.version};".encode())
    return h.hexdigest()[:16]


def _write(s: Session, beneficiary_id: str, rows: list[m.PathwayStep], new: P.Pathway) -> list[m.PathwayStep]:
    """Persist ``new`` over ``rows`` (steps are only ever appended or modified)."""
    assert len(new.steps) >= len(rows)
    out = list(rows)
    for i, step in enumerate(new.steps):
        rec = step.to_record()
        rec.pop("id")
        if i < len(rows):
            row = rows[i]
            for k, val in rec.items():
                if getattr(row, k) != val:
                    setattr(row, k, val)
        else:
            row = m.PathwayStep(id=m.new_id(), beneficiary_id=beneficiary_id, **rec)
            s.add(row)
            out.append(row)
    s.flush()
    return out


def apply_in(s: Session, ctx: Context, beneficiary_id: str, actions: Sequence[P.Action],
             *, source: str = "parcours") -> P.Pathway:
    """Apply ``actions`` in the current transaction; audit each; keep ``current_stage`` up to date.
    Raises before writing anything when one action is refused."""
    b = load_in(s, beneficiary_id)
    pathway, rows = load(s, beneficiary_id)
    today = ctx.today()
    states = []
    current = pathway
    for a in actions:
        current = P.apply(current, a, today)
        states.append(current)
    if not actions:
        return pathway
    rows = _write(s, beneficiary_id, rows, current)
    for a, state in zip(actions, states, strict=False):
        idx = state.open_index if state.open_index is not None else len(state.steps) - 1
        if isinstance(a, P.SetDetails):
            idx = a.index
        step = state.steps[idx]
        details: dict[str, str | None] = {"action": a.kind.value, "stage": step.stage.value,
                                          "status": step.status.value, "source": source}
        for attr in ("reason", "skip_reason", "end_reason"):
            val = getattr(a, attr, None)
            if val:
                details[attr] = StepReason(val).value
        if isinstance(a, P.Close):
            details["outcome"] = step.outcome.value if step.outcome else None
        if isinstance(a, P.Propose | P.Reorient):
            details["stage"] = Stage(a.stage).value
        audit(s, ctx.actor_id, f"pathway_{a.kind.value}", "pathway_step", rows[idx].id, beneficiary_id, details)
    stage = current.current_stage.value
    if b.current_stage != stage:
        b.current_stage = stage
    return current


def try_apply_in(s: Session, ctx: Context, beneficiary_id: str, actions: Sequence[P.Action], *,
                 source: str) -> str | None:
    """Like :func:`apply_in`, but a refusal is returned as a French note instead of raised (used
    when a registration or a referral changes and the pathway should follow if it can)."""
    try:
        apply_in(s, ctx, beneficiary_id, actions, source=source)
    except (P.TransitionRefused, ValidationError) as exc:
        return f"Le parcours n'a pas été mis à jour : {exc.message}"
    return None


# --- what the Parcours tab calls ---------------------------------------------------------------


@dataclass(frozen=True)
class Proposable:
    """A stage that can be proposed now, with the stages it would skip."""

    stage: Stage
    label: str
    skips: tuple[Stage, ...]


@dataclass(frozen=True)
class PathwayView:
    """A file's pathway as the Parcours tab shows it: the domain pathway (its steps carry their
    stored ids; the labels are the enumerations'), its state, what can be done now
    (``allowed``, ``proposable``), the fingerprint to detect a concurrent edit (None for a
    preview) and its inconsistencies (``problems``, empty when sound)."""

    pathway: P.Pathway
    state: P.PathwayState
    state_label: str
    current_stage: Stage
    current_stage_label: str
    open_index: int | None
    open_stage: Stage | None
    open_status: StepStatus | None
    outcome: OutcomeCategory | None
    outcome_label: str | None
    allowed: tuple[P.ActionKind, ...]
    proposable: tuple[Proposable, ...]
    next_stage: Stage | None
    fingerprint: str | None
    problems: tuple[str, ...]

    @property
    def steps(self) -> tuple[P.Step, ...]:
        return self.pathway.steps


def describe(pathway: P.Pathway, rows: Sequence[m.PathwayStep] | None = None) -> PathwayView:
    if rows is not None:
        pathway = P.Pathway(tuple(replace(st, id=rows[i].id) if i < len(rows) else replace(st, id=None)
                                  for i, st in enumerate(pathway.steps)))
    o = pathway.open_step
    return PathwayView(
        pathway=pathway, state=pathway.state, state_label=P.PATHWAY_STATE_LABELS[pathway.state],
        current_stage=pathway.current_stage, current_stage_label=pathway.current_stage.label,
        open_index=pathway.open_index, open_stage=o.stage if o else None, open_status=o.status if o else None,
        outcome=pathway.outcome, outcome_label=pathway.outcome.label if pathway.outcome else None,
        allowed=tuple(P.allowed_actions(pathway)),
        proposable=tuple(Proposable(s, s.label, tuple(gaps)) for s, gaps in P.proposable_stages(pathway)),
        next_stage=P.next_stage(pathway), fingerprint=fingerprint(rows) if rows is not None else None,
        problems=tuple(P.problems(pathway)))


def get(ctx: Context, beneficiary_id: str) -> PathwayView:
    """The timeline (steps in order) and the state: what can be done now (``allowed``),
    which stages can be proposed (``proposable``, with the stages that would be skipped)."""
    with ctx.vault.session() as s:
        load_in(s, beneficiary_id)
        pathway, rows = load(s, beneficiary_id)
        return describe(pathway, rows)


def apply(ctx: Context, beneficiary_id: str, actions: Sequence[P.Action] | P.Action,
          expected_fingerprint: str | None = None) -> PathwayView:
    """Apply one user action (possibly several pathway actions) in one transaction; return the
    new state as :func:`get`. Raises ``TransitionRefused``/``ValidationError`` (nothing written)."""
    if isinstance(actions, P.Action):
        actions = [actions]
    with ctx.vault.session() as s:
        if expected_fingerprint is not None:
            _, rows = load(s, beneficiary_id)
            if fingerprint(rows) != expected_fingerprint:
                raise ValidationError("pathway", "le parcours a été modifié entre-temps : rechargez-le avant "
                                      "d'enregistrer.", "Parcours")
        apply_in(s, ctx, beneficiary_id, list(actions))
        pathway, rows = load(s, beneficiary_id)
        return describe(pathway, rows)


def preview(ctx: Context, beneficiary_id: str, actions: Sequence[P.Action]) -> PathwayView:
    """The state the actions would give, without writing (for a confirmation page)."""
    with ctx.vault.session() as s:
        pathway, _ = load(s, beneficiary_id)
    return describe(P.apply_all(pathway, actions, ctx.today()))


# --- guidance ----------------------------------------------------------------------------------


def _upcoming_sessions(s: Session, today: date) -> list[g.SessionInfo]:
    counts = dict(s.execute(
        select(m.Registration.session_id, func.count())
        .join(m.AtelierSession, m.AtelierSession.id == m.Registration.session_id)
        .where(m.Registration.status == RegistrationStatus.REGISTERED.value, m.Registration.deleted_at.is_(None),
               m.AtelierSession.start_date >= today)
        .group_by(m.Registration.session_id)).all())
    names = dict(s.execute(select(m.Territory.code, m.Territory.name)).all())
    out = []
    for x in s.scalars(select(m.AtelierSession).where(m.AtelierSession.start_date >= today,
                                                      m.AtelierSession.deleted_at.is_(None))):
        out.append(g.SessionInfo(
            id=x.id, kind=SessionKind(x.kind), title=x.title, start_date=x.start_date, end_date=x.end_date,
            territory=x.territory, seats_left=max(0, x.capacity - counts.get(x.id, 0)), commune_insee=x.commune_insee,
            territory_name=names.get(x.territory, x.territory), place=x.place, chantier=x.chantier,
            trades=tuple(x.trades or ())))
    return out


def _reference_facts(s: Session) -> tuple[list[g.OfferInfo], list[g.AgencyInfo]]:
    offers = [
        g.OfferInfo(o.code, o.name, BarrierType(o.barrier))
        for o in s.scalars(select(m.Offer).order_by(m.Offer.code))
        if o.barrier in BarrierType._value2member_map_
    ]
    agencies = [g.AgencyInfo(a.id, a.name, a.territory, tuple(a.trades or ()))
                for a in s.scalars(select(m.Agency).where(m.Agency.deleted_at.is_(None)).order_by(m.Agency.name))]
    return offers, agencies


def facts_in(s: Session, ctx: Context, beneficiary_id: str, *, sessions: list[g.SessionInfo] | None = None,
             reference: tuple[Any, ...] | None = None) -> g.FileFacts:
    today = ctx.today()
    b = load_in(s, beneficiary_id)
    commune = s.get(m.Commune, b.commune_insee)
    pathway, _ = load(s, beneficiary_id)
    barriers = []
    for x in s.scalars(select(m.Barrier).where(m.Barrier.beneficiary_id == b.id, m.Barrier.deleted_at.is_(None))):
        used = tuple(c for c in s.scalars(select(m.BarrierAction.offer_code).where(
            m.BarrierAction.barrier_id == x.id, m.BarrierAction.deleted_at.is_(None))) if c)
        barriers.append(g.BarrierInfo(x.id, BarrierType(x.type), BarrierStatus(x.status), x.subtype, used))
    consents = [g.ConsentInfo(c.id, PartnerKind(c.partner_kind), c.partner_name,
                              tuple(ConsentScope(z) for z in c.scope), c.given_on, c.partner_id, c.withdrawn_on)
                for c in s.scalars(select(m.Consent).where(m.Consent.beneficiary_id == b.id,
                                                           m.Consent.deleted_at.is_(None)))]
    referrals = [g.ReferralInfo(r.id, r.reference, ReferralStatus(r.status), r.status_date, name)
                 for r, name in s.execute(select(m.Referral, m.Agency.name)
                                          .join(m.Agency, m.Agency.id == m.Referral.agency_id)
                                          .where(m.Referral.beneficiary_id == b.id, m.Referral.deleted_at.is_(None)))]
    registrations = [
        g.RegistrationInfo(r.session_id, RegistrationStatus(r.status), SessionKind(x.kind), x.title, x.start_date,
                           x.end_date, r.attendance)
        for r, x in s.execute(select(m.Registration, m.AtelierSession)
                              .join(m.AtelierSession, m.AtelierSession.id == m.Registration.session_id)
                              .where(m.Registration.beneficiary_id == b.id, m.Registration.deleted_at.is_(None)))]
    offers, agencies = reference or _reference_facts(s)
    return g.FileFacts(
        today=today, public=Public(b.public), birth_date=b.birth_date, commune_insee=b.commune_insee,
        territory=commune.territory if commune else None, pathway=pathway, barriers=barriers, consents=consents,
        referrals=referrals, registrations=registrations,
        sessions=sessions if sessions is not None else _upcoming_sessions(s, today),
        offers=offers, agencies=agencies, to_complete=bool(b.to_complete),
        sas_interest=facts_service.sas_interest_in(s, b.id),
        pci_count=s.scalar(select(func.count()).select_from(m.PciDiagnostic).where(
            m.PciDiagnostic.beneficiary_id == b.id, m.PciDiagnostic.deleted_at.is_(None))) or 0)


def guidance(ctx: Context, beneficiary_id: str, limit: int = g.DEFAULT_LIMIT) -> list[g.Suggestion]:
    """The suggested next actions of one file, each with its French reason."""
    with ctx.vault.session() as s:
        facts = facts_in(s, ctx, beneficiary_id)
    return list(g.suggest(facts, limit=limit))


@dataclass(frozen=True)
class CaseloadSuggestion:
    """One suggestion of the dashboard, with the file it is for (« NOM Prénom »)."""

    beneficiary_id: str
    name: str
    suggestion: g.Suggestion

    @property
    def title(self) -> str:
        return self.suggestion.title

    @property
    def reason(self) -> str:
        return self.suggestion.reason

    @property
    def code(self) -> g.Code:
        return self.suggestion.code

    @property
    def priority(self) -> int:
        return self.suggestion.priority


CASELOAD_SCAN = 400  # a référent's caseload is typically 50-400 files (domain.md)


def caseload_guidance(ctx: Context, limit: int = 50, per_file: int = 1,
                      scan: int = CASELOAD_SCAN) -> list[CaseloadSuggestion]:
    """The most urgent suggestion of each active file of the owner's caseload (dashboard).
    Loads the caseload in a handful of bulk queries (not one round per file). Only the ``scan``
    files contacted longest ago are examined, so that a huge vault (an office's whole territory)
    never holds the database worker for long."""
    today = ctx.today()
    b = m.Beneficiary
    with ctx.vault.session() as s:
        sessions = _upcoming_sessions(s, today)
        offers, agencies = _reference_facts(s)
        territory_of = dict(s.execute(select(m.Commune.insee, m.Commune.territory)).all())
        files = s.execute(select(b.id, b.last_name, b.first_name, b.public, b.birth_date, b.commune_insee,
                                 b.to_complete).where(b.referent_id == ctx.actor_id,
                                                      b.status == FileStatus.ACTIVE.value,
                                                      b.deleted_at.is_(None))
                          .order_by(func.coalesce(b.last_contact, b.spotting_date), b.id).limit(scan)).all()
        mine = [f[0] for f in files]
        steps: dict[str, list[dict[str, Any]]] = {}
        for row in s.scalars(select(m.PathwayStep).where(m.PathwayStep.beneficiary_id.in_(mine),
                                                         m.PathwayStep.deleted_at.is_(None))
                             .order_by(m.PathwayStep.created_at, m.PathwayStep.id)):
            steps.setdefault(row.beneficiary_id, []).append(_record(row))
        used: dict[str, list[str]] = {}
        for barrier_id, code in s.execute(select(m.BarrierAction.barrier_id, m.BarrierAction.offer_code)
                                          .where(m.BarrierAction.deleted_at.is_(None))):
            if code:
                used.setdefault(barrier_id, []).append(code)
        barriers: dict[str, list[g.BarrierInfo]] = {}
        for x in s.scalars(select(m.Barrier).where(m.Barrier.beneficiary_id.in_(mine), m.Barrier.deleted_at.is_(None))):
            barriers.setdefault(x.beneficiary_id, []).append(
                g.BarrierInfo(x.id, BarrierType(x.type), BarrierStatus(x.status), x.subtype, tuple(used.get(x.id, ()))))
        consents: dict[str, list[g.ConsentInfo]] = {}
        for c in s.scalars(select(m.Consent).where(m.Consent.beneficiary_id.in_(mine), m.Consent.deleted_at.is_(None))):
            consents.setdefault(c.beneficiary_id, []).append(g.ConsentInfo(
                c.id, PartnerKind(c.partner_kind), c.partner_name, tuple(ConsentScope(z) for z in c.scope),
                c.given_on, c.partner_id, c.withdrawn_on))
        referrals: dict[str, list[g.ReferralInfo]] = {}
        for r, name in s.execute(select(m.Referral, m.Agency.name).join(m.Agency, m.Agency.id == m.Referral.agency_id)
                                 .where(m.Referral.beneficiary_id.in_(mine), m.Referral.deleted_at.is_(None))):
            referrals.setdefault(r.beneficiary_id, []).append(
                g.ReferralInfo(r.id, r.reference, ReferralStatus(r.status), r.status_date, name))
        registrations: dict[str, list[g.RegistrationInfo]] = {}
        for reg, sess in s.execute(select(m.Registration, m.AtelierSession)
                                   .join(m.AtelierSession, m.AtelierSession.id == m.Registration.session_id)
                                   .where(m.Registration.beneficiary_id.in_(mine), m.Registration.deleted_at.is_(None))):
            registrations.setdefault(reg.beneficiary_id, []).append(g.RegistrationInfo(
                reg.session_id, RegistrationStatus(reg.status), SessionKind(sess.kind), sess.title, sess.start_date,
                sess.end_date, reg.attendance))
        interest: dict[str, bool] = {}
        for bid, value in s.execute(select(m.SasInterest.beneficiary_id, m.SasInterest.interested)
                                    .where(m.SasInterest.beneficiary_id.in_(mine), m.SasInterest.deleted_at.is_(None))
                                    .order_by(m.SasInterest.recorded_on, m.SasInterest.id)):
            interest[bid] = value  # the latest wins
        pci_counts = dict(s.execute(select(m.PciDiagnostic.beneficiary_id, func.count())
                                    .where(m.PciDiagnostic.beneficiary_id.in_(mine),
                                           m.PciDiagnostic.deleted_at.is_(None))
                                    .group_by(m.PciDiagnostic.beneficiary_id)).all())
    rows: list[CaseloadSuggestion] = []
    for bid, last, first, public, birth, commune, to_complete in files:
        facts = g.FileFacts(
            today=today, public=Public(public), birth_date=birth, commune_insee=commune,
            territory=territory_of.get(commune), pathway=P.Pathway.from_records(steps.get(bid, [])),
            barriers=barriers.get(bid, ()), consents=consents.get(bid, ()), referrals=referrals.get(bid, ()),
            registrations=registrations.get(bid, ()), sessions=sessions, offers=offers, agencies=agencies,
            to_complete=bool(to_complete), sas_interest=interest.get(bid), pci_count=pci_counts.get(bid, 0))
        for suggestion in g.suggest(facts, limit=per_file):
            rows.append(CaseloadSuggestion(beneficiary_id=bid, name=f"{last.upper()} {first}", suggestion=suggestion))
    rows.sort(key=lambda d: (d.priority, d.name))
    return rows[:limit]


__all__ = ["CaseloadSuggestion", "PathwayView", "Proposable", "apply", "apply_in", "caseload_guidance", "describe",
           "get", "guidance", "load", "preview", "try_apply_in"]
