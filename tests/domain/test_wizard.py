"""The guided orientation as a headless state machine: a whole walk from consent to closure,
undo, refusals, filters and draft round trip."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conseiller_app.domain import orientation_wizard as W
from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import (
    BarrierStatus,
    BarrierType,
    RegistrationStatus,
    SessionKind,
    Stage,
    StepStatus,
)
from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.guidance import AgencyInfo, BarrierInfo, OfferInfo, SessionInfo
from conseiller_app.domain.referral import ConsentRequired

TODAY = date(2026, 11, 28)


def snap(pathway=None, **kw) -> W.Snapshot:
    sessions = (
        SessionInfo("atl-arras", SessionKind.AWARENESS, "Atelier BTP Arras", TODAY + timedelta(days=7),
                    TODAY + timedelta(days=7), "arrageois", 1, "62041", "Arrageois", chantier="csne", trades=("macon",)),
        SessionInfo("atl-lens", SessionKind.AWARENESS, "Atelier BTP Lens", TODAY + timedelta(days=3),
                    TODAY + timedelta(days=3), "lens_lievin", 4, "62498", "Lens-Liévin", chantier="erbm",
                    trades=("plaquiste",)),
        SessionInfo("atl-calais", SessionKind.AWARENESS, "Atelier BTP Calais", TODAY + timedelta(days=2),
                    TODAY + timedelta(days=2), "calaisis", 9, "62193", "Calaisis"),
        SessionInfo("atl-past", SessionKind.AWARENESS, "Atelier passé", TODAY - timedelta(days=1),
                    TODAY - timedelta(days=1), "arrageois", 3, "62041", "Arrageois"),
        SessionInfo("atl-noel", SessionKind.AWARENESS, "Atelier de Noël", date(2026, 12, 25), date(2026, 12, 25),
                    "arrageois", 3, "62041", "Arrageois"),
    )
    base = dict(
        beneficiary_id="b1", today=TODAY, commune_insee="62041", territory="arrageois",
        pathway=pathway or P.Pathway.new(date(2026, 9, 1)), public="rsa",
        barriers=(BarrierInfo("bar-1", BarrierType.MOBILITY, BarrierStatus.IDENTIFIED, "pas_de_permis"),),
        sessions=sessions,
        offers=(OfferInfo("ma_mobilite_62", "ma mobilité 62", BarrierType.MOBILITY),
                OfferInfo("fastt_logement", "FASTT : garantie logement", BarrierType.HOUSING)),
        agencies=(AgencyInfo("ag-arras", "Intérim Exemple Arras (fictive)", "arrageois", ("macon",)),
                  AgencyInfo("ag-lens", "ETTI Exemple Lens (fictive)", "lens_lievin", ("plaquiste",))),
        trades=("macon", "plaquiste"),
    )
    base.update(kw)
    return W.Snapshot(**base)


def test_first_page_is_the_first_thing_to_do():
    w = W.OrientationWizard(snap())
    assert w.page is W.Page.CONSENT
    assert "Aucun consentement" in w.page_hint(W.Page.CONSENT)
    assert w.page_status(W.Page.REFERRAL) is W.PageStatus.NOT_NEEDED


def test_whole_flow_then_undo():
    w = W.OrientationWizard(snap())
    # 1. consent
    w.record_consent("ag-arras", ["identite", "contact", "parcours"])
    assert w.page_status(W.Page.CONSENT) is W.PageStatus.DONE
    assert w.next() is W.Page.BARRIERS
    # 2. barriers: the mobility barrier's offer
    review = w.barrier_review()
    assert review[0]["offers"] == [{"code": "ma_mobilite_62", "name": "ma mobilité 62", "used": False}]
    w.use_offer("bar-1", "ma_mobilite_62")
    assert w.state.barriers[0].status is BarrierStatus.IN_PROGRESS
    with pytest.raises(ValidationError):
        w.use_offer("bar-1", "fastt_logement")  # an offer for another barrier
    # 3. session: filtered to the territory and neighbours, soonest in the territory first
    w.next()
    choices = w.session_choices()
    assert [c["id"] for c in choices] == ["atl-arras", "atl-noel", "atl-lens"]
    assert choices[1]["holidays"] == ["Le 25/12/2026 est un jour férié (Noël)."]
    assert [c["id"] for c in w.session_choices(W.SessionFilter(kind=SessionKind.AWARENESS, chantier="erbm"))] == [
        "atl-lens"]
    assert [c["id"] for c in w.session_choices(W.SessionFilter(territory="calaisis"))] == ["atl-calais"]
    w.register("atl-arras")
    assert w.state.pathway.open_step.status is StepStatus.PLANNED
    assert w.page_status(W.Page.SESSION) is W.PageStatus.DONE
    # the last seat is now taken by this pending registration
    assert "atl-arras" not in [c["id"] for c in w.session_choices()]
    assert len(w.pending()) == 3
    assert w.pending()[2] == "Inscrire à « Atelier BTP Arras »"
    # undo the registration: the pathway goes back to no open step
    undone = w.undo()
    assert isinstance(undone, W.Register)
    assert w.state.pathway.open_step is None and len(w.operations) == 2
    data = w.to_dict()
    again = W.OrientationWizard.from_dict(snap(), data)
    assert again.pending() == w.pending() and again.page is w.page


def test_attendance_then_referral_then_closure():
    pathway = P.Pathway.new(date(2026, 9, 1))
    for stage in (Stage.AWARENESS, Stage.TASTER):
        pathway = pathway.apply(P.Propose(stage, date(2026, 10, 1)), TODAY).apply(P.Complete(date(2026, 10, 2)), TODAY)
    pathway = pathway.apply(P.Propose(Stage.PREP_COURSE, date(2026, 10, 5)), TODAY).apply(
        P.Plan(date(2026, 10, 20), date(2026, 11, 20), "sas-1"), TODAY)
    sas = SessionInfo("sas-1", SessionKind.PREP_COURSE, "SAS Arras", date(2026, 10, 20), date(2026, 11, 20),
                      "arrageois", 0, "62041", "Arrageois")
    from conseiller_app.domain.guidance import RegistrationInfo

    reg = RegistrationInfo("sas-1", RegistrationStatus.REGISTERED, SessionKind.PREP_COURSE, "SAS Arras",
                           sas.start_date, sas.end_date)
    w = W.OrientationWizard(snap(pathway, sessions=(*snap().sessions, sas), registrations=(reg,)))
    assert w.page_status(W.Page.ATTENDANCE) is W.PageStatus.TODO
    w.record_attendance("sas-1", "present")
    assert w.state.pathway.last_of(Stage.PREP_COURSE).status is StepStatus.DONE
    assert w.page_status(W.Page.REFERRAL) is W.PageStatus.TODO
    # refer without consent: refused with the French explanation and the partner to prefill
    with pytest.raises(ConsentRequired) as exc:
        w.refer("ag-arras", "cipi", ["macon"], "Pas de permis.")
    assert exc.value.partner_id == "ag-arras" and "Consentements" in exc.value.message
    w.record_consent("ag-arras", ["identite"])
    w.refer("ag-arras", "cipi", ["macon"], "Pas de permis.")
    assert w.state.pathway.open_step.stage is Stage.AGENCY
    assert w.state.pathway.open_step.status is StepStatus.IN_PROGRESS
    assert w.page_status(W.Page.REFERRAL) is W.PageStatus.DONE
    # closing without ending the open step is refused, then done properly
    with pytest.raises(P.TransitionRefused):
        w.close("emploi_durable")
    w.close("emploi_durable", detail="CDI coffreur", end_status="realisee")
    assert w.state.pathway.is_closed and w.page_status(W.Page.CLOSE) is W.PageStatus.DONE
    assert w.pending()[-1] == "Clôturer le parcours : Emploi durable"
    w.undo()
    assert not w.state.pathway.is_closed


def test_registration_to_a_full_session_goes_to_the_waiting_list():
    w = W.OrientationWizard(snap())
    full = SessionInfo("full", SessionKind.AWARENESS, "Complet", TODAY + timedelta(days=4), TODAY + timedelta(days=4),
                       "arrageois", 0, "62041", "Arrageois")
    w = W.OrientationWizard(snap(sessions=(full,)))
    w.register("full")
    assert w.state.registrations[-1].status is RegistrationStatus.WAITING
    assert w.state.pathway.open_step.status is StepStatus.PROPOSED  # proposed, not planned
    with pytest.raises(ValidationError):
        w.register("full")


def test_registration_the_pathway_cannot_follow_gives_a_note():
    taster = SessionInfo("t1", SessionKind.TASTER, "Découverte", TODAY + timedelta(days=4), TODAY + timedelta(days=5),
                         "arrageois", 3, "62041", "Arrageois")
    w = W.OrientationWizard(snap(sessions=(taster,)))
    w.register("t1")  # the atelier was never done: the pathway needs a skip reason
    assert w.state.notes and "passe l’étape" in w.state.notes[0]
    assert w.state.pathway.open_step is None

