"""Retention purge on a real vault: the dry run changes nothing, recent files are never listed,
running things are listed apart, the purge blanks every personal field, tombstones every synced
row in the change journal, leaves the search index, the list and the drafts without the person,
appends one audit entry per file (no name) and leaves the vault passing its checks."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from conseiller_app.domain import retention as rules
from conseiller_app.domain.errors import ValidationError
from conseiller_app.storage import models as m
from conseiller_app.storage import tables
from conseiller_app.storage.journal import verify_audit_chain
from conseiller_app.storage.profile import get_setting
from conseiller_app.storage.services import beneficiaries, drafts, retention, search

TODAY = date(2026, 11, 28)
ARRAS_AGENCY = "6a1f0c2e-0000-4000-8000-000000000001"
PERSONAL = ("Lemaire", "Océane", "0612345678", "oceane.lemaire@exemple.fr", "12 rue des Lilas", "7654321",
            "Mobilité réduite à cause du bus", "Horaires décalés", "Voiture prêtée par un voisin")


def make_file(ctx, clock, on: date, last: str = "Lemaire", first: str = "Océane", caf: str | None = "7654321") -> str:
    clock.value = on
    data = {"last_name": last, "first_name": first, "birth_date": "1990-06-15", "commune": "Arras", "public": "rsa",
            "phone": "06 12 34 56 78", "email": f"{first.lower()}.{last.lower()}@exemple.fr".replace("é", "e")}
    if caf:
        data["caf_number"] = caf
    bid = beneficiaries.create(ctx, data)
    beneficiaries.update(ctx, bid, {"address": "12 rue des Lilas"})
    with ctx.vault.session() as s:
        s.get(m.Beneficiary, bid).notes = "Mobilité réduite à cause du bus"
    clock.value = TODAY
    return bid


def fill(ctx, bid: str, on: date, *, open_step: bool = False, open_referral: bool = False,
         session_on: date | None = None) -> None:
    """Barrier and action, consent, a done step, a referral, a registration (all dated ``on``)."""
    with ctx.vault.session() as s:
        barrier = m.Barrier(beneficiary_id=bid, type="mobilite", status="identifie", identified_on=on)
        s.add(barrier)
        s.flush()
        s.add(
            m.BarrierAction(barrier_id=barrier.id, offer_code=None, done_on=on, comment="Voiture prêtée par un voisin")
        )
        consent = m.Consent(beneficiary_id=bid, partner_kind="agence", partner_id=ARRAS_AGENCY,
                            partner_name="Intérim Exemple Arras (fictive)", scope=["identite"], given_on=on,
                            recorded_by=ctx.actor_id)
        s.add(consent)
        s.flush()
        s.add(m.PathwayStep(beneficiary_id=bid, stage="decouverte", status="en_cours" if open_step else "realisee",
                            proposed_on=on, actual_start=on, actual_end=None if open_step else on,
                            comment="Très motivée", outcome_detail="", funded_amount_cents=45000, funder="fpett"))
        s.add(m.Referral(reference=f"OR-{bid[-8:]}", beneficiary_id=bid, agency_id=ARRAS_AGENCY, scheme="cipi",
                         trades=["macon"], barriers_summary="Horaires décalés",
                         status="envoyee" if open_referral else "cloturee", status_date=on, result="",
                         consent_id=consent.id, created_by=ctx.actor_id))
        start = session_on or on
        session = m.AtelierSession(kind="sensibilisation", title="Atelier BTP", start_date=start, end_date=start,
                                   territory="arrageois", organiser="departement", capacity=12)
        s.add(session)
        s.flush()
        s.add(m.Registration(session_id=session.id, beneficiary_id=bid,
                             attendance=None if session_on else "absent"))
    drafts.save(ctx, f"beneficiary:{bid}", {"form": {"last_name": "Lemaire", "phone": "0612345678"}})
    drafts.save(ctx, f"orientation:{bid}", {"operations": []})


def table_counts(vault) -> dict[str, int]:
    with vault.session() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in tables.metadata.sorted_tables}


def test_dry_run_lists_old_files_only_and_changes_nothing(ctx, clock):
    old = make_file(ctx, clock, date(2024, 9, 1))
    fill(ctx, old, date(2024, 9, 1))
    recent = make_file(ctx, clock, date(2025, 6, 1), "Martin", "Paul", caf=None)
    # old by its « dernier contact », but a session attended last year counts as a contact
    attended = make_file(ctx, clock, date(2023, 1, 5), "Bernard", "Julie", caf=None)
    with ctx.vault.session() as s:
        sess = m.AtelierSession(kind="sensibilisation", title="Atelier", start_date=date(2025, 3, 3),
                                end_date=date(2025, 3, 3), territory="arrageois", organiser="departement", capacity=5)
        s.add(sess)
        s.flush()
        s.add(m.Registration(session_id=sess.id, beneficiary_id=attended, attendance="present"))
    running = make_file(ctx, clock, date(2023, 2, 1), "Petit", "Léo", caf=None)
    fill(ctx, running, date(2023, 2, 1), open_step=True, open_referral=True, session_on=date(2027, 1, 12))

    before = table_counts(ctx.vault)
    with ctx.vault.session() as s:
        audit_before = s.scalar(select(func.max(m.AuditEntry.seq)))
    found = retention.candidates(ctx)
    assert table_counts(ctx.vault) == before
    with ctx.vault.session() as s:
        assert s.scalar(select(func.max(m.AuditEntry.seq))) == audit_before

    assert found.months == 24 and found.cutoff == date(2024, 11, 28)
    by_id = {f.id: f for f in found.files}
    assert set(by_id) == {old, running}
    assert recent not in by_id and attended not in by_id
    assert by_id[old].kind == rules.TO_PURGE and by_id[old].name == "LEMAIRE Océane"
    assert by_id[old].last_contact == date(2024, 9, 1)
    assert by_id[old].reason.startswith("Sans contact depuis le 01/09/2024 (26 mois)")
    assert by_id[old].stage_label
    check = by_id[running]
    assert check.kind == rules.TO_CHECK
    assert "Étape en cours" in check.reason and "Orientation en cours" in check.reason
    assert "12/01/2027" in check.reason
    assert [f.kind for f in found.files] == [rules.TO_PURGE, rules.TO_CHECK]
    assert (found.to_purge, found.to_check) == (1, 1)

    # a shorter setting lists more files
    retention.set_months(ctx, 12)
    assert {f.id for f in retention.candidates(ctx).files} == {old, running, recent, attended}


def test_purge_removes_the_person_everywhere_and_journals_tombstones(ctx, clock):
    gone = make_file(ctx, clock, date(2024, 3, 1))
    fill(ctx, gone, date(2024, 3, 1))
    kept = make_file(ctx, clock, date(2026, 10, 1), "Lemaire", "Hugo", caf=None)
    assert {r.id for r in search.search(ctx, "lemaire")} == {gone, kept}
    with ctx.vault.session() as s:
        journal_before = s.scalar(select(func.max(m.ChangeEntry.seq)))
        audit_before = s.scalar(select(func.max(m.AuditEntry.seq)))

    result = retention.purge(ctx, [gone])
    assert result.purged == 1 and result.ids == (gone,)
    assert result.records == {"beneficiary": 1, "barrier": 1, "barrier_action": 1, "consent": 1,
                                 "pathway_step": 2, "registration": 1, "referral": 1}

    # gone from the search, the list, the count and the drafts; the other Lemaire stays
    assert [r.id for r in search.search(ctx, "lemaire")] == [kept]
    assert search.search(ctx, "7654321") == []
    assert beneficiaries.count(ctx) == 1
    assert drafts.keys(ctx) == []
    assert retention.candidates(ctx).files == ()

    with ctx.vault.session() as s:
        assert s.scalar(select(func.count()).select_from(m.BeneficiaryToken)
                        .where(m.BeneficiaryToken.beneficiary_id == gone)) == 0
        b = s.get(m.Beneficiary, gone)
        assert b.deleted_at is not None
        assert (b.last_name, b.first_name, b.sort_name, b.phone, b.email, b.address, b.caf_number, b.notes) == \
            ("", "", "", None, None, "", None, "")
        assert b.birth_date == date(1990, 1, 1)  # the age band only
        # every synced row of the file is a tombstone without free text; none contains personal data
        rows = [b]
        for model in (m.Barrier, m.Consent, m.PathwayStep, m.Registration, m.Referral):
            rows += s.scalars(select(model).where(model.beneficiary_id == gone)).all()
        rows += s.scalars(select(m.BarrierAction)).all()
        assert len(rows) == 8 and all(r.deleted_at is not None for r in rows)
        dump = json.dumps([{c.key: str(getattr(r, c.key)) for c in r.__table__.columns} for r in rows],
                          ensure_ascii=False)
        for word in (*PERSONAL, "Très motivée", "Lemaire"):
            assert word not in dump
        step = s.scalars(select(m.PathwayStep).where(m.PathwayStep.stage == "decouverte")).one()
        assert (step.funded_amount_cents, step.funder, step.actual_end) == (45000, "fpett", date(2024, 3, 1))

        # the change journal: one tombstone per row, blanked; no earlier copy with personal data
        entries = s.execute(select(m.ChangeEntry).where(m.ChangeEntry.seq > journal_before)).scalars().all()
        assert sorted((e.entity, e.op) for e in entries) == sorted((r.__tablename__, "delete") for r in rows)
        everything = json.dumps([e.data for e in s.scalars(select(m.ChangeEntry))], ensure_ascii=False)
        assert "Océane" not in everything and "7654321" not in everything and "Hugo" in everything

        # one audit entry per purged file, no name; the chain still verifies
        new = s.scalars(select(m.AuditEntry).where(m.AuditEntry.seq > audit_before)).all()
        assert [(a.action, a.entity_id) for a in new] == [("retention_purge", gone)]
        assert "Lemaire" not in json.dumps(new[0].details) and new[0].details["months"] == 24
        assert verify_audit_chain(s)[0] is None
    report = ctx.vault.check()
    assert report.ok, report.problems

    # purging it again is refused (already purged): nothing changes
    before = table_counts(ctx.vault)
    with pytest.raises(ValidationError) as exc:
        retention.purge(ctx, [gone])
    assert "pas à purger" in exc.value.message
    assert table_counts(ctx.vault) == before


def test_a_recent_file_is_never_purged(ctx, clock):
    old = make_file(ctx, clock, date(2023, 5, 1))
    recent = make_file(ctx, clock, date(2025, 5, 1), "Durand", "Lina", caf=None)
    before = table_counts(ctx.vault)
    with pytest.raises(ValidationError) as exc:
        retention.purge(ctx, [old, recent])
    assert "Rien n'a été purgé" in exc.value.message
    assert table_counts(ctx.vault) == before  # all or nothing
    beneficiaries.touch_contact(ctx, old)  # a contact today: no longer listed
    assert retention.candidates(ctx).files == ()
    with pytest.raises(ValidationError):
        retention.purge(ctx, [old])


def test_a_file_to_check_is_purged_only_when_chosen(ctx, clock):
    running = make_file(ctx, clock, date(2023, 2, 1))
    fill(ctx, running, date(2023, 2, 1), open_step=True)
    [row] = retention.candidates(ctx).files
    assert row.kind == rules.TO_CHECK
    assert retention.purge(ctx, [running]).purged == 1  # chosen explicitly
    assert ctx.vault.check().ok


@pytest.mark.parametrize("value", [0, 37, -1, "abc", "", None, 2.5])
def test_setting_out_of_range_is_refused_in_french(ctx, value):
    with pytest.raises(ValidationError) as exc:
        retention.set_months(ctx, value)
    assert exc.value.label == "Durée de conservation"
    assert "entre 1 et 36" in exc.value.message
    with ctx.vault.session() as s:
        assert get_setting(s, "retention_months") == "24"


def test_setting_in_range_is_saved(ctx):
    assert retention.set_months(ctx, "36") == 36 and retention.months(ctx) == 36
    assert retention.set_months(ctx, 1) == 1 and retention.months(ctx) == 1


def test_cutoff_arithmetic():
    assert rules.cutoff(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert rules.cutoff(date(2026, 11, 28), 24) == date(2024, 11, 28)
    assert rules.cutoff(date(2026, 1, 15), 36) == date(2023, 1, 15)


def test_demo_vaults_purge_too(vault, clock):
    from conseiller_app.storage import demo
    from conseiller_app.storage.services import Context

    demo.generate(vault, 150, seed=3, today=date(2026, 11, 28))  # enough files for some to be old
    ctx = Context(vault, today=clock)
    found = retention.candidates(ctx)
    ids = [f.id for f in found.files if f.kind == rules.TO_PURGE]
    assert ids, "the demo data has files older than 24 months"
    n = beneficiaries.count(ctx)
    assert retention.purge(ctx, ids).purged == len(ids)
    assert beneficiaries.count(ctx) == n - len(ids)
    assert vault.check().ok
