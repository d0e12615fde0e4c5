"""The comité de suivi's bilan (issue 11), read back as a reader would: pdftotext's text carries
the four partners, the convention, every indicator's label and value and « Page N / M »; no count
from 1 to 4 appears anywhere; hostile names from the data print as text; the file is written
atomically. Consolidations are built from the device's own ``compute`` (tests/reports/comite_data)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from conseiller_app.domain.consolidation import PARTNERS, Consolidation
from conseiller_app.domain.indicators import DEFINITIONS, INDICATORS, Filters
from conseiller_app.reports import bilan
from conseiller_app.reports import comite as K
from tests.reports import comite_data as D

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) missing")

TODAY = date(2028, 9, 15)
HOSTILE = "<b>Évil</b> & <font color='red'>x</font>\x07\x1b[31m\u202e=cmd|' /C calc'!A0"
HOSTILE_SHOWN = "<b>Évil</b> & <font color='red'>x</font>[31m=cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def two_years() -> Consolidation:
    """Two years over the 8 territories; the Montreuillois-Ternois has 3 files (counts 1 to 4)."""
    return D.consolidation(D.dataset(900, days=730), Filters(D.SIGNATURE, date(2026, 8, 31)))


def text_of(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.replace("\u202f", " ").replace("\u00a0", " ")


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def small_counts(text: str) -> list[str]:
    """Standalone numbers 1 to 4 left once what is not a figure is taken out: page numbers,
    dates, article and deliberation numbers, the indicators' own numbers, quarter and year
    names, amounts and percentages."""
    t = flat(text)
    for pattern in (
        r"Page \d+ / \d+", r"de 1 à 4", r"\d{1,3}( \d{3})+",
        # Data quality: devices and conflicts are counted exactly (they describe the data, not people).
        r"\d+ appareil\(s\) sur \d+", r"\d+ conflit\(s\)",
        r"Appareils sans synchronisation depuis plus de \d+ jours \d+",
        r"Conflits de synchronisation ouverts \d+",
        r"\d{1,2}/\d{2}/\d{4}", r"\b\d{2}/\d{2}\b",  # dates, month axis labels (03/25)
        r"article \d+(-\d+)?", r"n° \d{4}-\d+",
        r"Indicateur \d", r"^\s*\d\. ", r"(?m)^\s*\d\. ",
        r"T\d\s*\d{4}", r"\bT\d\b", r"Année \d( de la convention)?", r"\b\d(er|e) trimestre",
        r"\d[\d ]*,\d+ ?[€%]", r"\d[\d ]* ?(k€|M€|€|%)",  # amounts and rates (and axis labels)
        r"\b(19|20)\d{2}\b",  # years
        r"n° \d+", r"Réserve \d",
    ):
        t = re.sub(pattern, " ", t, flags=re.MULTILINE)
    return re.findall(r"(?<![\w,.<])[1-4](?![\w,.%€])", t)


def test_bilan_names_the_partners_and_carries_every_indicator_with_its_value(tmp_path, two_years):
    c = two_years
    target = bilan.render_bilan(c, tmp_path / bilan.default_file_name(c), generated_on=TODAY)
    assert target.name == "bilan-comite_2024-09-01_2026-08-31.pdf"
    pages = len(PdfReader(str(target)).pages)
    text = text_of(target)
    one_line = flat(text)
    for partner in PARTNERS:
        assert partner in one_line
    assert "2024-330" in one_line and "article 6" in one_line.lower()
    assert "du 01/09/2024 au 31/08/2026" in one_line
    for key in INDICATORS:
        assert DEFINITIONS[key].title in one_line, key
    # Every value of the summary, as the summary sheet formats it.
    summary = K.summary_sheet(c, TODAY)
    for label, value, _ in summary.rows:
        if str(label)[:2] in {f"{n}." for n in range(1, 9)}:
            assert flat(bilan.fmt(value)).replace("\u202f", " ").replace("\u00a0", " ") in one_line, label
    r = c.report
    assert f"{r.positioned_by_agencies}" in one_line and r.positioned_by_agencies >= 5
    rate = f"{100 * r.insertion_all.rate:.1f}".replace(".", ",") + " %"
    assert rate in one_line
    assert bilan.fmt(K.Money(r.fpett_total)).replace("\u202f", " ").replace("\u00a0", " ") in one_line
    # The data-quality notes and page numbers on every page.
    assert c.quality is not None
    for note in c.quality.notes:
        assert flat(note) in one_line
    for n in range(1, pages + 1):
        assert f"Page {n} / {pages}" in text
    assert "Territoire" in text and "Lens-Liévin" in text and "Entonnoir du parcours" in text


def test_no_count_from_1_to_4_appears(tmp_path, two_years):
    """The Montreuillois-Ternois has 3 files: its counts, and whatever would give them back, are
    « < 5 »; no other figure of the document is 1 to 4 either."""
    c = two_years
    row = next(x for x in c.breakdowns["territory"].rows if x.key == "montreuillois_ternois")
    assert 0 < row.report.funnel[0].reached < 5  # the data does hold small counts
    text = text_of(bilan.render_bilan(c, tmp_path / "b.pdf", generated_on=TODAY))
    assert "< 5" in text
    assert small_counts(text) == []


def test_the_check_for_small_counts_does_find_one(tmp_path, two_years, monkeypatch):
    """The previous test can fail: with masking switched off, small counts show."""
    monkeypatch.setattr(K, "is_small", lambda n: False)
    monkeypatch.setattr(K, "_complement_small", lambda rate: False)
    text = text_of(bilan.render_bilan(two_years, tmp_path / "b.pdf", generated_on=TODAY))
    assert small_counts(text)


def test_hostile_names_print_as_text(tmp_path):
    territories = {**D.TERRITORIES, "arrageois": HOSTILE}
    c = D.consolidation(D.dataset(300, days=365), Filters(D.SIGNATURE, date(2025, 8, 31), territory="arrageois"),
                        territories=territories)
    target = bilan.render_bilan(c, tmp_path / "b.pdf", generated_on=TODAY)
    text = text_of(target)
    assert HOSTILE_SHOWN in flat(text)  # in the cover's scope and in the tables, markup as text
    assert "\x07" not in text and "\x1b" not in text and "\u202e" not in text


def test_a_very_long_name_does_not_break_the_layout(tmp_path):
    territories = {**D.TERRITORIES, "artois": "Artois " * 800}
    c = D.consolidation(D.dataset(200, days=365), Filters(D.SIGNATURE, date(2025, 8, 31)), territories=territories)
    text = flat(text_of(bilan.render_bilan(c, tmp_path / "b.pdf", generated_on=TODAY)))
    assert "Artois Artois" in text and "…" in text


def test_written_atomically_and_nothing_on_error(tmp_path, two_years):
    target = tmp_path / "bilan.pdf"
    target.write_bytes(b"previous")
    broken = replace(two_years, report=None)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        bilan.render_bilan(broken, target, generated_on=TODAY)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["bilan.pdf"]  # no temporary file left
    bilan.render_bilan(two_years, target, generated_on=TODAY)
    assert target.read_bytes().startswith(b"%PDF")


def test_default_file_name_names_no_one():
    f = Filters(date(2026, 1, 1), date(2026, 12, 31), territory="arrageois", referent_id="dev-marie-dupont",
                agency_id="ag-adecco-arras")
    c = Consolidation(f, D.consolidation(D.dataset(50, days=365), Filters(D.SIGNATURE, date(2025, 8, 31))).report,
                      device_id="0193f0aa-aaaa-7aaa-8aaa-aaaaaaaaaaaa")
    assert bilan.default_file_name(c) == "bilan-comite_2026-01-01_2026-12-31.pdf"


@pytest.mark.slow
def test_realistic_bilan_renders_in_a_few_seconds(tmp_path):
    """The convention's four years (48 months), 8 territories, 24 agencies: the aim is < 5 s
    (asserted at 15 s: the test machine is shared)."""
    c = D.realistic(1500)
    start = time.perf_counter()
    target = bilan.render_bilan(c, tmp_path / "b.pdf", generated_on=TODAY)
    seconds = time.perf_counter() - start
    print(f"bilan rendered in {seconds:.2f} s, {len(PdfReader(str(target)).pages)} pages")
    assert seconds < 15
