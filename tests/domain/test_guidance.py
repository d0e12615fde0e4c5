"""Guidance (« prochaine étape conseillée »): one test per case, each checking the French reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from conseiller_app.domain import guidance as g
from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import (
    BarrierStatus,
    BarrierType,
    ConsentScope,
    OutcomeCategory,
    PartnerKind,
    Public,
    ReferralStatus,
    RegistrationStatus,
    SessionKind,
    Stage,
    StepReason,
)

TODAY = date(2026, 11, 28)
ARRAS, LENS, CALAIS = "62041", "62498", "62193"
MOBILITY_OFFERS = (g.OfferInfo("ma_mobilite_62", "ma mobilité 62", BarrierType.MOBILITY),
                   g.OfferInfo("fastt_mobilite", "FASTT : aide à la mobilité", BarrierType.MOBILITY))
OFFERS = (*MOBILITY_OFFERS, g.OfferInfo("fastt_garde", "FASTT : garde d'enfants", BarrierType.CHILDCARE))


def session(id_, kind=SessionKind.AWARENESS, days=10, territory="arrageois", commune=ARRAS, seats=5,
            name="Arrageois"):
    start = TODAY + timedelta(days=days)
    return g.SessionInfo(id_, kind, f"{kind.label} {id_}", start, start, territory, seats, commune, name)


def facts(pathway=None, **kw) -> g.FileFacts:
    base = dict(today=TODAY, public=Public.RSA, birth_date=date(1985, 5, 1), commune_insee=ARRAS,
                territory="arrageois", pathway=pathway or P.Pathway.new(date(2026, 9, 1)), offers=OFFERS)
    base.update(kw)
    return g.FileFacts(**base)


def done_until(stage: Stage) -> P.Pathway:
    p = P.Pathway.new(date(2026, 1, 5))
    for s in P.ORDINARY_STAGES:
        if s.order > stage.order:
            break
        p = p.apply(P.Propose(s, date(2026, 6, 1)), TODAY).apply(P.Complete(date(2026, 6, 2)), TODAY)
    return p


def codes(items):
    return [x.code for x in items]


def consent(kind=PartnerKind.AGENCY, withdrawn=None):
    return g.ConsentInfo("c1", kind, "Intérim Exemple Arras (fictive)", (ConsentScope.IDENTITY, ConsentScope.CONTACT),
                         date(2026, 10, 1), "agency-1", withdrawn)


def test_no_atelier_yet_proposes_the_next_atelier_in_the_territory_with_seats():
    sessions = [session("far", territory="lens_lievin", commune=LENS, days=3, name="Lens-Liévin"),
                session("full", days=4, seats=0), session("later", days=20), session("soon", days=10),
                session("taster", kind=SessionKind.TASTER, days=5)]
    out = g.suggest(facts(sessions=sessions))
    first = out[0]
    assert first.code is g.Code.NEXT_SESSION and first.session_id == "soon"
    assert "Pas encore d'atelier" in first.reason and "1 place" not in first.reason and "5 places" in first.reason
    assert first.action == P.Propose(Stage.AWARENESS, TODAY)


def test_no_atelier_and_none_scheduled_says_so():
    out = g.suggest(facts(sessions=[session("x", territory="calaisis", commune=CALAIS, name="Calaisis")]))
    assert out[0].code is g.Code.NO_SESSION
    assert "Aucune session" in out[0].reason


def test_neighbouring_territory_when_none_in_the_territory():
    out = g.suggest(facts(sessions=[session("lens", territory="lens_lievin", commune=LENS, name="Lens-Liévin")]))
    assert out[0].code is g.Code.NEXT_SESSION and "territoire voisin (Lens-Liévin)" in out[0].reason


def test_mobility_barrier_and_far_session_propose_the_mobility_offer_first():
    barrier = g.BarrierInfo("b1", BarrierType.MOBILITY, BarrierStatus.IDENTIFIED, "pas_de_permis")
    out = g.suggest(facts(barriers=[barrier],
                          sessions=[session("lens", territory="lens_lievin", commune=LENS, name="Lens-Liévin")]))
    assert codes(out)[:2] == [g.Code.MOBILITY_FIRST, g.Code.NEXT_SESSION]
    assert "frein mobilité" in out[0].reason and "plus de 25 km" in out[0].reason
    assert out[0].offer_codes == ("ma_mobilite_62", "fastt_mobilite")
    # with measured distances, 32 km triggers it and the reason gives the figure
    coords = {ARRAS: (50.2910, 2.7775), LENS: (50.4320, 2.8300)}  # approximate centres (test data)
    near = g.suggest(facts(barriers=[barrier], coords=coords,
                           sessions=[session("lens", territory="lens_lievin", commune=LENS)]))
    assert near[0].code is g.Code.NEXT_SESSION  # ~16 km: no mobility detour
    far = g.suggest(facts(barriers=[barrier], coords={ARRAS: (50.29, 2.78), LENS: (50.58, 2.83)},
                          sessions=[session("lens", territory="lens_lievin", commune=LENS)]))
    assert far[0].code is g.Code.MOBILITY_FIRST and "km" in far[0].reason


def test_mobility_barrier_with_a_session_in_the_territory_needs_no_detour():
    barrier = g.BarrierInfo("b1", BarrierType.MOBILITY, BarrierStatus.IN_PROGRESS, offers_used=("ma_mobilite_62",))
    out = g.suggest(facts(barriers=[barrier], sessions=[session("arras")]))
    assert g.Code.MOBILITY_FIRST not in codes(out) and out[0].code is g.Code.NEXT_SESSION


def test_atelier_done_proposes_a_taster():
    out = g.suggest(facts(done_until(Stage.AWARENESS), sessions=[session("t", kind=SessionKind.TASTER)]))
    assert out[0].code is g.Code.NEXT_SESSION and out[0].stage is Stage.TASTER
    assert "découverte métiers" in out[0].reason


def test_taster_done_proposes_a_prep_course_only_when_the_person_is_interested():
    sas = [session("sas", kind=SessionKind.PREP_COURSE)]
    out = g.suggest(facts(done_until(Stage.TASTER), sessions=sas, sas_interest=True))
    assert out[0].stage is Stage.PREP_COURSE and out[0].session_id == "sas"
    assert "Découverte métiers réalisée le 02/06/2026, projet confirmé : proposer un SAS" in out[0].reason
    # not asked yet: ask first, no SAS session offered
    ask = g.suggest(facts(done_until(Stage.TASTER), sessions=sas))
    assert ask[0].code is g.Code.SAS_INTEREST and ask[0].session_id is None
    assert "manifeste son intérêt" in ask[0].reason
    assert all(x.session_id != "sas" for x in ask)
    # not interested: on to the agency, still no SAS
    no = g.suggest(facts(done_until(Stage.TASTER), sessions=sas, sas_interest=False))
    assert no[0].stage is Stage.AGENCY and "Pas d'intérêt pour le SAS" in no[0].reason
    assert all(x.session_id != "sas" for x in no)


def test_rsa_recipient_starting_a_mission_gets_the_point_conseils_interimaire_proposed():
    p = done_until(Stage.TRAINING).apply(P.Propose(Stage.JOB, date(2026, 11, 1)), TODAY)
    p = p.apply(P.Plan(date(2026, 11, 20), date(2027, 2, 20)), TODAY)
    out = g.suggest(facts(p))
    assert g.Code.PROPOSE_PCI in codes(out)
    pci = next(x for x in out if x.code is g.Code.PROPOSE_PCI)
    assert "mission-formation" in pci.reason
    assert g.Code.PROPOSE_PCI not in codes(g.suggest(facts(p, pci_count=1)))
    assert g.Code.PROPOSE_PCI not in codes(g.suggest(facts(p, public=Public.IAE)))
    # a referral « en mission » is enough, whatever the pathway says
    r = g.ReferralInfo("r1", "REF-1", ReferralStatus.IN_MISSION, date(2026, 11, 20), "Agence")
    assert g.Code.PROPOSE_PCI in codes(g.suggest(facts(done_until(Stage.AGENCY), referrals=[r])))
    assert g.Code.PROPOSE_PCI not in codes(g.suggest(facts(done_until(Stage.AGENCY))))


def test_no_consent_means_no_referral_yet():
    out = g.suggest(facts(done_until(Stage.PREP_COURSE)))
    assert out[0].code is g.Code.NO_CONSENT
    assert "impossible pour l'instant" in out[0].reason
    withdrawn = g.suggest(facts(done_until(Stage.PREP_COURSE), consents=[consent(withdrawn=date(2026, 11, 1))]))
    assert withdrawn[0].code is g.Code.NO_CONSENT
    other_partner = g.suggest(facts(done_until(Stage.PREP_COURSE), consents=[consent(kind=PartnerKind.FASTT)]))
    assert other_partner[0].code is g.Code.NO_CONSENT


def test_consent_recorded_proposes_the_referral():
    agencies = [g.AgencyInfo("agency-1", "Intérim Exemple Arras (fictive)", "arrageois")]
    out = g.suggest(facts(done_until(Stage.PREP_COURSE), consents=[consent()], agencies=agencies))
    assert out[0].code is g.Code.REFER_AGENCY and out[0].agency_ids == ("agency-1",)
    assert "SAS préparatoire réalisé" in out[0].reason


def test_referral_without_news_for_30_days():
    old = g.ReferralInfo("r1", "OR-2026-ABCD-000001", ReferralStatus.SENT, TODAY - timedelta(days=30), "Agence A")
    fresh = g.ReferralInfo("r2", "OR-2026-ABCD-000002", ReferralStatus.SENT, TODAY - timedelta(days=29), "Agence B")
    out = g.suggest(facts(referrals=[old, fresh]))
    stale = [x for x in out if x.code is g.Code.REFERRAL_NO_NEWS]
    assert [x.referral_id for x in stale] == ["r1"]
    assert "sans nouvelles depuis 30 jours" in stale[0].reason and "OR-2026-ABCD-000001" in stale[0].reason


def closed(on: date) -> P.Pathway:
    return done_until(Stage.JOB).apply(P.Close(OutcomeCategory.DURABLE_JOB, on), on)


def test_post_exit_follow_ups_at_3_6_12_months():
    p = closed(date(2026, 8, 20))
    out = g.suggest(facts(p))  # due 20/11/2026: 8 days late
    assert out[0].code is g.Code.FOLLOW_UP_DUE and "3 mois" in out[0].title
    assert "prévu le 20/11/2026, en retard de 8 jours" in out[0].reason
    assert out[0].action == P.Propose(Stage.FOLLOW_UP, TODAY)
    early = g.suggest(facts(closed(date(2026, 9, 20))))  # due 20/12: more than 14 days ahead
    assert g.Code.FOLLOW_UP_DUE not in codes(early)
    after_first = p.apply(P.Propose(Stage.FOLLOW_UP, TODAY), TODAY).apply(P.Complete(TODAY), TODAY)
    assert g.Code.FOLLOW_UP_DUE not in codes(g.suggest(facts(after_first)))  # 6 months: February
    later = facts(after_first, today=date(2027, 2, 15))
    assert "6 mois" in g.suggest(later)[0].title


def test_attendance_not_recorded_after_the_session():
    reg = g.RegistrationInfo("s1", RegistrationStatus.REGISTERED, SessionKind.AWARENESS, "Atelier d'Arras",
                             TODAY - timedelta(days=3), TODAY - timedelta(days=3))
    out = g.suggest(facts(registrations=[reg]))
    assert out[0].code is g.Code.ATTENDANCE_MISSING and "Atelier d'Arras" in out[0].reason


def test_waiting_list_with_another_session_free():
    reg = g.RegistrationInfo("full", RegistrationStatus.WAITING, SessionKind.AWARENESS, "Atelier complet",
                             TODAY + timedelta(days=5), TODAY + timedelta(days=5))
    out = g.suggest(facts(registrations=[reg], sessions=[session("other", days=15)]))
    assert out[0].code is g.Code.WAITING_LIST and "liste d'attente" in out[0].reason


def test_registered_person_gets_no_session_suggestion():
    p = P.Pathway.new(date(2026, 9, 1)).apply(P.Propose(Stage.AWARENESS, TODAY), TODAY).apply(
        P.Plan(TODAY + timedelta(days=5), session_id="s1"), TODAY)
    reg = g.RegistrationInfo("s1", RegistrationStatus.REGISTERED, SessionKind.AWARENESS, "Atelier",
                             TODAY + timedelta(days=5), TODAY + timedelta(days=5))
    assert g.suggest(facts(p, registrations=[reg], sessions=[session("other")])) == []


def test_suspended_pathway():
    p = done_until(Stage.AWARENESS).apply(P.Propose(Stage.TASTER, TODAY), TODAY).apply(
        P.Suspend(StepReason.HEALTH), TODAY)
    out = g.suggest(facts(p, sessions=[session("t", kind=SessionKind.TASTER)]))
    assert codes(out) == [g.Code.SUSPENDED] and "raison de santé" in out[0].reason


def test_open_barrier_with_offers():
    barrier = g.BarrierInfo("b2", BarrierType.CHILDCARE, BarrierStatus.IDENTIFIED)
    out = g.suggest(facts(barriers=[barrier]))
    offer = [x for x in out if x.code is g.Code.BARRIER_OFFER]
    assert offer and offer[0].offer_codes == ("fastt_garde",) and "Garde d'enfants" in offer[0].reason
    used = replace(barrier, offers_used=("fastt_garde",))
    assert g.Code.BARRIER_OFFER not in codes(g.suggest(facts(barriers=[used])))


def test_no_offer_pushed_once_one_was_mobilised_for_the_barrier():
    """Mobility has two offers: after « ma mobilité 62 » was mobilised, the advice used to go on
    saying « proposer une offre » (the other one), and « proposez d'abord ma mobilité 62 »."""
    used = g.BarrierInfo("b1", BarrierType.MOBILITY, BarrierStatus.IN_PROGRESS, offers_used=("ma_mobilite_62",))
    out = g.suggest(facts(barriers=[used]))
    assert g.Code.BARRIER_OFFER not in codes(out)
    far = g.suggest(facts(barriers=[used],
                          sessions=[session("lens", territory="lens_lievin", commune=LENS, name="Lens-Liévin")]))
    first = far[0]
    assert first.code is g.Code.MOBILITY_FIRST and first.title == "Vérifier le trajet"
    assert "proposez" not in first.reason and "« ma mobilité 62 » mobilisée" in first.reason


