"""The pathway service: actions written in one transaction with audit and current stage, refusals
writing nothing, guidance from stored data, and the wizard's one-transaction commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from conseiller_app.domain import orientation_wizard as W
from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import OutcomeCategory, Stage, StepReason, StepStatus
from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.referral import ConsentRequired
from conseiller_app.storage import models as m
from conseiller_app.storage.services import beneficiaries, followup, orientation, pathway, referrals, sessions


def person(ctx):
    return beneficiaries.create(ctx, {"last_name": "Lefèvre", "first_name": "Zoé", "birth_date": "1990-04-05",
                                      "commune": "Arras", "public": "rsa"})


def test_actions_are_written_audited_and_keep_current_stage(ctx, vault):
    bid = person(ctx)
    today = ctx.today()
    state = pathway.get(ctx, bid)
    assert state.state == "en_attente" and state.next_stage == "atelier"
    state = pathway.apply(ctx, bid, [P.Propose(Stage.AWARENESS, today), P.Start(today), P.Complete(today)],
                          expected_fingerprint=state.fingerprint)
    assert [s.status for s in state.steps] == ["realisee", "realisee"]
    assert beneficiaries.get(ctx, bid, record_read=False).current_stage == "atelier"
    with vault.session() as s:
        actions = s.scalars(select(m.AuditEntry.action).where(m.AuditEntry.beneficiary_id == bid)
                            .order_by(m.AuditEntry.seq)).all()
        assert actions[-3:] == ["pathway_propose", "pathway_start", "pathway_complete"]
        details = s.scalars(select(m.AuditEntry.details).where(m.AuditEntry.action == "pathway_propose")).one()
        assert details == {"action": "propose", "stage": "atelier", "status": "proposee", "source": "parcours"}
    # a stale fingerprint is refused
    with pytest.raises(ValidationError):
        pathway.apply(ctx, bid, P.Propose(Stage.TASTER, today), expected_fingerprint=state.fingerprint + "x")


def test_refused_action_writes_nothing(ctx, vault):
    bid = person(ctx)
    today = ctx.today()
    before = pathway.get(ctx, bid)
    with pytest.raises(P.TransitionRefused):
        # the first action is fine, the second refused: nothing of either is written
        pathway.apply(ctx, bid, [P.Propose(Stage.AWARENESS, today), P.Propose(Stage.TASTER, today)])
    assert pathway.get(ctx, bid).fingerprint == before.fingerprint


def test_close_and_follow_up(ctx, clock):
    bid = person(ctx)
    today = ctx.today()
    state = pathway.apply(ctx, bid, [
        P.Propose(Stage.JOB, today, skip_reason=StepReason.ALREADY_EXPERIENCED), P.Start(today),
        P.Close(OutcomeCategory.DURABLE_JOB, today, "CDII", StepStatus.DONE)])
    assert state.state == "cloture" and state.outcome == "emploi_durable"
    assert beneficiaries.get(ctx, bid, record_read=False).current_stage == "sortie"
    clock.value = today + timedelta(days=85)
    advice = pathway.guidance(ctx, bid)
    assert advice[0].code == "follow_up_due" and advice[0].action.kind == "propose"
    state = pathway.apply(ctx, bid, advice[0].action)
    assert state.current_stage == "suivi"


def test_caseload_guidance_lists_the_most_urgent_per_file(ctx):
    a, b = person(ctx), person(ctx)
    sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier Arras", "start_date": "2026-12-10",
                          "commune": "Arras", "capacity": 10})
    rows = pathway.caseload_guidance(ctx)
    assert {r.beneficiary_id for r in rows} == {a, b}
    assert all(r.code == "next_session" and r.name == "LEFÈVRE Zoé" for r in rows)


def test_wizard_commit_in_one_transaction(ctx, vault):
    bid = person(ctx)
    barrier = followup.add_barrier(ctx, bid, "mobilite", "pas_de_permis")
    sid = sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier Arras", "start_date": "2026-12-10",
                                "commune": "Arras", "capacity": 10}).id
    agency = referrals.agencies(ctx, territory="arrageois")[0].id
    w = orientation.open_wizard(ctx, bid)
    assert w.page is W.Page.CONSENT
    w.record_consent(agency, ["identite", "contact"])
    w.use_offer(barrier, "ma_mobilite_62")
    w.register(sid)
    out = orientation.commit(ctx, bid, w.operations)
    assert out.notes == ()
    f = beneficiaries.get(ctx, bid, record_read=False)
    assert f.barriers[0].status == "en_cours" and f.barriers[0].actions[0].offer_code == "ma_mobilite_62"
    assert f.consents[0].partner_id == agency
    assert sessions.get(ctx, sid).registered == 1
    assert out.pathway.steps[-1].status == "planifiee"
    # a draft of pending operations survives and replays
    w2 = orientation.open_wizard(ctx, bid)
    w2.pathway_action(P.Suspend(StepReason.HEALTH))
    again = orientation.open_wizard(ctx, bid, w2.to_dict())
    assert again.pending() == ["Suspendre le parcours (Raison de santé)"]


def test_wizard_commit_is_all_or_nothing(ctx):
    bid = person(ctx)
    agency = referrals.agencies(ctx, territory="arrageois")[0].id
    w = orientation.open_wizard(ctx, bid)
    w.record_consent(agency, ["identite"])
    w.pathway_action(P.Propose(Stage.PREP_COURSE, ctx.today(), skip_reason=StepReason.ALREADY_EXPERIENCED))
    w.pathway_action(P.Complete(ctx.today()))
    w.refer(agency, "cipi", ["macon"])
    ops = w.operations
    # drop the consent: the referral must then be refused and nothing at all written
    with pytest.raises(ConsentRequired):
        orientation.commit(ctx, bid, ops[1:])
    assert len(pathway.get(ctx, bid).steps) == 1 and referrals.list_referrals(ctx) == []
    out = orientation.commit(ctx, bid, ops)
    assert len(out.referrals) == 1 and out.pathway.steps[-1].stage == "positionnement"
    assert out.referrals[0].reference == referrals.list_referrals(ctx)[0].reference
