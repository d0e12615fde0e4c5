"""The access statement PDF (relevé droit d'accès, RGPD article 15): the person's identity, a
consent, a pathway step, a referral reference and audit lines with their accents; nothing of
another person; a neutral file name; page numbers; written atomically."""

from __future__ import annotations

import re

from pypdf import PdfReader

from conseiller_app.reports import access_report
from conseiller_app.storage.services import access
from tests.reports.test_documents import pdftotext, text_of
from tests.storage.test_access import AGENCY_NAME


def test_statement_holds_the_file_and_nothing_else(ctx, two_people, tmp_path):
    bid, ref, _other, other_ref = two_people
    data = access.gather(ctx, bid)
    out = access_report.write(tmp_path / access_report.filename(data), data)
    assert out.name == f"releve-droit-acces-{data['reference']}.pdf"
    assert re.fullmatch(r"releve-droit-acces-DA-[0-9A-F]{12}\.pdf", out.name)  # no name, no date of birth
    assert not list(tmp_path.glob(".tmp-*"))  # atomic write left no temp file
    flat = " ".join(text_of(out).split())
    assert "Relevé des données détenues — droit d'accès (article 15 du RGPD)" in flat
    assert "DÉPARTEMENT DU PAS-DE-CALAIS" in flat and "Marie Dupont" in flat and "MDS Arras" in flat
    for shown in ("Lefèvre", "Zoé", "15/06/1988", "06 12 34 56 78", "zoe@exemple.fr", "1234567", "12345678901",
                  "62000 Arras", "Allocataire du RSA", "Rencontrée à l'accueil de la MDS.",
                  AGENCY_NAME, "Identité, Coordonnées",                      # a consent
                  "Atelier de sensibilisation BTP", "Planifiée (inscrit)",   # a pathway step
                  ref, "CIPI", "Maçon",                                       # a referral
                  "Atelier BTP — Arras",                                      # a session
                  "Mobilité", "Pas de permis", "ma mobilité 62", "Dossier déposé",
                  "Consentement enregistré", "Orientation créée", "Relevé droit d'accès",  # audit lines
                  "24 mois après le dernier contact", "28/11/2028",
                  "06 99 88 77 66"):                                          # the pending draft
        assert shown in flat, shown
    assert "Santé" in flat and "Rendez-vous pris" not in flat  # health: the flag, never free text
    for secret in ("Quérel", "Bertrand", "07 81 23", "7654321", other_ref, "CDPI"):
        assert secret not in flat, secret
    pages = len(PdfReader(str(out)).pages)
    assert f"Page 1 / {pages}" in flat and f"Page {pages} / {pages}" in flat
    assert ref in pdftotext(out)  # poppler agrees
