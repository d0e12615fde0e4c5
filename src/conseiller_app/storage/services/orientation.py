"""The guided orientation's storage side: load the wizard's snapshot of a file, and commit its
pending operations in ONE transaction (all or nothing), each audited."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from conseiller_app.domain import orientation_wizard as W
from conseiller_app.domain import sessions as session_rules
from conseiller_app.domain.enums import Attendance, PartnerKind, RegistrationStatus, SessionKind
from conseiller_app.domain.guidance import SessionInfo
from conseiller_app.domain.errors import NotFound, ValidationError
from conseiller_app.storage import models as m
from conseiller_app.storage.journal import audit
from conseiller_app.storage.services import followup as followup_service
from conseiller_app.storage.services import pathway as pathway_service
from conseiller_app.storage.services import referrals as referral_service
from conseiller_app.storage.services import sessions as session_service
from conseiller_app.storage.services.context import Context

DRAFT_PREFIX = "orientation:"


def draft_key(beneficiary_id: str) -> str:
    """Key under which the page keeps the wizard's pending operations (drafts service)."""
    return DRAFT_PREFIX + beneficiary_id


def snapshot(ctx: Context, beneficiary_id: str) -> W.Snapshot:
    """Everything the wizard needs about one file, and the choices it offers."""
    with ctx.vault.session() as s:
        facts = pathway_service.facts_in(s, ctx, beneficiary_id)
        own = {r.session_id for r in facts.registrations}
        sessions = list(facts.sessions)
        known = {x.id for x in sessions}
        past = list(s.scalars(select(m.AtelierSession).where(m.AtelierSession.id.in_(own - known)))) if own - known else []
        names = dict(s.execute(select(m.Territory.code, m.Territory.name)).all())
        for x in past:
            sessions.append(SessionInfo(x.id, SessionKind(x.kind), x.title, x.start_date, x.end_date, x.territory, 0,
                                        x.commune_insee, names.get(x.territory, x.territory), x.place, x.chantier,
                                        tuple(x.trades or ())))
        trades = tuple(s.scalars(select(m.Trade.code)))
        b = s.get(m.Beneficiary, beneficiary_id)
        assert b is not None  # facts_in loaded it (NotFound otherwise)
        _, steps = pathway_service.load(s, beneficiary_id)
        stamp = pathway_service.fingerprint(steps)
    return W.Snapshot(
        beneficiary_id=beneficiary_id, today=facts.today, commune_insee=facts.commune_insee,
        territory=facts.territory, pathway=facts.pathway, public=b.public, barriers=tuple(facts.barriers),
        consents=tuple(facts.consents), registrations=tuple(facts.registrations), referrals=tuple(facts.referrals),
        sessions=tuple(sessions), offers=tuple(facts.offers), agencies=tuple(facts.agencies), trades=trades,
        pathway_fingerprint=stamp)


def open_wizard(ctx: Context, beneficiary_id: str, draft: dict[str, Any] | None = None) -> W.OrientationWizard:
    """A wizard on a fresh snapshot, with the pending operations of a saved draft replayed
    (those no longer valid are dropped)."""
    snap = snapshot(ctx, beneficiary_id)
    if not draft:
        return W.OrientationWizard(snap)
    wizard = W.OrientationWizard(snap)
    for d in draft.get("operations", []):
        try:
            wizard.add(W.Operation.from_dict(d))
        except Exception:  # noqa: BLE001 - a stale draft operation is dropped, the rest kept
            continue
    if draft.get("page"):
        wizard.go(draft["page"])
    return wizard


@dataclass(frozen=True, slots=True)
class CommittedReferral:
    """A referral the guided orientation created."""

    id: str
    reference: str


@dataclass(frozen=True, slots=True)
class Committed:
    """What the guided orientation's commit did: the new pathway state (as
    ``pathway.describe`` gives it), the referrals created, French notes where the pathway could
    not follow."""

    pathway: pathway_service.PathwayView
    referrals: tuple[CommittedReferral, ...]
    notes: tuple[str, ...]


@dataclass
class _Commit:
    """One commit's transaction and what it gathered: barriers noted in the wizard carry a
    placeholder id (``pending-<n>``) that later operations use, mapped here to the stored id."""

    s: Session
    ctx: Context
    beneficiary_id: str
    ids: dict[str, str] = field(default_factory=dict)
    referrals: list[CommittedReferral] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str | None) -> None:
        if text:
            self.notes.append(text)


