"""Export of the indicators: a one-page PDF naming the four partners and a CSV with stable keys,
amounts in cents; neither holds a file id or a name."""

from __future__ import annotations

import csv
import io
from datetime import date

from pypdf import PdfReader

from conseiller_app.domain import indicators as I
from conseiller_app.reports import indicators as export

BID = "0193f0aa-aaaa-7aaa-8aaa-aaaaaaaaaaaa"


def report() -> I.IndicatorReport:
    d = date(2026, 5, 4)
    ds = I.Dataset(
        files=[I.FileRow(BID, "rsa", "arrageois", "me", date(2026, 1, 5), "sortie")],
        steps=[I.StepRow(BID, "reperage", "realisee", date(2026, 1, 5), date(2026, 1, 5), None),
               I.StepRow(BID, "atelier", "realisee", date(2026, 1, 12), date(2026, 1, 12), None),
               I.StepRow(BID, "sortie", "realisee", d, d, "emploi_durable")],
        pci=[I.PciRow("p1", BID, d, "fastt", (("logement", True),))],
        funding=[I.FundingRow("l1", BID, "etape", "s1", "fpett", "cipi", 123450, d)],
        aktiv_envelopes={2026: 20_000_000})
    return I.compute(ds, I.Filters.calendar_year(2026, territory="arrageois"))


def test_pdf_is_one_page_with_the_partners_and_no_personal_data(tmp_path):
    r = report()
    target = tmp_path / export.filename(r, date(2026, 12, 3), "pdf")
    export.write_pdf(target, r, date(2026, 12, 3), "territoire Arrageois")
    assert target.name == "indicateurs-2026-12-03.pdf"
    pdf = PdfReader(str(target))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert "Taux d'insertion" in text and "100,0" in text and "1 234,50" in text.replace("\u202f", " ")
    assert "FPETT" in text and "AKTO" in text and "FASTT" in text and "Département du Pas-de-Calais" in text
    assert BID not in text


def test_csv_has_stable_keys_in_cents(tmp_path):
    r = report()
    target = export.write_csv(tmp_path / "indicateurs.csv", r)
    rows = {row["cle"]: row["valeur"] for row in csv.DictReader(io.StringIO(target.read_text("utf-8-sig")),
                                                                   delimiter=";")}
    assert rows["fpett_amount_cents.cipi"] == "123450" and rows["pci.count"] == "1"
    assert rows["insertion_rate.all.rate"] == "1.0" and rows["insertion_rate.agences.rate"] == ""  # no agency: absent
    assert rows["aktiv_envelope_cents.allocated"] == "20000000"
    assert rows["filtre.territory"] == "arrageois"
    assert BID not in target.read_text("utf-8-sig")