def test_rsa_recipient_at_agency_stage_gets_tremplin_rsa():
    out = g.suggest(facts(done_until(Stage.AGENCY)))
    assert out[0].code is g.Code.TREMPLIN_RSA and "Tremplin RSA" in out[0].reason
    young = g.suggest(facts(done_until(Stage.AGENCY), public=Public.JEUNE, birth_date=date(2004, 1, 1)))
    assert young[0].code is g.Code.PROPOSE_STAGE


def test_walk_in_file_to_complete_and_public_age():
    out = g.suggest(facts(to_complete=True, public=Public.JEUNE, birth_date=date(2000, 1, 1)))
    assert {g.Code.COMPLETE_FILE, g.Code.PUBLIC_AGE} <= set(codes(out))
    assert any("26 ans" in x.reason for x in out)


def test_short_list_sorted_by_priority():
    many = [g.ReferralInfo(f"r{i}", f"OR-2026-ABCD-00000{i}", ReferralStatus.RECEIVED, TODAY - timedelta(days=40), "A")
            for i in range(8)]
    out = g.suggest(facts(referrals=many, to_complete=True))
    assert len(out) == g.DEFAULT_LIMIT and all(x.code is g.Code.REFERRAL_NO_NEWS for x in out)
    assert [x.priority for x in out] == sorted(x.priority for x in out)
    assert all(x.to_dict()["reason"] for x in out)


def test_a_stage_already_proposed_is_to_be_planned_not_proposed_again():
    p = done_until(Stage.AGENCY_PREP).apply(P.Propose(Stage.TRAINING, date(2026, 6, 3)), TODAY)
    out = [s for s in g.suggest(facts(p)) if s.code is g.Code.PROPOSE_STAGE]
    assert [s.title for s in out] == ["Planifier : Formation sous statut salarié"]
    assert "proposée depuis le 03/06/2026" in out[0].reason
    assert out[0].action is None
