"""The facts of the convention's indicators: recorded by the services (validated, audited,
journaled), refused with a French message naming the field (nothing written), synced to the
central office which stores them, and the AKTIV envelope received with the reference data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conseiller_app.domain import facts as F
from conseiller_app.domain.errors import ValidationError
from conseiller_app.storage import models as m
from conseiller_app.storage.services import beneficiaries, facts, pathway, sessions


def person(ctx, last="Lefèvre", public="rsa"):
    return beneficiaries.create(ctx, {"last_name": last, "first_name": "Zoé", "birth_date": "1990-04-05",
                                      "commune": "Arras", "public": public})


def counts(ctx, model) -> tuple[int, int, int]:
    """(rows, change-journal entries, audit entries) of a table."""
    name = model.__tablename__
    with ctx.vault.session() as s:
        return (s.scalar(select(func.count()).select_from(model)),
                s.scalar(select(func.count()).select_from(m.ChangeEntry).where(m.ChangeEntry.entity == name)),
                s.scalar(select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.entity == name)))


@pytest.mark.parametrize("text, cents", [("1 234,50", 123450), ("1\u202f234,5 €", 123450), ("1234.05", 123405),
                                         ("12", 1200), ("0,99", 99), (350, 35000)])
def test_french_amounts_are_read_as_cents(text, cents):
    assert F.parse_euros("amount", "Montant", text) == cents


@pytest.mark.parametrize("text", ["", "abc", "1,234,5", "-12", "0", "12,345", "99999999"])
def test_bad_amounts_are_refused_naming_the_field(text):
    with pytest.raises(ValidationError) as exc:
        F.parse_euros("amount", "Montant", text)
    assert exc.value.field == "amount" and str(exc.value).startswith("Montant : ")


def test_format_euros_uses_french_typography():
    assert F.format_euros(123450) == "1\u202f234,50\u00a0€"
    assert F.format_euros(None) == "—"


def test_pci_is_recorded_audited_and_journaled(ctx):
    bid = person(ctx)
    out = facts.add_pci(ctx, bid, {"held_on": "20/11/2026", "held_by": "fastt",
                                   "recommendations": ["logement", {"code": "mobilite", "followed": True}]})
    assert out.held_on == date(2026, 11, 20) and out.recommendations == (
        {"code": "logement", "followed": None}, {"code": "mobilite", "followed": True})
    assert counts(ctx, m.PciDiagnostic) == (1, 1, 1)
    facts.set_pci_follow_up(ctx, out.id, "logement", False)
    got = facts.file_facts(ctx, bid)
    assert got.pci[0].recommendations[0] == {"code": "logement", "followed": False}
    assert counts(ctx, m.PciDiagnostic) == (1, 2, 2)
    with ctx.vault.session() as s:
        details = [a.details for a in s.scalars(select(m.AuditEntry).where(m.AuditEntry.entity == "pci_diagnostic"))]
    assert details[0] == {"held_by": "fastt", "recommendations": ["logement", "mobilite"]}


@pytest.mark.parametrize("values, field", [
    ({"held_on": "2026-12-25"}, "held_on"),  # in the future
    ({"held_on": "2026-11-20", "held_by": "agence"}, "agency_id"),
    ({"held_on": "2026-11-20", "recommendations": ["sante detaillee"]}, "recommendations"),
    ({"held_on": "2026-11-20", "recommendations": ["budget", "budget"]}, "recommendations"),
])
def test_bad_pci_is_refused_and_nothing_written(ctx, values, field):
    bid = person(ctx)
    with pytest.raises(ValidationError) as exc:
        facts.add_pci(ctx, bid, values)
    assert exc.value.field == field
    assert counts(ctx, m.PciDiagnostic) == (0, 0, 0)


def test_prevention_is_one_per_file_and_updated(ctx):
    bid = person(ctx)
    facts.set_prevention(ctx, bid, {"status": "commence", "started_on": "2026-10-01"})
    out = facts.set_prevention(ctx, bid, {"status": "finalise", "started_on": "2026-10-01",
                                          "completed_on": "2026-11-15"})
    assert (out.status, out.completed_on) == ("finalise", date(2026, 11, 15))
    assert counts(ctx, m.PreventionPathway) == (1, 2, 2)
    with pytest.raises(ValidationError) as exc:
        facts.set_prevention(ctx, bid, {"status": "finalise", "started_on": "2026-10-01"})
    assert exc.value.field == "completed_on"
    with pytest.raises(ValidationError) as exc:
        facts.set_prevention(ctx, bid, {"status": "termine", "started_on": "2026-10-01"})
    assert exc.value.field == "status"
    assert facts.file_facts(ctx, bid).prevention.status == "finalise"


def test_funding_lines_on_a_step_a_session_and_refusals(ctx):
    bid = person(ctx)
    step_id = pathway.get(ctx, bid).steps[0].id
    line = facts.add_funding(ctx, {"target_kind": "etape", "target_id": step_id, "funder": "fpett", "line": "cipi",
                                   "amount": "1 234,50", "granted_on": "2026-11-02"})
    assert (line.beneficiary_id, line.amount_cents) == (bid, 123450)
    sid = sessions.create(ctx, {"kind": "spott", "title": "SPOTT CSNE", "start_date": "2026-12-07",
                                "end_date": "2026-12-18", "commune": "Arras", "capacity": 10, "chantier": "csne"}).id
    on_session = facts.add_funding(ctx, {"target_kind": "session", "target_id": sid, "funder": "FPETT",
                                         "line": "SPOTT", "amount": "15000", "granted_on": "2026-11-02"})
    assert on_session.beneficiary_id is None
    assert counts(ctx, m.FundingLine) == (2, 2, 2)
    for values, field in [({"funder": "fastt"}, "funder"), ({"line": "rsa"}, "line"), ({"amount": "douze"}, "amount"),
                          ({"target_id": "inconnu"}, "target_id"), ({"target_kind": "dossier"}, "target_kind")]:
        bad = {"target_kind": "etape", "target_id": step_id, "funder": "fpett", "line": "cipi", "amount": "10",
               "granted_on": "2026-11-02", **values}
        with pytest.raises(ValidationError) as exc:
            facts.add_funding(ctx, bad)
        assert exc.value.field == field
    assert counts(ctx, m.FundingLine) == (2, 2, 2)
    facts.remove_funding(ctx, line.id)
    assert [f.id for f in facts.file_facts(ctx, bid).funding] == []


def test_spott_details_and_positioning_agency(ctx):
    with ctx.vault.session() as s:
        agency = s.scalars(select(m.Agency.id)).first()
    sid = sessions.create(ctx, {"kind": "spott", "title": "SPOTT CSNE", "start_date": "2026-12-07",
                                "end_date": "2026-12-18", "commune": "Arras", "capacity": 10, "chantier": "csne"}).id
    out = facts.set_spott(ctx, sid, {"fpett_validated_on": "2026-11-10", "agencies": [agency]})
    assert (out.chantier, out.opco, out.agencies) == ("csne", "akto", (agency,))
    with pytest.raises(ValidationError) as exc:
        facts.set_spott(ctx, sid, {"opco": "opco2i"})
    assert exc.value.field == "opco"
    # positioning on a preparatory action only
    bid = person(ctx)
    sas = sessions.create(ctx, {"kind": "sas", "title": "SAS", "start_date": "2026-12-07", "end_date": "2027-01-04",
                                "commune": "Arras", "capacity": 10}).id
    sessions.register(ctx, sas, bid)
    facts.set_positioning(ctx, sas, bid, agency)
    with ctx.vault.session() as s:
        assert s.scalars(select(m.Registration.positioned_by_agency_id)).one() == agency
    sessions.register(ctx, sid, bid)
    with pytest.raises(ValidationError):
        facts.set_positioning(ctx, sid, bid, agency)


def test_spott_serves_the_training_stage():
    from conseiller_app.domain.enums import SessionKind, Stage
    from conseiller_app.domain.sessions import STAGE_OF_KIND

    assert STAGE_OF_KIND[SessionKind.SPOTT] is Stage.TRAINING


def test_sas_interest_drives_the_guidance(ctx, clock):
    from conseiller_app.domain import pathway as P
    from conseiller_app.domain.enums import Stage

    bid = person(ctx)
    for stage in (Stage.AWARENESS, Stage.TASTER):
        pathway.apply(ctx, bid, [P.Propose(stage, date(2026, 10, 1)), P.Complete(date(2026, 10, 2))])
    assert pathway.guidance(ctx, bid)[0].code == "sas_interest"
    facts.set_sas_interest(ctx, bid, {"interested": "oui"})
    assert pathway.guidance(ctx, bid)[0].code != "sas_interest"
    assert [g.code for g in pathway.caseload_guidance(ctx) if g.beneficiary_id == bid] != ["sas_interest"]
    with pytest.raises(ValidationError) as exc:
        facts.set_sas_interest(ctx, bid, {"interested": "peut-être"})
    assert exc.value.field == "interested"


def test_envelope_travels_with_the_reference_data(ctx):
    from conseiller_app.domain.reference import load_reference
    from conseiller_app.resources import reference_dir
    from conseiller_app.storage.reference import replace_reference
    from conseiller_app.sync import refdata

    data = load_reference(reference_dir())
    data.aktiv_envelopes[2026] = 25_000_000
    back = refdata.from_json(refdata.to_json(data, 3))
    assert back.aktiv_envelopes == {2026: 25_000_000}
    with ctx.vault.session() as s:
        replace_reference(s, back)
    assert facts.envelopes(ctx) == {2026: 25_000_000}


def test_facts_reach_the_central_office(tmp_path: Path):
    from conseiller_app.central import devices, ingest
    from conseiller_app.central.service import init
    from conseiller_app.sync import service as sync
    from tests.sync.helpers import central_records, make_vault

    central = init(f"sqlite:///{tmp_path / 'siege.db'}", tmp_path / "cles", "Siège de test")
    ctx = make_vault(tmp_path / "a")
    try:
        sync.enroll(ctx, tmp_path / "cles" / "inscription-siege.json")
        bid = person(ctx)
        facts.add_pci(ctx, bid, {"held_on": "2026-11-20", "recommendations": ["logement"]})
        facts.set_prevention(ctx, bid, {"status": "commence", "started_on": "2026-11-01"})
        step_id = pathway.get(ctx, bid).steps[0].id
        facts.add_funding(ctx, {"target_kind": "etape", "target_id": step_id, "funder": "departement",
                                "line": "coup_de_pouce", "amount": "300", "granted_on": "2026-11-02"})
        facts.set_sas_interest(ctx, bid, {"interested": True})
        out = tmp_path / "vers-siege"
        out.mkdir()
        ingest.ingest_file(central, Path(sync.export(ctx, out).path))
        for d in devices.list_devices(central):
            assert devices.approve(central, d.id).errors == ()
        stored = central_records(central)
        kinds = {entity for entity, _ in stored}
        assert {"pci_diagnostic", "prevention_pathway", "funding_line", "sas_interest"} <= kinds
        line = next(v for (e, _), v in stored.items() if e == "funding_line")
        assert (line["amount_cents"], line["line"], line["beneficiary_id"]) == (30000, "coup_de_pouce", bid)
    finally:
        ctx.vault.close()


def test_facts_are_in_the_access_statement_and_go_with_a_purge(ctx, clock):
    from conseiller_app.storage.services import access, retention

    clock.value = date(2024, 3, 1)
    bid = beneficiaries.create(ctx, {"last_name": "Lefèvre", "first_name": "Zoé", "birth_date": "1990-04-05",
                                     "commune": "Arras", "public": "rsa", "spotting_date": "2024-03-01"})
    facts.add_pci(ctx, bid, {"held_on": "2024-03-01", "recommendations": [{"code": "logement", "followed": True}]})
    facts.set_prevention(ctx, bid, {"status": "commence", "started_on": "2024-03-01"})
    step_id = pathway.get(ctx, bid).steps[0].id
    facts.add_funding(ctx, {"target_kind": "etape", "target_id": step_id, "funder": "fpett", "line": "cipi",
                            "amount": "1 234,50", "granted_on": "2024-03-01"})
    facts.set_sas_interest(ctx, bid, {"interested": False})
    lines = access.gather(ctx, bid)["indicator_facts"]
    assert lines[0] == "Point Conseils Intérimaire le 01/03/2024 (FASTT) : Logement (mise en œuvre)"
    assert "Parcours prévention : Commencé, début le 01/03/2024" in lines
    assert "Financement FPETT — CIPI : 1\u202f234,50\u00a0€ le 01/03/2024" in lines
    assert lines[-1] == "Intérêt pour le SAS préparatoire : non (le 01/03/2024)"

    clock.value = date(2026, 11, 28)
    result = retention.purge(ctx, [bid])
    for table in ("pci_diagnostic", "prevention_pathway", "funding_line", "sas_interest"):
        assert result.records[table] == 1
    got = facts.file_facts
    with ctx.vault.session() as s:
        for model in (m.PciDiagnostic, m.PreventionPathway, m.FundingLine, m.SasInterest):
            assert s.scalars(select(model).where(model.deleted_at.is_(None))).all() == []
    from conseiller_app.storage.services import indicators

    assert indicators.compute(ctx).pci_count == 0 and got is not None
