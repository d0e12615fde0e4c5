"""The partners' exports (issue 11), read back by a real spreadsheet: LibreOffice headless
converts every sheet of the ODS and XLSX files to CSV (when ``soffice`` is installed; otherwise
openpyxl and odfpy read every sheet). Every sheet is there, every figure of the summary reads as
computed, no count is between 1 and 4, and a hostile name is text, never a formula."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conseiller_app.domain.consolidation import Consolidation, mask_counts
from conseiller_app.domain.errors import UsageError
from conseiller_app.domain.indicators import Filters
from conseiller_app.reports import comite as K
from conseiller_app.reports import partner_export as X
from tests.reports import comite_data as D

TODAY = date(2028, 9, 15)
#: LibreOffice, unless told to check the library readers' path (CONSEILLER_TEST_NO_SOFFICE=1).
SOFFICE = None if os.environ.get("CONSEILLER_TEST_NO_SOFFICE") else shutil.which("soffice")
HOSTILE = ['=HYPERLINK("http://exemple.invalid","clic")', "+33 1 02", "-2+3", "@SUM(A1:A9)", " =1+1",
           "<b>Lens</b>\x07\u202e"]


@pytest.fixture(scope="module")
def c() -> Consolidation:
    return D.consolidation(D.dataset(900, days=730), Filters(D.SIGNATURE, date(2026, 8, 31)))


def soffice_sheets(path: Path, tmp: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``path`` as LibreOffice reads it, converted to CSV (one file per sheet)."""
    out = tmp / f"conv-{path.suffix[1:]}"
    out.mkdir()
    profile = tmp / "lo-profile"
    env = {**os.environ, "HOME": str(tmp)}
    subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=180, env=env)
    sheets = {}
    for f in out.iterdir():
        name = f.stem[len(path.stem) + 1:]
        sheets[name] = list(csv.reader(io.StringIO(f.read_text("utf-8")), delimiter=";"))
    return sheets


