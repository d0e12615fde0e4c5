"""``conseiller referral list|print`` and ``conseiller session list|sheet`` as real processes."""

from __future__ import annotations

import json
from datetime import date

from pypdf import PdfReader

from tests.cli.conftest import run

AGENCY = "6a1f0c2e-0000-4000-8000-000000000001"


def seed(folder):
    """A file, a consent, a referral and a session, written through the services."""
    from conseiller_app.storage.services import Context, beneficiaries, followup, referrals, sessions
    from conseiller_app.storage.vault import Vault
    from tests.conftest import PASSPHRASE

    vault = Vault.open(folder, PASSPHRASE)
    try:
        ctx = Context(vault, today=date.today)
        bid = beneficiaries.create(ctx, {"last_name": "Dupré", "first_name": "Anaïs", "birth_date": "1994-01-02",
                                         "commune": "Lens", "public": "rsa", "phone": "0611223344"})
        followup.record_consent(ctx, bid, partner_kind="agence", partner_name="Intérim Exemple Arras (fictive)",
                                partner_id=AGENCY, scope=["identite"])
        ref = referrals.create(ctx, bid, AGENCY, "cdpi", send=True).reference
        sid = sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier de Lens", "start_date": date.today(),
                                    "commune": "Lens", "capacity": 10}).id
        sessions.register(ctx, sid, bid)
        return bid, ref, sid
    finally:
        vault.close()


def test_referral_and_session_commands(cli_vault, tmp_path):
    bid, ref, sid = seed(cli_vault)
    r = run(cli_vault, "referral", "list", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows == [{"id": rows[0]["id"], "reference": ref, "beneficiary_id": bid, "agency": rows[0]["agency"],
                     "scheme": "cdpi", "status": "envoyee", "status_date": date.today().isoformat(),
                     "no_news": False, "consent_state": "valid"}]
    r = run(cli_vault, "referral", "list")
    assert ref in r.stdout and "Consentement valide" in r.stdout

    out = tmp_path / "fiche.pdf"
    r = run(cli_vault, "referral", "print", ref.lower(), "--out", str(out))
    assert r.returncode == 0, r.stderr
    text = " ".join(p.extract_text() for p in PdfReader(str(out)).pages)
    assert ref in " ".join(text.split()) and "Anaïs" in text and "06 11" not in text
    assert "Dupré" not in r.stdout and "Dupré" not in r.stderr  # no personal data on the console

    r = run(cli_vault, "referral", "print", "OR-2000-XXXX-000001", "--out", str(tmp_path / "x.pdf"))
    assert r.returncode == 4 and "Aucune orientation" in r.stderr
    r = run(cli_vault, "referral", "print", ref, "--out", str(tmp_path / "x.txt"))
    assert r.returncode == 2

    r = run(cli_vault, "session", "list", "--json")
    sessions = json.loads(r.stdout)
    assert [(s["id"], s["registered"], s["seats_left"]) for s in sessions] == [(sid, 1, 9)]
    sheet = tmp_path / "emargement.pdf"
    r = run(cli_vault, "session", "sheet", sid, "--out", str(sheet))
    assert r.returncode == 0, r.stderr
    assert "DUPRÉ" in " ".join(p.extract_text() for p in PdfReader(str(sheet)).pages)
    r = run(cli_vault, "session", "sheet", sid, "--out", str(tmp_path / "vierge.pdf"), "--blank")
    assert r.returncode == 0 and (tmp_path / "vierge.pdf").exists()


def test_print_refused_without_consent(cli_vault, tmp_path):
    from conseiller_app.storage.services import Context, beneficiaries, followup
    from conseiller_app.storage.vault import Vault
    from tests.conftest import PASSPHRASE

    bid, ref, _ = seed(cli_vault)
    vault = Vault.open(cli_vault, PASSPHRASE)
    try:
        ctx = Context(vault)
        cid = beneficiaries.get(ctx, bid, record_read=False).consents[0].id
        followup.withdraw_consent(ctx, cid)
    finally:
        vault.close()
    r = run(cli_vault, "referral", "print", ref, "--out", str(tmp_path / "f.pdf"))
    assert r.returncode == 4 and "retiré son consentement" in r.stderr
    assert not (tmp_path / "f.pdf").exists()
    r = run(cli_vault, "referral", "list", "--json")
    assert json.loads(r.stdout)[0]["consent_state"] == "withdrawn"
