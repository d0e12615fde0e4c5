"""The dashboard's "à faire" list: follow-ups due and referrals without news."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from conseiller_app.storage import models as m
from conseiller_app.storage.services import beneficiaries, todo

TODAY = date(2026, 11, 28)


def _file(ctx, last: str, contact: date | None, **extra) -> str:
    data = {"last_name": last, "first_name": "Camille", "birth_date": "1990-04-12", "public": "rsa",
            "commune": "Arras", "spotting_date": "2026-01-05"}
    data.update(extra)
    bid = beneficiaries.create(ctx, data)
    with ctx.vault.session() as s:
        s.get(m.Beneficiary, bid).last_contact = contact
    return bid


def _referral(ctx, bid: str, ref: str, status: str, status_date: date) -> str:
    with ctx.vault.session() as s:
        agency = s.scalars(select(m.Agency.id)).first()
        r = m.Referral(reference=ref, beneficiary_id=bid, agency_id=agency, scheme="mission", status=status,
                       status_date=status_date, created_by=ctx.actor_id)
        s.add(r)
        s.flush()
        return r.id


def test_followups_due_oldest_first_and_only_active_files_of_the_caseload(ctx, clock):
    clock.value = TODAY
    old = _file(ctx, "Ancien", TODAY - timedelta(days=90))
    limit = _file(ctx, "Limite", TODAY - timedelta(days=30))
    _file(ctx, "Recent", TODAY - timedelta(days=29))
    archived = _file(ctx, "Archive", TODAY - timedelta(days=200))
    beneficiaries.archive(ctx, archived)
    exited = _file(ctx, "Sorti", TODAY - timedelta(days=200))
    colleague_file = _file(ctx, "Collegue", TODAY - timedelta(days=100))
    with ctx.vault.session() as s:
        s.get(m.Beneficiary, exited).current_stage = "sortie"
        other = m.Conseiller(name="Paul Martin", territory="arrageois")
        s.add(other)
        s.flush()
        s.get(m.Beneficiary, colleague_file).referent_id = other.id

    rows, total = todo.followups_due(ctx)

    assert [r.beneficiary_id for r in rows] == [old, limit]
    assert total == 2
    assert rows[0].name == "ANCIEN Camille"
    assert rows[0].days == 90
    assert rows[0].stage_label == "Repérage"


def test_followups_limit_keeps_the_total(ctx, clock):
    for i in range(5):
        _file(ctx, f"Nom{chr(65 + i)}", TODAY - timedelta(days=40 + i))
    rows, total = todo.followups_due(ctx, limit=2)
    assert len(rows) == 2 and total == 5
    assert rows[0].days == 44


def test_never_contacted_counts_from_spotting_date(ctx, clock):
    bid = _file(ctx, "Jamais", None, spotting_date="2026-09-01")
    rows, _ = todo.followups_due(ctx)
    assert [r.beneficiary_id for r in rows] == [bid]
    assert rows[0].last_contact == date(2026, 9, 1)


def test_stale_referrals_only_waiting_statuses_without_news(ctx, clock):
    bid = _file(ctx, "Oriente", TODAY)
    sent = _referral(ctx, bid, "OR-0001", "envoyee", TODAY - timedelta(days=45))
    received = _referral(ctx, bid, "OR-0002", "recue", TODAY - timedelta(days=30))
    _referral(ctx, bid, "OR-0003", "envoyee", TODAY - timedelta(days=10))
    positioned = _referral(ctx, bid, "OR-0004", "positionne", TODAY - timedelta(days=90))
    _referral(ctx, bid, "OR-0005", "brouillon", TODAY - timedelta(days=90))
    _referral(ctx, bid, "OR-0006", "cloturee", TODAY - timedelta(days=90))

    rows, total = todo.stale_referrals(ctx)

    # Oldest news first; drafts and closed referrals wait for nobody.
    assert [r.referral_id for r in rows] == [positioned, sent, received]
    assert total == 3
    assert rows[1].status_label == "Envoyée" and rows[1].days == 45
    assert rows[1].name == "ORIENTE Camille" and rows[1].agency


def test_todo_bundles_both_lists(ctx, clock):
    _file(ctx, "Ancien", TODAY - timedelta(days=60))
    out = todo.todo(ctx)
    assert out.followups_total == 1 and out.referrals_total == 0
    assert out.today == TODAY and out.followup_days == 30


def test_the_dashboard_count_says_its_scope_against_the_orientations_page(ctx, clock):
    """The dashboard counts the caseload's referrals without news, the Orientations page every
    référent's: the dashboard gets both figures so it can explain the difference."""
    from conseiller_app.storage.services import referrals

    clock.value = TODAY
    mine = _file(ctx, "Moi", TODAY)
    theirs = _file(ctx, "Collegue", TODAY)
    with ctx.vault.session() as s:
        other = m.Conseiller(name="Paul Martin", territory="arrageois")
        s.add(other)
        s.flush()
        s.get(m.Beneficiary, theirs).referent_id = other.id
    _referral(ctx, mine, "ORI-2026-00001", "envoyee", TODAY - timedelta(days=40))
    _referral(ctx, theirs, "ORI-2026-00002", "envoyee", TODAY - timedelta(days=40))
    out = todo.todo(ctx)
    page_count = len(referrals.referral_ids(ctx, no_news_only=True))
    assert (out.referrals_total, out.referrals_everyone_total) == (1, page_count) == (1, 2)
