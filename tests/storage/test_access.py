"""Right of access (RGPD article 15): ``access.gather`` returns everything held about one person,
nothing about anyone else, health only as a flag, and records its own read in the audit journal."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from conseiller_app.domain import pathway as P
from conseiller_app.domain.enums import Funder, OutcomeCategory, StepReason, StepStatus
from conseiller_app.domain.errors import NotFound
from conseiller_app.storage import models as m
from conseiller_app.storage.services import access, beneficiaries, drafts, followup, pathway, referrals, sessions

AGENCY = "6a1f0c2e-0000-4000-8000-000000000001"
AGENCY_NAME = "Intérim Exemple Arras (fictive)"


def make_file(ctx, last, first, **extra) -> str:
    data = {"last_name": last, "first_name": first, "birth_date": "1988-06-15", "commune": "Arras", "public": "rsa"}
    data.update(extra)
    return beneficiaries.create(ctx, data)


@pytest.fixture
def two_people(ctx):
    """Zoé with a rich file, and Bertrand (another person) with his own consent, referral and session."""
    bid = make_file(ctx, "Lefèvre", "Zoé", phone="06 12 34 56 78", email="zoe@exemple.fr", caf_number="1234567",
                    france_travail_id="12345678901", rqth=True, notes="Rencontrée à l'accueil de la MDS.")
    health = followup.add_barrier(ctx, bid, "sante")
    followup.add_barrier_action(ctx, health, None, "Rendez-vous pris")  # a comment on a health barrier
    mobility = followup.add_barrier(ctx, bid, "mobilite", "pas_de_permis")
    followup.add_barrier_action(ctx, mobility, "ma_mobilite_62", "Dossier déposé")
    followup.record_consent(ctx, bid, partner_kind="agence", partner_name=AGENCY_NAME, partner_id=AGENCY,
                            scope=["identite", "contact"])
    ref = referrals.create(ctx, bid, AGENCY, "cipi", trades=["macon"], send=True).reference
    sid = sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier BTP — Arras", "start_date": "2026-12-07",
                                "commune": "Arras", "place": "MDS d'Arras", "capacity": 10}).id
    sessions.register(ctx, sid, bid)
    drafts.save(ctx, f"beneficiary:{bid}", {"form": {"phone": "06 99 88 77 66"}, "saved_at": "2026-11-28T10:12:00"})

    other = make_file(ctx, "Quérel", "Bertrand", phone="07 81 23 45 67", caf_number="7654321")
    followup.record_consent(ctx, other, partner_kind="agence", partner_name=AGENCY_NAME, partner_id=AGENCY,
                            scope=["identite"])
    other_ref = referrals.create(ctx, other, AGENCY, "cdpi").reference
    sessions.register(ctx, sid, other)
    beneficiaries.get(ctx, other)
    return bid, ref, other, other_ref


def test_everything_held_about_the_person(ctx, two_people):
    bid, ref, _, _ = two_people
    data = access.gather(ctx, bid)
    identity = {x["field"]: x["value"] for x in data["identity"]}
    assert identity["last_name"] == "Lefèvre" and identity["first_name"] == "Zoé"
    assert identity["phone"] == "06 12 34 56 78" and identity["caf_number"] == "1234567"
    assert identity["france_travail_id"] == "12345678901" and identity["rqth"] == "oui"
    assert identity["commune"] == "62000 Arras" and identity["public"] == "Allocataire du RSA"
    assert data["controller"]["name"] == "Département du Pas-de-Calais"
    assert data["controller"]["conseiller"] == "Marie Dupont" and data["controller"]["office"] == "MDS Arras"
    assert data["retention"]["months"] == 24 and data["retention"]["kept_at_least_until"] == date(2028, 11, 28)
    assert [c["partner_name"] for c in data["consents"]] == [AGENCY_NAME]
    assert data["consents"][0]["scope_labels"] == ["Identité", "Coordonnées"]
    assert data["consents"][0]["recorded_by"] == "Marie Dupont"
    assert [r["reference"] for r in data["referrals"]] == [ref]
    assert data["referrals"][0]["status_label"] == "Envoyée" and data["referrals"][0]["trades"] == ["Maçon"]
    assert [(x["session_title"], x["status_label"]) for x in data["registrations"]] == [("Atelier BTP — Arras",
                                                                                         "Inscrit·e")]
    assert [s["stage_label"] for s in data["steps"]][:2] == ["Repérage", "Atelier de sensibilisation BTP"]
    assert data["notes"] == "Rencontrée à l'accueil de la MDS."
    assert data["drafts"][0]["items"] == ["Téléphone : 06 99 88 77 66"]
    actions = [e["action"] for e in data["audit"]]
    assert actions[0] == "create" and actions[-1] == "access_report"  # its own read is listed
    assert "consent_recorded" in actions and "referral_created" in actions


def test_health_is_a_flag_only(ctx, two_people):
    bid = two_people[0]
    barriers = {b["type"]: b for b in access.gather(ctx, bid)["barriers"]}
    assert barriers["sante"]["health_flag_only"] and barriers["sante"]["status_label"] == "En cours de levée"
    assert [a["comment"] for a in barriers["sante"]["actions"]] == [""]  # no free text about health
    assert barriers["mobilite"]["actions"][0] == {"done_on": date(2026, 11, 28), "offer": "ma mobilité 62",
                                                  "comment": "Dossier déposé"}
    assert barriers["mobilite"]["subtype_label"] == "Pas de permis"


def test_nothing_of_another_person(ctx, two_people):
    bid, _, other, other_ref = two_people
    text = repr(access.gather(ctx, bid))
    for secret in ("Quérel", "Bertrand", "07 81 23", "7654321", other_ref, other):
        assert secret not in text, secret


def test_the_read_is_audited(ctx, vault, two_people):
    bid = two_people[0]
    access.gather(ctx, bid)
    with vault.session() as s:
        rows = s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "access_report")).all()
    assert [(r.beneficiary_id, r.details) for r in rows] == [(bid, {})]


def test_pathway_funding_and_outcome_labels(ctx):
    bid = make_file(ctx, "Dupré", "Anaïs")
    today = ctx.today()
    pathway.apply(ctx, bid, [
        P.Propose(stage=P.Stage.PREP_COURSE, on=today, skip_reason=StepReason.ALREADY_EXPERIENCED),
        P.SetDetails(index=3, scheme="sas_preparatoire", funder=Funder.DEPARTEMENT, amount_cents=123456),
        P.Close(outcome=OutcomeCategory.DURABLE_JOB, on=today, end_status=StepStatus.NOT_DONE,
                end_reason=StepReason.FOUND_JOB),
    ])
    steps = access.gather(ctx, bid)["steps"]
    sas = next(s for s in steps if s["stage"] == "sas")
    assert sas["funder_label"] == "Département" and sas["funded_amount_cents"] == 123456
    assert sas["status_label"] == "Non réalisée" and sas["reason_label"] == "Emploi trouvé"
    assert sas["scheme_label"] and sas["scheme_label"] != "sas_preparatoire"
    skipped = next(s for s in steps if s["stage"] == "decouverte")
    assert skipped["status_label"] == "Étape passée" and skipped["reason_label"] == "Expérience déjà acquise"
    assert any(s["outcome_label"] == "Emploi durable" for s in steps)


def test_unknown_file(ctx):
    with pytest.raises(NotFound):
        access.gather(ctx, "00000000-0000-0000-0000-000000000000")


def test_add_months_clamps_the_day():
    assert access.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert access.add_months(date(2026, 11, 28), 24) == date(2028, 11, 28)