def _record_consent(c: _Commit, op: W.RecordConsent) -> str:
    consent = m.Consent(id=m.new_id(), beneficiary_id=c.beneficiary_id, partner_kind=PartnerKind.AGENCY.value,
                        partner_id=op.agency_id, partner_name=op.partner_name, scope=list(op.scope),
                        given_on=op.given_on, recorded_by=c.ctx.actor_id)
    c.s.add(consent)
    c.s.flush()
    audit(c.s, c.ctx.actor_id, "consent_recorded", "consent", consent.id, c.beneficiary_id,
          {"partner_kind": PartnerKind.AGENCY.value, "scope": list(op.scope), "source": "orientation"})
    return consent.id


def _add_barrier(c: _Commit, op: W.AddBarrier) -> str:
    return followup_service.add_barrier_in(c.s, c.ctx, c.beneficiary_id, op.type)


def _use_offer(c: _Commit, op: W.UseOffer) -> str:
    barrier = c.s.get(m.Barrier, c.ids.get(op.barrier_id, op.barrier_id))
    if barrier is None or barrier.beneficiary_id != c.beneficiary_id:
        raise NotFound("Ce frein n'existe pas.")
    return followup_service.add_barrier_action_in(c.s, c.ctx, barrier, op.offer_code, op.comment)


def _register(c: _Commit, op: W.Register) -> str:
    x = session_service.load_session_in(c.s, op.session_id)
    out = session_service.register_in(c.s, c.ctx, x, c.beneficiary_id)
    c.note(out.pathway_note)
    return out.registration_id


def _attendance(c: _Commit, op: W.RecordAttendance) -> str:
    s, ctx, beneficiary_id = c.s, c.ctx, c.beneficiary_id
    r = s.scalar(select(m.Registration).where(m.Registration.session_id == op.session_id,
                                               m.Registration.beneficiary_id == beneficiary_id,
                                               m.Registration.status == RegistrationStatus.REGISTERED.value))
    if r is None:
        raise ValidationError("session_id", "la personne n'est pas inscrite à cette session.", "Session")
    r.attendance = Attendance.parse(op.attendance).value
    s.flush()
    audit(s, ctx.actor_id, "attendance", "registration", r.id, beneficiary_id,
          {"attendance": r.attendance, "session": r.session_id})
    x = s.get(m.AtelierSession, op.session_id)
    assert x is not None  # the registration's session (foreign key)
    pathway, _ = pathway_service.load(s, beneficiary_id)
    actions = session_rules.attendance_actions(pathway, x.id, r.attendance, x.start_date, x.end_date, ctx.today())
    if actions:
        pathway_service.apply_in(s, ctx, beneficiary_id, actions, source="orientation")
    return r.id


def _step(c: _Commit, op: W.StepChange) -> str:
    pathway_service.apply_in(c.s, c.ctx, c.beneficiary_id, [op.action], source="orientation")
    return ""


def _refer(c: _Commit, op: W.Refer) -> str:
    out = referral_service.create_in(c.s, c.ctx, c.beneficiary_id, op.agency_id, op.scheme, trades=list(op.trades),
                                     barriers_summary=op.barriers_summary, send=op.send)
    c.referrals.append(CommittedReferral(out.id, out.reference))
    c.note(out.pathway_note)
    return out.id


#: How each pending operation is written (the wizard replays them through ``W.REPLAY``); each
#: handler returns the id of what it stored.
COMMIT: W.OperationTable[Callable[[_Commit, Any], str]] = W.OperationTable("commit", {
    W.RecordConsent: _record_consent,
    W.UseOffer: _use_offer,
    W.AddBarrier: _add_barrier,
    W.Register: _register,
    W.RecordAttendance: _attendance,
    W.StepChange: _step,
    W.Refer: _refer,
})


def commit(ctx: Context, beneficiary_id: str, operations: Sequence[W.Operation],
           expected_fingerprint: str | None = None) -> Committed:
    """Write the wizard's operations in one transaction; return the new pathway state, the
    references of the referrals created and the French notes. Nothing is written on error."""
    with ctx.vault.session() as s:
        if expected_fingerprint is not None:
            _, rows = pathway_service.load(s, beneficiary_id)
            if pathway_service.fingerprint(rows) != expected_fingerprint:
                raise ValidationError("pathway", "le dossier a été modifié entre-temps : rouvrez le parcours guidé.",
                                      "Parcours")
        c = _Commit(s, ctx, beneficiary_id)
        for i, op in enumerate(operations):
            stored = COMMIT.handler(op)(c, op)
            c.ids[f"pending-{i}"] = stored
        pathway, rows = pathway_service.load(s, beneficiary_id)
        state = pathway_service.describe(pathway, rows)
    return Committed(state, tuple(c.referrals), tuple(c.notes))
