"""Printed documents: text extracted from the PDFs (reference, accented names, scheme, data
outside the consent's scope absent), the QR code decoded back to the reference, fonts embedded,
atomic writes under neutral names."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from conseiller_app.reports import attendance_sheet, referral_form
from conseiller_app.storage.services import beneficiaries, followup, referrals, sessions

AGENCY = "6a1f0c2e-0000-4000-8000-000000000001"


def text_of(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def referral(ctx):
    bid = beneficiaries.create(ctx, {"last_name": "Lefèvre-N'Diaye", "first_name": "Zoé-Œlwen",
                                     "birth_date": "1990-04-05", "commune": "Arras", "public": "rsa",
                                     "phone": "06 12 34 56 78", "email": "zoe.secret@exemple.fr",
                                     "address": "12 rue de l'Église"})
    followup.add_barrier(ctx, bid, "garde_enfants")
    followup.record_consent(ctx, bid, partner_kind="agence", partner_name="Intérim Exemple Arras (fictive)",
                            partner_id=AGENCY, scope=["identite"])
    ref = referrals.create(ctx, bid, AGENCY, "tremplin_rsa", trades=["macon", "manoeuvre_go"],
                           barriers_summary="Garde d'enfants le mercredi ; budget 150 € par mois.").reference
    return bid, ref


def test_referral_form_shows_only_what_the_consent_covers(ctx, referral, tmp_path):
    _bid, ref = referral
    data = referrals.form_data(ctx, ref)
    out = referral_form.write(tmp_path / referral_form.filename(ref), data)
    assert out.name == f"{ref}.pdf" and "Lef" not in out.name  # neutral name
    assert not list(tmp_path.glob(".tmp-*"))  # atomic write left no temp file
    text = text_of(out)
    flat = " ".join(text.split())
    assert ref in flat
    assert "LEFÈVRE-N'DIAYE" in flat and "Zoé-Œlwen" in flat  # accents, apostrophe, œ
    assert "Tremplin RSA" in flat and "Maçon" in flat and "Intérim Exemple Arras" in flat
    assert "Département du Pas-de-Calais".upper() in flat
    # outside the scope (identity only): contact, pathway, barriers are absent
    for secret in ("06 12 34 56 78", "zoe.secret", "Église", "Garde d'enfants", "150 €", "Allocataire du RSA"):
        assert secret not in flat, secret
    assert "non communiqué" in flat
    # poppler agrees (another extractor, with layout)
    assert ref in pdftotext(out)


def test_referral_form_with_a_wider_scope(ctx, referral, tmp_path):
    bid, ref = referral
    followup.record_consent(ctx, bid, partner_kind="agence", partner_name="Intérim Exemple Arras (fictive)",
                            partner_id=AGENCY, scope=["identite", "contact", "freins", "parcours"])
    out = referral_form.write(tmp_path / "f.pdf", referrals.form_data(ctx, ref))
    flat = " ".join(text_of(out).split())
    for shown in ("06 12 34 56 78", "zoe.secret@exemple.fr", "Église", "budget 150 € par mois",
                  "Allocataire du RSA"):
        assert shown in flat, shown


def test_qr_code_decodes_to_the_reference(ctx, referral, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    _, ref = referral
    pdf = referral_form.write(tmp_path / "f.pdf", referrals.form_data(ctx, ref))
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    image = Image.open(next(tmp_path.glob("page*.png")))
    found = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert found == [ref]


def test_fonts_are_embedded(ctx, referral, tmp_path):
    _, ref = referral
    pdf = referral_form.write(tmp_path / "f.pdf", referrals.form_data(ctx, ref))
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    dejavu = [line for line in fonts.splitlines() if "DejaVuSans" in line]
    assert len(dejavu) >= 2 and all(line.split()[-5:-3] == ["yes", "yes"] for line in dejavu)  # embedded, subset
    # reportlab always declares Helvetica as its default resource; no text uses it.


def test_attendance_sheet_lists_participants_with_signature_columns(ctx, clock, tmp_path):
    sid = sessions.create(ctx, {"kind": "decouverte", "title": "Découverte maçonnerie — Œuvre d'Arras",
                                "start_date": "2026-12-07", "end_date": "2026-12-09", "commune": "Arras",
                                "capacity": 12, "chantier": "csne", "trades": ["macon"]}).id
    names = [("N'Diaye", "Aïssatou"), ("Lefèvre", "Jérôme"), ("Dupré", "Noël")]
    for last, first in names:
        bid = beneficiaries.create(ctx, {"last_name": last, "first_name": first, "birth_date": "1991-02-03",
                                         "commune": "Arras", "public": "autre", "phone": "0611223344"})
        sessions.register(ctx, sid, bid)
    data = sessions.sheet_data(ctx, sid)
    out = attendance_sheet.write(tmp_path / attendance_sheet.filename(data), data)
    assert out.name.startswith("emargement-2026-12-07-")
    flat = " ".join(text_of(out).split())
    for last, first in names:
        assert last.upper() in flat and first in flat
    assert "07/12/2026" in flat and "08/12/2026" in flat and "09/12/2026" in flat  # one column per day
    assert "Œuvre d'Arras" in flat and "Canal Seine-Nord Europe" in flat
    assert "06 11" not in flat and "0611" not in flat  # names only
    blank = attendance_sheet.write(tmp_path / attendance_sheet.filename(data, blank=True),
                                   sessions.get(ctx, sid), blank=True, day=date(2026, 12, 7))
    blank_text = " ".join(text_of(blank).split())
    assert "feuille vierge" in blank_text and "N'DIAYE" not in blank_text and "12" in blank_text


def test_long_sessions_get_one_dated_column():
    session = SimpleNamespace(start_date=date(2027, 2, 1), end_date=date(2027, 2, 26))
    assert attendance_sheet.sheet_days(session) == [None]
    assert attendance_sheet.sheet_days(SimpleNamespace(start_date=date(2026, 12, 24), end_date=date(2026, 12, 28))) == [
        date(2026, 12, 24), date(2026, 12, 28)]  # Christmas and the weekend left out


def test_a_session_with_hours_is_signed_morning_and_afternoon(ctx, tmp_path):
    with pytest.raises(Exception) as exc:
        sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier BTP", "start_date": "2026-12-07",
                              "commune": "Arras", "capacity": 12, "start_time": "16h", "end_time": "9:30"})
    assert "l'heure de fin précède l'heure de début" in str(exc.value)
    sid = sessions.create(ctx, {"kind": "sensibilisation", "title": "Atelier BTP", "start_date": "2026-12-07",
                                "end_date": "2026-12-08", "commune": "Arras", "capacity": 12,
                                "start_time": "9h", "end_time": "16:30"}).id
    got = sessions.get(ctx, sid)
    assert (got.start_time, got.end_time) == ("09:00", "16:30")
    bid = beneficiaries.create(ctx, {"last_name": "Martin", "first_name": "Léa", "birth_date": "1991-02-03",
                                     "commune": "Arras", "public": "rsa"})
    sessions.register(ctx, sid, bid)
    data = sessions.sheet_data(ctx, sid)
    flat = " ".join(text_of(attendance_sheet.write(tmp_path / "f.pdf", data)).split())
    assert flat.count("Matin") == 2 and flat.count("Après-midi") == 2  # two days, each signed twice
    assert "09:00" in flat and "16:30" in flat
    sessions.update(ctx, sid, {"start_time": "", "end_time": ""})
    plain = " ".join(text_of(attendance_sheet.write(tmp_path / "g.pdf", sessions.sheet_data(ctx, sid))).split())
    assert "Matin" not in plain
