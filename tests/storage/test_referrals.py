"""Referrals: refused without consent (with a message saying how to fix it) then accepted once
consent is recorded; statuses with dates and reasons; no news for 30 days; unique references;
the printed data limited to the consent's scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conseiller_app.domain import referral as rules
from conseiller_app.domain.errors import ValidationError
from conseiller_app.storage.services import beneficiaries, followup, pathway, referrals

ARRAS_AGENCY = "6a1f0c2e-0000-4000-8000-000000000001"


def person(ctx, **kw):
    data = {"last_name": "N'Diaye", "first_name": "Aïssatou", "birth_date": "1992-07-14", "commune": "Arras",
            "public": "rsa", "phone": "06 12 34 56 78", "email": "a.ndiaye@exemple.fr"}
    data.update(kw)
    return beneficiaries.create(ctx, data)


def consent(ctx, bid, scope=("identite", "parcours"), agency=ARRAS_AGENCY, name="Intérim Exemple Arras (fictive)"):
    return followup.record_consent(ctx, bid, partner_kind="agence", partner_name=name, partner_id=agency,
                                   scope=list(scope))


def test_refused_without_consent_then_accepted_after_consent(ctx):
    bid = person(ctx)
    check = referrals.consent_check(ctx, bid, ARRAS_AGENCY)
    assert not check.ok and check.partner_id == ARRAS_AGENCY and check.partner_kind == "agence"
    with pytest.raises(rules.ConsentRequired) as exc:
        referrals.create(ctx, bid, ARRAS_AGENCY, "cipi")
    msg = exc.value.message
    assert "Aucun consentement" in msg and "onglet « Consentements »" in msg and "recommencez" in msg
    assert exc.value.partner_name == "Intérim Exemple Arras (fictive)"
    assert referrals.list_referrals(ctx) == []  # nothing written
    # a consent for another agency does not count
    consent(ctx, bid, agency="6a1f0c2e-0000-4000-8000-000000000002", name="ETTI Exemple Lens (fictive)")
    with pytest.raises(rules.ConsentRequired):
        referrals.create(ctx, bid, ARRAS_AGENCY, "cipi")
    consent(ctx, bid)
    assert referrals.consent_check(ctx, bid, ARRAS_AGENCY).ok
    out = referrals.create(ctx, bid, ARRAS_AGENCY, "cipi", trades=["macon"], barriers_summary="Horaires décalés.")
    assert rules.parse_reference(out.reference)[0] == 2026 and out.status == "brouillon"
    row = referrals.list_referrals(ctx)[0]
    assert row.consent_state == "valid" and row.beneficiary_id == bid


def test_consent_by_name_and_identity_scope(ctx):
    bid = person(ctx)
    followup.record_consent(ctx, bid, partner_kind="agence", partner_name="interim exemple arras (FICTIVE)",
                            scope=["contact"])
    with pytest.raises(rules.ConsentRequired) as exc:
        referrals.create(ctx, bid, ARRAS_AGENCY, "mission")
    assert "ne couvre pas l'identité" in exc.value.message
    followup.record_consent(ctx, bid, partner_kind="agence", partner_name="Interim Exemple Arras (fictive)",
                            scope=["identite"])
    assert referrals.create(ctx, bid, ARRAS_AGENCY, "mission").status == "brouillon"


def test_statuses_dates_and_reasons(ctx, clock):
    bid = person(ctx)
    consent(ctx, bid)
    ref = referrals.create(ctx, bid, ARRAS_AGENCY, "tremplin_rsa").reference
    with pytest.raises(ValidationError) as exc:
        referrals.set_status(ctx, ref, "positionne")
    assert "Envoyée" in exc.value.message  # says what is possible
    referrals.send(ctx, ref)
    clock.value += timedelta(days=3)
    referrals.set_status(ctx, ref, "recue")
    with pytest.raises(ValidationError):
        referrals.set_status(ctx, ref, "refusee")  # needs a reason
    with pytest.raises(ValidationError):
        referrals.set_status(ctx, ref, "entretien_planifie", on=clock.value - timedelta(days=10))  # before last
    out = referrals.set_status(ctx, ref.lower(), "refusee", refusal_reason="non_mobile")
    got = referrals.get(ctx, ref)
    assert (got.status, got.refusal_reason_label, got.status_date) == (
        "refusee", "Personne non mobile", clock.value)
    with pytest.raises(ValidationError) as exc:
        referrals.set_status(ctx, ref, "recue")
    assert "ne change plus" in exc.value.message
    assert out.version > 1


def test_no_news_after_30_days(ctx, clock):
    bid = person(ctx)
    consent(ctx, bid)
    a = referrals.create(ctx, bid, ARRAS_AGENCY, "cipi", send=True).reference
    b = referrals.create(ctx, bid, ARRAS_AGENCY, "cdpi").reference  # a draft is never "without news"
    clock.value += timedelta(days=29)
    assert referrals.list_referrals(ctx, no_news_only=True) == []
    clock.value += timedelta(days=1)
    stale = referrals.list_referrals(ctx, no_news_only=True)
    assert [r.reference for r in stale] == [a] and stale[0].days_since == 30
    assert {r.reference: r.no_news for r in referrals.list_referrals(ctx)} == {a: True, b: False}
    referrals.set_status(ctx, a, "recue")
    assert referrals.list_referrals(ctx, no_news_only=True) == []
    assert any(g.code == "referral_no_news" for g in pathway.guidance(ctx, bid)) is False


def test_references_are_unique_and_sequential(ctx):
    bid = person(ctx)
    consent(ctx, bid)
    refs = [referrals.create(ctx, bid, ARRAS_AGENCY, "mission").reference for _ in range(3)]
    parsed = [rules.parse_reference(r) for r in refs]
    assert [p[2] for p in parsed] == [1, 2, 3] and len({p[1] for p in parsed}) == 1
    assert rules.device_code("device-a") != rules.device_code("device-b")


def test_sending_moves_the_pathway_when_it_can(ctx):
    bid = person(ctx)
    consent(ctx, bid)
    from conseiller_app.domain import pathway as P
    from conseiller_app.domain.enums import Stage, StepReason

    pathway.apply(ctx, bid, [P.Propose(Stage.PREP_COURSE, ctx.today(), skip_reason=StepReason.ALREADY_EXPERIENCED),
                             P.Complete(ctx.today())])
    out = referrals.create(ctx, bid, ARRAS_AGENCY, "cipi", send=True)
    assert out.pathway_note is None
    steps = pathway.get(ctx, bid).steps
    assert (steps[-1].stage, steps[-1].status) == ("positionnement", "en_cours")
    referrals.set_status(ctx, out.reference, "positionne")
    assert pathway.get(ctx, bid).steps[-1].status == "realisee"


def test_form_data_is_limited_to_the_consent_scope(ctx):
    bid = person(ctx)
    followup.add_barrier(ctx, bid, "sante")
    followup.add_barrier(ctx, bid, "garde_enfants")
    consent(ctx, bid, scope=("identite",))
    ref = referrals.create(ctx, bid, ARRAS_AGENCY, "spott", barriers_summary="Garde d'enfants le mercredi.").reference
    data = referrals.form_data(ctx, ref)
    assert set(data["person"]) == {"last_name", "first_name", "birth_date"}
    consent(ctx, bid, scope=("identite", "contact", "freins"))
    data = referrals.form_data(ctx, ref)  # the most recent valid consent applies
    assert data["person"]["phone"] == "06 12 34 56 78"
    assert [b["type_label"] for b in data["person"]["barriers"]] == ["Garde d'enfants / contraintes familiales"]
    assert "steps" not in data["person"] and "public_label" not in data["person"]


def test_printing_is_refused_once_consent_is_withdrawn(ctx, clock):
    bid = person(ctx)
    cid = consent(ctx, bid)
    ref = referrals.create(ctx, bid, ARRAS_AGENCY, "cipi").reference
    followup.withdraw_consent(ctx, cid, on=clock.value)
    assert referrals.list_referrals(ctx)[0].consent_state == "withdrawn"
    with pytest.raises(rules.ConsentRequired) as exc:
        referrals.form_data(ctx, ref)
    assert "retiré son consentement" in exc.value.message
    with pytest.raises(rules.ConsentRequired):
        referrals.send(ctx, ref)
    clock.value = date(2026, 12, 1)


def test_a_consent_names_the_directory_agency_so_the_referral_gate_matches_it(ctx):
    """« ETTI Lens » typed by hand used to be saved as is, and the referral to the directory's
    « ETTI Exemple Lens (fictive) » then asked for a second consent."""
    lens = "6a1f0c2e-0000-4000-8000-000000000002"
    bid = person(ctx)
    with pytest.raises(ValidationError) as exc:
        followup.record_consent(ctx, bid, partner_kind="agence", partner_name="ETTI Lens", scope=["identite"])
    assert exc.value.field == "partner_name" and "annuaire" in exc.value.message
    assert beneficiaries.get(ctx, bid).consents == ()  # nothing written
    # Chosen from the directory: the consent carries the agency's id and its directory name.
    followup.record_consent(ctx, bid, partner_kind="agence", partner_name="", partner_id=lens, scope=["identite"])
    (saved,) = beneficiaries.get(ctx, bid).consents
    assert saved.partner_id == lens and saved.partner_name == "ETTI Exemple Lens (fictive)"
    assert referrals.consent_check(ctx, bid, lens).ok
    referrals.create(ctx, bid, lens, "mission")
    assert len(beneficiaries.get(ctx, bid).consents) == 1
    # Partners outside the directory stay free text.
    followup.record_consent(ctx, bid, partner_kind="autre", partner_name="Mission locale de Lens", scope=["contact"])