def library_sheets(path: Path) -> dict[str, list[list[str]]]:
    """The same through openpyxl / odfpy (when LibreOffice is not installed): raw values, rates
    as « 75.0% » as LibreOffice writes them."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        def show(cell) -> str:
            if cell.value is None:
                return ""
            if "%" in cell.number_format and isinstance(cell.value, (int, float)):
                return f"{100 * cell.value:g}%"
            return str(cell.value)

        wb = load_workbook(path)
        return {ws.title: [[show(c) for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow

    def value(tc) -> str:
        raw = tc.getAttribute("value")
        if raw is None:
            return str(tc)
        return f"{100 * float(raw):g}%" if tc.getAttribute("valuetype") == "percentage" else str(raw)

    doc = load(str(path))
    out = {}
    for t in doc.spreadsheet.getElementsByType(Table):
        rows = [[value(tc) for tc in tr.getElementsByType(TableCell)] for tr in t.getElementsByType(TableRow)]
        out[str(t.getAttribute("name"))] = [row or [""] for row in rows]
    return out


def read_back(path: Path, tmp: Path) -> dict[str, list[list[str]]]:
    return soffice_sheets(path, tmp) if SOFFICE else library_sheets(path)


def small_cells(sheets: dict[str, list[list[str]]]) -> list[tuple[str, int, str]]:
    """Cells that read as a whole number from 1 to 4 — a count that should have been « < 5 ».
    Data quality (devices, conflicts) and delay medians (days) are not counts of people."""
    out = []
    for name, rows in sheets.items():
        if name in ("Qualité des données", "Délais"):
            continue
        for i, row in enumerate(rows):
            for cell in row:
                if re.fullmatch(r"\s*[1-4]([.,]0+)?\s*", cell):
                    out.append((name, i, cell))
    return out


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_spreadsheet_reads_back_with_every_sheet_and_no_small_count(tmp_path, c, fmt):
    target = X.export(c, fmt, tmp_path / X.default_file_name(c, fmt), generated_on=TODAY)
    assert target.name == f"indicateurs-partenaires_2024-09-01_2026-08-31.{fmt}"
    sheets = read_back(target, tmp_path)
    expected = [X._sheet_name(s) for s in K.sheets(c, TODAY)]
    assert sorted(sheets) == sorted(expected)
    assert "Par territoire" in sheets and "Définitions" in sheets and "Synthèse" in sheets
    assert "Par conseiller" not in sheets  # per named conseiller: not for partners
    # The summary's figures as computed.
    summary = {row[0]: row[1] for row in sheets["Synthèse"] if len(row) > 1}
    r = c.report
    assert int(summary["2. Personnes positionnées par les agences sur les actions préparatoires"]) == \
        r.positioned_by_agencies
    fpett = summary["6. Montant investi par le FPETT"].replace(",", ".")  # the ODS's cells are French
    assert abs(float(fpett) - r.fpett_total / 100) < 0.005
    # Every territory, the small one masked; no count from 1 to 4 anywhere.
    territory = {row[0]: row for row in sheets["Par territoire"]}
    assert set(D.TERRITORIES.values()) <= set(territory)
    assert territory["Montreuillois-Ternois"][7] == "< 5"  # its 3 files' PCI diagnostics
    assert small_cells(sheets) == []
    # The definitions sheet quotes the convention.
    assert any("Nombre de Parcours prévention finalisés" in " ".join(row) for row in sheets["Définitions"])


def test_the_check_for_small_counts_does_find_one(tmp_path, c, monkeypatch):
    monkeypatch.setattr(K, "is_small", lambda n: False)
    target = X.export(c, "xlsx", tmp_path / "x.xlsx", generated_on=TODAY)
    assert small_cells(library_sheets(target))


def test_csv_is_a_zip_of_one_csv_per_sheet(tmp_path, c):
    target = X.export(c, "csv", tmp_path / X.default_file_name(c, "csv"), generated_on=TODAY)
    assert target.suffix == ".zip"
    with zipfile.ZipFile(target) as z:
        names = z.namelist()
        assert names[0] == "01-synthese.csv" and "definitions" in names[-1]
        assert len(names) == len(K.sheets(c, TODAY))
        sheets = {}
        for n in names:
            raw = z.read(n)
            assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: French spreadsheets read the accents
            sheets[n] = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert small_cells({k: v for k, v in sheets.items() if "qualite" not in k and "delais" not in k}) == []
    finance = {row[1]: row[2] for row in sheets["03-financements.csv"][1:] if len(row) > 2}
    assert finance["Total"].count(",") == 1  # decimal comma


def test_formulas_in_names_stay_text(tmp_path):
    territories = dict(zip(D.TERRITORIES, [*HOSTILE, "Artois", "Calaisis"], strict=True))
    c = D.consolidation(D.dataset(400, days=365), Filters(D.SIGNATURE, date(2025, 8, 31)), territories=territories)
    xlsx = X.export(c, "xlsx", tmp_path / "x.xlsx", generated_on=TODAY)
    ods = X.export(c, "ods", tmp_path / "x.ods", generated_on=TODAY)
    from openpyxl import load_workbook

    ws = load_workbook(xlsx)["Par territoire"]
    names = [ws.cell(row=i, column=1) for i in range(2, 2 + len(territories))]
    assert all(cell.data_type == "s" for cell in names)
    assert names[0].value == "'" + HOSTILE[0] and names[3].value == "'@SUM(A1:A9)"
    assert names[5].value == "<b>Lens</b>"  # markup is plain text here, controls gone
    with zipfile.ZipFile(ods) as z:
        assert b"table:formula" not in z.read("content.xml")
    sheets = read_back(ods, tmp_path)
    first_column = [row[0] for row in sheets["Par territoire"]]
    assert "'" + HOSTILE[0] in first_column and "clic" not in first_column
    if SOFFICE:  # and LibreOffice reading the XLSX agrees
        (tmp_path / "x").mkdir()
        first_column = [row[0] for row in soffice_sheets(xlsx, tmp_path / "x")["Par territoire"]]
        assert "'" + HOSTILE[0] in first_column and "'+33 1 02" in first_column and "clic" not in first_column


def test_wrong_suffix_or_format_writes_nothing(tmp_path, c):
    with pytest.raises(UsageError, match=r"\.zip"):
        X.export(c, "csv", tmp_path / "export.csv")
    with pytest.raises(UsageError, match="xlsx"):
        X.export(c, "xlsx", tmp_path / "export.ods")
    with pytest.raises(UsageError, match="inconnu"):
        X.export(c, "pdf", tmp_path / "export.pdf")
    assert list(tmp_path.iterdir()) == []


@given(st.lists(st.integers(0, 40), min_size=1, max_size=8))
def test_suppress_is_mask_counts(counts):
    """The tables' masking is the shared rule of domain.consolidation."""
    texts, _ = mask_counts(counts, sum(counts))
    masked = K.suppress(counts, [0 < n < 5 for n in counts], sum(counts))
    assert [t == "< 5" for t in texts] == masked


@given(st.lists(st.integers(0, 30), min_size=2, max_size=8))
def test_a_masked_count_cannot_be_found_from_the_total(counts):
    """Whatever the counts, a masked cell is never alone in its column (with the total shown)."""
    masked = K.suppress(counts, [0 < n < 5 for n in counts], sum(counts))
    positives = [i for i, n in enumerate(counts) if n > 0]
    if any(masked) and len(positives) > 1:
        assert sum(masked) >= 2
