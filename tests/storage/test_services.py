"""Services on a real vault: validation per field (nothing written), search, duplicates,
barriers and consents, journals."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from conseiller_app.domain.errors import ValidationError, ValidationErrors
from conseiller_app.storage import models as m
from conseiller_app.storage.journal import verify_audit_chain
from conseiller_app.storage.services import beneficiaries, drafts, followup, search

VALID = {"last_name": "Lefèvre", "first_name": "Jérôme", "birth_date": "1980-05-12", "commune": "Arras",
         "public": "rsa"}


def counts(vault) -> dict[str, int]:
    with vault.session() as s:
        return {t: s.scalar(select(func.count()).select_from(model))
                for t, model in (("b", m.Beneficiary), ("audit", m.AuditEntry), ("change", m.ChangeEntry),
                                 ("tokens", m.BeneficiaryToken), ("steps", m.PathwayStep))}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("last_name", "", "obligatoire"),
        ("last_name", "   ", "obligatoire"),
        ("last_name", "Dupont3", "lettres"),
        ("last_name", "-Dupont", "commencer"),
        ("first_name", "Jean@", "lettres"),
        ("birth_date", "2001-02-30", "n'existe pas"),
        ("birth_date", "31/13/1990", "n'existe pas"),
        ("birth_date", "hier", "format"),
        ("birth_date", "2030-01-01", "futur"),
        ("birth_date", "2015-01-01", "16 ans"),
        ("birth_date", "1900-01-01", "80 ans"),
        ("commune", "Paris", "inconnue"),
        ("commune", "", "obligatoire"),
        ("public", "retraite", "choix possibles"),
        ("phone", "12", "téléphone"),
        ("phone", "+44 20 7946 0958", "français"),
        ("email", "pas-une-adresse", "e-mail"),
        ("caf_number", "12ab", "7 chiffres"),
        ("spotting_date", "2031-01-01", "futur"),
        ("notes", "NIR 1 85 05 78 006 084 36", "sécurité sociale"),
    ],
)
def test_each_invalid_field_is_named_in_french_and_nothing_is_written(ctx, vault, field, value, message):
    before = counts(vault)
    data = dict(VALID, **{field: value})
    with pytest.raises(ValidationError) as err:
        beneficiaries.create(ctx, data)
    errors = err.value.errors if isinstance(err.value, ValidationErrors) else [err.value]
    assert [e.field for e in errors] == [field]
    assert message in errors[0].message
    assert counts(vault) == before


def test_all_invalid_fields_are_reported_at_once(ctx):
    with pytest.raises(ValidationErrors) as err:
        beneficiaries.create(ctx, {"last_name": "", "first_name": "", "birth_date": "", "commune": "", "public": ""})
    assert set(err.value.by_field()) == {"last_name", "first_name", "birth_date", "commune", "public"}


def test_jeune_requires_under_26(ctx, clock):
    clock.value = date(2026, 11, 28)
    with pytest.raises(ValidationError) as err:
        beneficiaries.create(ctx, dict(VALID, public="jeune"))
    assert err.value.field == "public"
    bid = beneficiaries.create(ctx, dict(VALID, public="jeune", birth_date="2002-01-01"))
    assert beneficiaries.get(ctx, bid).under_26 is True


def test_names_are_trimmed_and_unicode_apostrophes_and_hyphens_kept(ctx):
    bid = beneficiaries.create(ctx, dict(VALID, last_name="  N’Diaye-Ørsted ", first_name=" Zoë  Anne "))
    f = beneficiaries.get(ctx, bid)
    assert (f.last_name, f.first_name) == ("N’Diaye-Ørsted", "Zoë Anne")


def test_phone_is_stored_normalised_and_shown_french(ctx):
    bid = beneficiaries.create(ctx, dict(VALID, phone="06.12.34.56.78"))
    f = beneficiaries.get(ctx, bid)
    assert f.phone == "+33612345678"
    assert f.phone_display == "06 12 34 56 78"


def test_commune_by_insee_code_postal_code_or_name(ctx):
    assert beneficiaries.get(ctx, beneficiaries.create(ctx, dict(VALID, commune="62041"))).commune_name == "Arras"
    assert (
        beneficiaries.get(ctx, beneficiaries.create(ctx, dict(VALID, commune="béthune"))).commune_name == "Béthune"
    )
    assert (
        beneficiaries.get(ctx, beneficiaries.create(ctx, dict(VALID, commune="62110"))).commune_name
        == "Hénin-Beaumont"
    )
    with pytest.raises(ValidationError) as err:  # 62000 is the postal code of Arras and Dainville
        beneficiaries.create(ctx, dict(VALID, commune="62000"))
    assert "2 communes correspondent" in err.value.message


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("Lefèvre", "lefevre"), ("N'Diaye", "ndiaye"), ("N'Diaye", "n'dia"), ("N'Diaye", "diaye"),
     ("Œuvrard", "oeuv"), ("Dupré-Lagarde", "lagarde"), ("Dupré-Lagarde", "DUPRELAG"), ("Çelik", "celik")],
)
def test_search_is_accent_case_and_apostrophe_insensitive(ctx, stored, typed):
    bid = beneficiaries.create(ctx, dict(VALID, last_name=stored))
    beneficiaries.create(ctx, dict(VALID, last_name="Martin"))
    assert [r.id for r in search.search(ctx, typed)] == [bid]


def test_search_by_first_and_last_name_caf_and_commune(ctx):
    a = beneficiaries.create(
        ctx, dict(VALID, first_name="Aïcha", last_name="Benali", caf_number="1234567", commune="Lens")
    )
    b = beneficiaries.create(ctx, dict(VALID, first_name="Jérôme", last_name="Benali", commune="Arras"))
    assert {r.id for r in search.search(ctx, "benali")} == {a, b}
    assert [r.id for r in search.search(ctx, "benali aich")] == [a]
    assert [r.id for r in search.search(ctx, "aicha benali")] == [a]
    assert [r.id for r in search.search(ctx, "1234567")] == [a]
    assert [r.id for r in search.search(ctx, "lens")] == [a]
    assert search.search(ctx, "zzz") == []


def test_search_filters_and_sorting(ctx):
    young = beneficiaries.create(
        ctx, dict(VALID, last_name="Alpha", public="jeune", birth_date="2004-01-01", commune="Lens")
    )
    old = beneficiaries.create(ctx, dict(VALID, last_name="Bravo", birth_date="1970-01-01", commune="Arras"))
    followup.add_barrier(ctx, old, "mobilite", "pas_de_permis")
    q = search.Query
    flt = search.Filters
    assert search.search_ids(ctx, q(filters=flt(territory="lens_lievin"))) == [young]
    assert search.search_ids(ctx, q(filters=flt(public="rsa"))) == [old]
    assert search.search_ids(ctx, q(filters=flt(barrier_type="mobilite"))) == [old]
    assert search.search_ids(ctx, q(filters=flt(stage="reperage"))) == [young, old]
    assert search.search_ids(ctx, q(filters=flt(referent_id=ctx.actor_id))) == [young, old]
    assert search.search_ids(ctx, q(sort="name", descending=True)) == [old, young]
    assert search.search_ids(ctx, q(sort="age")) == [young, old]
    assert search.search_ids(ctx, q(sort="commune")) == [old, young]  # Arras before Lens
    barrier = beneficiaries.get(ctx, old).barriers[0].id
    followup.set_barrier_status(ctx, barrier, "leve")
    assert search.search_ids(ctx, q(filters=flt(barrier_type="mobilite"))) == []
    beneficiaries.archive(ctx, young)
    assert search.search_ids(ctx, q()) == [old]
    assert search.search_ids(ctx, q(filters=flt(include_archived=True))) == [young, old]


def test_search_index_follows_renames(ctx):
    bid = beneficiaries.create(ctx, VALID)
    beneficiaries.update(ctx, bid, {"last_name": "Vandenbroucke"})
    assert search.search(ctx, "lefevre") == []
    assert [r.id for r in search.search(ctx, "vanden")] == [bid]


def test_duplicates_same_name_and_birth_date_or_same_caf(ctx):
    first = beneficiaries.create(ctx, dict(VALID, last_name="N'Diaye", first_name="Awa", caf_number="7654321"))
    dup = beneficiaries.find_duplicates(ctx, {"last_name": "ndiaye", "first_name": "AWA", "birth_date": "12/05/1980"})
    assert [d.id for d in dup] == [first]
    assert "même nom" in dup[0].reason
    by_caf = beneficiaries.find_duplicates(ctx, {"last_name": "Autre", "first_name": "Nom", "caf_number": "765 4321"})
    assert [d.reason for d in by_caf] == ["même numéro CAF"]
    assert (
        beneficiaries.find_duplicates(ctx, {"last_name": "Autre", "first_name": "Nom", "birth_date": "1980-05-12"})
        == []
    )


def test_update_validates_and_journals(ctx, vault):
    bid = beneficiaries.create(ctx, VALID)
    before = counts(vault)
    with pytest.raises(ValidationError):
        beneficiaries.update(ctx, bid, {"email": "faux"})
    assert counts(vault) == before
    version = beneficiaries.update(ctx, bid, {"email": "jerome.lefevre@exemple.fr"}, expected_version=1)
    assert version == 2
    with pytest.raises(ValidationError) as err:
        beneficiaries.update(ctx, bid, {"email": "autre@exemple.fr"}, expected_version=1)
    assert err.value.field == "version"
    with vault.session() as s:
        changes = list(
            s.scalars(select(m.ChangeEntry).where(m.ChangeEntry.entity_id == bid).order_by(m.ChangeEntry.seq))
        )
        assert [(c.op, c.version) for c in changes] == [("insert", 1), ("update", 2)]
        assert changes[-1].data["email"] == "jerome.lefevre@exemple.fr"
    trail = followup.audit_trail(ctx, bid)
    assert [e.action for e in trail][:2] == ["update", "create"]
    assert trail[0].details == {"fields": ["email"]}  # field names, never values


def test_reads_are_audited_with_who(ctx):
    bid = beneficiaries.create(ctx, VALID)
    beneficiaries.get(ctx, bid)
    trail = followup.audit_trail(ctx, bid)
    assert trail[0].action == "read" and trail[0].who == "Marie Dupont"


def test_barriers_actions_and_consents(ctx):
    bid = beneficiaries.create(ctx, VALID)
    barrier = followup.add_barrier(ctx, bid, "mobilite", "permis_sans_vehicule")
    with pytest.raises(ValidationError):
        followup.add_barrier(ctx, bid, "mobilite")
    with pytest.raises(ValidationError):
        followup.add_barrier(ctx, bid, "logement", "pas_de_permis")
    followup.add_barrier_action(ctx, barrier, "ma_mobilite_62", "Inscription faite")
    consent = followup.record_consent(ctx, bid, partner_kind="agence", partner_name="Intérim Exemple Arras (fictive)",
                                      scope=["identite", "contact"])
    with pytest.raises(ValidationError) as err:
        followup.record_consent(ctx, bid, partner_kind="agence", partner_name="X", scope=[])
    assert err.value.field == "scope"
    f = beneficiaries.get(ctx, bid)
    assert f.barriers[0].status == "en_cours"
    assert f.barriers[0].actions[0].offer_code == "ma_mobilite_62"
    assert f.consents[0].recorded_by == "Marie Dupont"
    followup.withdraw_consent(ctx, consent)
    assert beneficiaries.get(ctx, bid).consents[0].withdrawn_on is not None


def test_drafts_round_trip(ctx):
    drafts.save(ctx, "new:1", {"last_name": "Brouillon"})
    drafts.save(ctx, "new:1", {"last_name": "Brouillon 2"})
    assert drafts.load(ctx, "new:1") == {"last_name": "Brouillon 2"}
    assert drafts.keys(ctx) == ["new:1"]
    drafts.discard(ctx, "new:1")
    assert drafts.load(ctx, "new:1") is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=2, max_size=12))
def test_any_unicode_letters_name_is_accepted_and_found(ctx, vault, name):
    bid = beneficiaries.create(ctx, dict(VALID, last_name=name))
    typed = name.upper()
    ids = [r.id for r in search.search(ctx, typed, limit=1000)]
    assert bid in ids
    with vault.session() as s:
        assert verify_audit_chain(s)[0] is None


def test_reference_data_can_be_replaced_while_sessions_point_to_chantiers(ctx, vault):
    from conseiller_app.domain.reference import load_reference
    from conseiller_app.resources import reference_dir
    from conseiller_app.storage.demo import generate
    from conseiller_app.storage.reference import reference_version, replace_reference

    generate(vault, 30, seed=5)
    data = load_reference(reference_dir())
    data.version = "2027.1-siege"
    data.chantiers[0]["name"] = "Canal Seine-Nord Europe (nom corrigé)"
    with vault.session() as s:
        replace_reference(s, data)
    with vault.session() as s:
        assert reference_version(s) == "2027.1-siege"
        assert s.get(m.Chantier, "csne").name.endswith("(nom corrigé)")
    assert vault.check().ok
