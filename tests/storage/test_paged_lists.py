"""Ids then rows by pages (the lazy lists of the Ateliers and Orientations pages) give the same
order and the same rows as the whole lists; reference lists of chantiers and trades."""

from __future__ import annotations

from datetime import timedelta

from conseiller_app.storage.services import beneficiaries, followup, reference, referrals, sessions

ARRAS_AGENCY = "6a1f0c2e-0000-4000-8000-000000000001"
AGENCY_NAME = "Intérim Exemple Arras (fictive)"


def test_referral_ids_and_rows_match_the_full_list(ctx, clock):
    for i, name in enumerate(["Aubry", "Bécourt", "Caron"]):
        bid = beneficiaries.create(ctx, {"last_name": name, "first_name": "Léa", "birth_date": "1990-01-01",
                                         "commune": "Arras", "public": "rsa"})
        followup.record_consent(ctx, bid, partner_kind="agence", partner_name=AGENCY_NAME, partner_id=ARRAS_AGENCY,
                                scope=["identite"])
        referrals.create(ctx, bid, ARRAS_AGENCY, "cipi", send=i > 0, on=clock() - timedelta(days=40 * i))
    full = referrals.list_referrals(ctx)
    ids = referrals.referral_ids(ctx)
    assert ids == [r.id for r in full]
    assert referrals.rows(ctx, list(reversed(ids))) == {r.id: r for r in full}
    stale = referrals.referral_ids(ctx, no_news_only=True)
    assert stale == [r.id for r in referrals.list_referrals(ctx, no_news_only=True)] and len(stale) == 2
    assert referrals.referral_ids(ctx, status="brouillon") == [full[0].id]
    assert referrals.rows(ctx, []) == {}


def test_session_ids_and_rows_match_the_full_list(ctx):
    base = {"kind": "sensibilisation", "commune": "Arras", "capacity": 1, "chantier": "csne"}
    a = sessions.create(ctx, base | {"title": "B", "start_date": "2026-12-08", "trades": ["macon"]}).id
    b = sessions.create(ctx, base | {"title": "A", "start_date": "2026-12-07"}).id
    c = sessions.create(ctx, base | {"title": "C", "start_date": "2027-01-12", "kind": "decouverte"}).id
    bid = beneficiaries.create(ctx, {"last_name": "Durand", "first_name": "Léo", "birth_date": "1990-01-01",
                                     "commune": "Arras", "public": "rsa"})
    sessions.register(ctx, b, bid)
    full = sessions.list_sessions(ctx)
    assert sessions.session_ids(ctx) == [b, a, c] == [x.id for x in full]
    assert sessions.rows(ctx, [c, a, b]) == {x.id: x for x in full}
    assert sessions.session_ids(ctx, trade="macon") == [a]
    assert sessions.session_ids(ctx, kind="decouverte") == [c]
    assert sessions.session_ids(ctx, with_seats=True) == [a, c]  # b is full


def test_reference_chantiers_and_trades(ctx):
    assert ("csne", "Canal Seine-Nord Europe") in [(c, n[:23]) for c, n in reference.chantiers(ctx)]
    trades = {t["code"]: t for t in reference.trades(ctx)}
    assert trades["macon"]["rome"] == "F1703"
