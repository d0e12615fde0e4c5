"""One workflow, one dispatcher: the rule « a referral's status moves the agency step » written
once (``referral.pathway_follow``) and checked against an expectation table written apart from
the code; the wizard's operation table refusing an incomplete set of handlers; the wizard's
referral following the same rule; a barrier noted inside the wizard then given an offer."""

from __future__ import annotations

from datetime import date

import pytest

from conseiller_app.domain import orientation_wizard as W
from conseiller_app.domain import pathway as P
from conseiller_app.domain import referral as rules
from conseiller_app.domain.enums import BarrierStatus, BarrierType, ReferralStatus, Stage, StepReason, StepStatus
from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.referral import ConsentRequired
from tests.domain.test_wizard import TODAY, snap

RS = ReferralStatus
ON = date(2026, 11, 20)
SKIP = StepReason.ALREADY_EXPERIENCED


def fresh() -> P.Pathway:
    return P.Pathway.new(date(2026, 9, 1))


def prep_done() -> P.Pathway:
    """SAS préparatoire done: nothing open, the agency step comes next (no gap)."""
    return P.apply_all(fresh(), [P.Propose(Stage.PREP_COURSE, ON, SKIP), P.Start(ON), P.Complete(ON)], ON)


def agency_proposed() -> P.Pathway:
    return P.apply(fresh(), P.Propose(Stage.AGENCY, ON, SKIP), ON)


def agency_started() -> P.Pathway:
    return P.apply(agency_proposed(), P.Start(ON), ON)


def awareness_proposed() -> P.Pathway:
    return P.apply(fresh(), P.Propose(Stage.AWARENESS, ON), ON)


# (pathway, new referral status) → kinds of the actions the pathway gets, in order; on a fresh
# pathway they are refused (stages jumped need a reason): the services turn that into a note.
EXPECTED = [
    (prep_done, RS.SENT, ["propose", "start"]),
    (fresh, RS.SENT, ["propose", "start"]),
    (agency_proposed, RS.SENT, ["start"]),
    (agency_started, RS.SENT, []),
    (awareness_proposed, RS.SENT, []),
    (fresh, RS.DRAFT, []),
    (agency_proposed, RS.POSITIONED, ["start", "complete"]),
    (agency_started, RS.POSITIONED, ["complete"]),
    (agency_started, RS.IN_TRAINING, ["complete"]),
    (agency_started, RS.IN_MISSION, ["complete"]),
    (agency_started, RS.REFUSED, []),
    (agency_started, RS.INTERVIEW, []),
    (fresh, RS.POSITIONED, []),
    (awareness_proposed, RS.POSITIONED, []),
]


@pytest.mark.parametrize(("make", "status", "kinds"), EXPECTED,
                         ids=[f"{m.__name__}-{s.value}" for m, s, _ in EXPECTED])
def test_pathway_follows_a_referral(make, status, kinds):
    pathway = make()
    actions = rules.pathway_follow(pathway, status, ON)
    assert [a.kind.value for a in actions] == kinds
    if make is fresh and kinds:
        with pytest.raises(P.TransitionRefused):
            P.apply_all(pathway, actions, ON)
        return
    after = P.apply_all(pathway, actions, ON)
    if kinds == ["propose", "start"] or kinds == ["start"]:
        assert after.open_step.stage is Stage.AGENCY and after.open_step.status is StepStatus.IN_PROGRESS
    if kinds and kinds[-1] == "complete":
        assert after.open_step is None and after.steps[-1].status is StepStatus.DONE


def test_an_operation_table_must_handle_every_operation():
    handlers = {op: (lambda *a: None) for op in W.OPERATIONS.values()}
    W.OperationTable("complete", handlers)
    del handlers[W.Refer]
    with pytest.raises(TypeError, match="Refer"):
        W.OperationTable("incomplete", handlers)
    assert set(W.OPERATIONS.values()) == {W.RecordConsent, W.UseOffer, W.AddBarrier, W.Register, W.RecordAttendance,
                                          W.StepChange, W.Refer}


# The wizard's referral follows the same rule as the service: (pathway, send) → open step after.
WIZARD_REFER = [
    (prep_done, True, (Stage.AGENCY, StepStatus.IN_PROGRESS)),
    (agency_proposed, True, (Stage.AGENCY, StepStatus.IN_PROGRESS)),
    (agency_proposed, False, (Stage.AGENCY, StepStatus.PROPOSED)),
    (awareness_proposed, True, (Stage.AWARENESS, StepStatus.PROPOSED)),
]


@pytest.mark.parametrize(("make", "send", "open_after"), WIZARD_REFER)
def test_wizard_referral_moves_the_pathway_like_the_service(make, send, open_after):
    pathway = make()
    w = W.OrientationWizard(snap(pathway=pathway))
    w.record_consent("ag-arras", ["identite"])
    w.refer("ag-arras", "cipi", send=send)
    o = w.state.pathway.open_step
    assert (o.stage, o.status) == open_after
    expected = P.apply_all(pathway, rules.pathway_follow(pathway, RS.SENT if send else RS.DRAFT, TODAY), TODAY)
    assert w.state.pathway == expected and w.state.notes == ()


def test_wizard_referral_the_pathway_cannot_follow_gives_a_note():
    w = W.OrientationWizard(snap(pathway=fresh()))
    w.record_consent("ag-arras", ["identite"])
    w.refer("ag-arras", "cipi", send=True)
    assert w.state.pathway == fresh()
    assert w.state.notes[0].startswith("Le parcours ne suivra pas cette orientation")


def test_a_barrier_noted_in_the_wizard_takes_an_offer_and_undoes():
    w = W.OrientationWizard(snap(barriers=()))
    assert w.barrier_review() == []
    w.add_barrier(BarrierType.HOUSING)
    review = w.barrier_review()
    assert [(b["type"], b["status"]) for b in review] == [("logement", "identifie")]
    assert [o["code"] for o in review[0]["offers"]] == ["fastt_logement"]
    with pytest.raises(ValidationError, match="déjà ouvert"):
        w.add_barrier("logement")
    w.use_offer(review[0]["barrier_id"], "fastt_logement")
    assert w.state.barriers[0].status is BarrierStatus.IN_PROGRESS
    assert w.pending() == ["Noter le frein « Logement »", "Orienter vers l'offre « FASTT : garantie logement »"]
    # a draft keeps both, and undo removes the offer then the barrier
    again = W.OrientationWizard.from_dict(w.snapshot, w.to_dict())
    assert again.pending() == w.pending()
    w.undo()
    w.undo()
    assert w.state.barriers == ()


def test_referral_over_passed_stages_keeps_both_operations_or_neither():
    w = W.OrientationWizard(snap(pathway=fresh()))
    with pytest.raises(ConsentRequired):
        w.refer("ag-arras", "cipi", skip_reason=SKIP)  # no consent: the step is not kept either
    assert w.operations == [] and w.state.pathway == fresh()
    w.record_consent("ag-arras", ["identite"])
    w.refer("ag-arras", "cipi", skip_reason=SKIP)
    assert [type(op) for op in w.operations] == [W.RecordConsent, W.StepChange, W.Refer]
    o = w.state.pathway.open_step
    assert (o.stage, o.status) == (Stage.AGENCY, StepStatus.IN_PROGRESS)
