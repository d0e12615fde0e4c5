"""The partners' exports (issue 11): the comité's figures as a spreadsheet (ODS or XLSX) or as
CSV files, one sheet per table of :func:`conseiller_app.reports.comite.sheets` — a summary, the
insertion split, funding, PCI, funnel, exits, delays, barriers, the trend, one sheet per
breakdown, data quality, and the definitions.

Every figure is already masked by ``comite`` (counts of 1 to 4 read « < 5 » and cannot be found
again from a total). Here:

* numbers stay numbers (counts, amounts in euros with cents, rates as percentages), so that a
  partner can sum and chart them; masked and absent figures are text (« < 5 », « n. p. », « — »);
* every text cell is cleaned of control characters, and one that a spreadsheet could take for a
  formula (starting with ``=``, ``+``, ``-`` or ``@``, after any spaces) is prefixed with an
  apostrophe, so a hostile territory or agency name stays text everywhere (OWASP's advice);
* CSV: a ZIP archive holding one CSV file per sheet (``01-synthese.csv``…): one CSV with a
  « sheet » column would mix tables whose columns differ. The CSV files are what French
  spreadsheets open directly: UTF-8 with a BOM, « ; » between fields, decimal comma;
* files are written atomically, under a name of the caller's choosing;
  :func:`default_file_name` suggests one that names no person.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from conseiller_app.domain.consolidation import Consolidation
from conseiller_app.domain.errors import UsageError
from conseiller_app.reports import comite as K
from conseiller_app.storage.fsutil import write_bytes_atomic

__all__ = ["FORMATS", "default_file_name", "export", "export_bytes", "neutralise"]

#: format -> file suffix
FORMATS = {"ods": ".ods", "xlsx": ".xlsx", "csv": ".zip"}

#: Sheet names (at most 31 characters, none of []:*?/\ — the limits of Excel and LibreOffice).
SHEET_NAMES = {
    "synthese": "Synthèse", "insertion": "Taux d'insertion", "financements": "Financements", "pci": "PCI",
    "entonnoir": "Entonnoir", "sorties": "Sorties", "delais": "Délais", "freins": "Freins",
    "evolution": "Évolution", "par_territory": "Par territoire", "par_conseiller": "Par conseiller",
    "par_agency": "Par agence", "par_chantier": "Par chantier", "par_public": "Par public",
    "par_scheme": "Par dispositif", "par_month": "Par mois", "par_quarter": "Par trimestre",
    "par_convention_year": "Par année de convention", "qualite": "Qualité des données",
    "definitions": "Définitions",
}

_FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and their full-width forms


def neutralise(text: object) -> str:
    """Text safe in a spreadsheet cell: cleaned, and prefixed with « ' » when a spreadsheet
    could read it as a formula."""
    s = K.clean_text(text)
    if len(s) > 2000:  # spreadsheets cap a cell at 32,767 characters; no name of ours is this long
        s = s[:1999] + "…"
    if s.lstrip().startswith(_FORMULA_START):
        return "'" + s
    return s


def default_file_name(c: Consolidation, fmt: str) -> str:
    """« indicateurs-partenaires_2026-01-01_2026-12-31.xlsx »: no person, device or user in it."""
    return K.default_file_name("indicateurs-partenaires", c.filters, FORMATS[fmt].lstrip("."))


def _sheet_name(sheet: K.Sheet) -> str:
    name = SHEET_NAMES.get(sheet.key) or sheet.title
    for bad in "[]:*?/\\":
        name = name.replace(bad, " ")
    return name[:31]


def check_target(fmt: str, out: Path) -> None:
    """A French error when ``out`` does not suit ``fmt`` (before anything is computed)."""
    if fmt not in FORMATS:
        raise UsageError(f"Format d'export inconnu « {fmt} » (attendu : ods, xlsx ou csv).")
    if out.suffix.lower() != FORMATS[fmt]:
        extra = " (le format csv produit une archive .zip : un fichier CSV par feuille)" if fmt == "csv" else ""
        raise UsageError(f"Le fichier d'un export {fmt} doit se terminer par {FORMATS[fmt]}{extra} : "
                         f"« {K.clean_text(out.name)} » ne convient pas. Rien n'a été écrit.")


def export_bytes(consolidation: Consolidation, fmt: str, *, generated_on: date | None = None,
                 dimensions: Sequence[str] | None = None) -> bytes:
    """The export's bytes (what the console sends). ``dimensions``: the breakdowns to include
    (default: all but the per-conseiller one, see ``comite.INTERNAL_DIMENSIONS``)."""
    if fmt not in FORMATS:
        raise UsageError(f"Format d'export inconnu « {fmt} » (attendu : ods, xlsx ou csv).")
    day = generated_on or (consolidation.quality.computed_on if consolidation.quality else date.today())
    sheets = K.sheets(consolidation, day, dimensions)
    if fmt == "csv":
        return _csv_zip(sheets)
    try:
        return _xlsx(sheets) if fmt == "xlsx" else _ods(sheets)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("openpyxl", "odf"):
            raise UsageError(f"L'export {fmt} a besoin des modules du siège (openpyxl, odfpy) : installez "
                             "« conseiller-app[central] ». Rien n'a été écrit.") from None
        raise


def export(consolidation: Consolidation, fmt: str, out: Path, *, generated_on: date | None = None,
           dimensions: Sequence[str] | None = None) -> Path:
    """Write the export atomically to ``out`` (its suffix must match ``fmt``: .ods, .xlsx, or
    .zip for csv); nothing is written on error."""
    out = Path(out)
    check_target(fmt, out)
    write_bytes_atomic(out, export_bytes(consolidation, fmt, generated_on=generated_on, dimensions=dimensions))
    return out


# --- cells -----------------------------------------------------------------------------------


def _euros(m: K.Money) -> Decimal:
    return Decimal(m.cents).scaleb(-2)


def _text(cell: K.Cell) -> str:
    """What a cell reads as text (CSV; masked and absent figures everywhere)."""
    if cell is None:
        return "—"
    if isinstance(cell, K.Masked):
        return str(cell)
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, K.Money):
        return f"{_euros(cell):.2f}".replace(".", ",")
    if isinstance(cell, K.Pct):
        return f"{100 * cell.value:.1f}".replace(".", ",") + " %"
    return neutralise(cell)


def _widths(sheet: K.Sheet) -> list[float]:
    """Column widths in characters."""
    out = []
    for i, col in enumerate(sheet.columns):
        longest = max([len(col.title) * 0.8, *(len(_text(r[i])) for r in sheet.rows)], default=8)
        out.append(min(55.0, max(9.0, longest + 2)))
    return out


# --- XLSX (openpyxl) -------------------------------------------------------------------------


def _xlsx(sheets: Sequence[K.Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    for default in list(wb.worksheets):  # the empty sheet a new workbook starts with
        wb.remove(default)
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="1F3A5F")
    for sheet in sheets:
        ws = wb.create_sheet(_sheet_name(sheet))
        for j, col in enumerate(sheet.columns, 1):
            c = ws.cell(row=1, column=j, value=neutralise(col.title))
            c.font, c.fill = head_font, head_fill
            c.alignment = Alignment(wrap_text=True, vertical="center")
        for i, row in enumerate(sheet.rows, 2):
            for j, cell in enumerate(row, 1):
                target = ws.cell(row=i, column=j)
                if isinstance(cell, bool) or cell is None or isinstance(cell, (K.Masked, str)):
                    target.value = _text(cell)
                    target.data_type = "s"  # never a formula, whatever the text
                    if not isinstance(cell, str):
                        target.alignment = Alignment(horizontal="right")
                    else:
                        target.alignment = Alignment(wrap_text=len(cell) > 55, vertical="top")
                elif isinstance(cell, int):
                    target.value = cell
                    target.number_format = "#,##0"
                elif isinstance(cell, K.Money):
                    target.value = _euros(cell)
                    target.number_format = '#,##0.00\\ "€"'
                else:  # Pct
                    target.value = cell.value
                    target.number_format = "0.0%"
            if row and row[0] == "Ensemble":
                for j in range(1, len(row) + 1):
                    ws.cell(row=i, column=j).font = Font(bold=True)
        if sheet.note:
            c = ws.cell(row=len(sheet.rows) + 3, column=1, value=neutralise(sheet.note))
            c.data_type = "s"
            c.font = Font(italic=True, color="5B5B5B")
        for j, width in enumerate(_widths(sheet), 1):
            ws.column_dimensions[get_column_letter(j)].width = width
        ws.freeze_panes = "B2" if len(sheet.columns) > 2 else "A2"
    wb.properties.creator = "Département du Pas-de-Calais"
    wb.properties.title = "Indicateurs de la convention — export pour les partenaires"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- ODS (odfpy) -----------------------------------------------------------------------------


def _ods(sheets: Sequence[K.Sheet]) -> bytes:
    from odf import number as N
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import (
        DefaultStyle,
        ParagraphProperties,
        Style,
        TableCellProperties,
        TableColumnProperties,
        TextProperties,
    )
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    auto = doc.automaticstyles
    default = DefaultStyle(family="table-cell")
    default.addElement(TextProperties(language="fr", country="FR"))
    doc.styles.addElement(default)

    def data_style(element: N.Element, name: str) -> str:
        auto.addElement(element)
        cell = Style(name=f"ce-{name}", family="table-cell", datastylename=element.getAttribute("name"))
        auto.addElement(cell)
        return str(cell.getAttribute("name"))

    # French number formats (1 234,50 €, 74,6 %) whatever the reader's own locale.
    fr = {"language": "fr", "country": "FR"}
    integer = N.NumberStyle(name="n-int", **fr)
    integer.addElement(N.Number(decimalplaces="0", minintegerdigits="1", grouping="true"))
    euros = N.CurrencyStyle(name="n-eur", **fr)
    euros.addElement(N.Number(decimalplaces="2", minintegerdigits="1", grouping="true"))
    euros.addElement(N.Text(text="\u00a0"))
    euros.addElement(N.CurrencySymbol(language="fr", country="FR", text="€"))
    percent = N.PercentageStyle(name="n-pct", **fr)
    percent.addElement(N.Number(decimalplaces="1", minintegerdigits="1"))
    percent.addElement(N.Text(text="\u00a0%"))
    st_int, st_eur, st_pct = data_style(integer, "int"), data_style(euros, "eur"), data_style(percent, "pct")
    head = Style(name="ce-head", family="table-cell")
    head.addElement(TableCellProperties(backgroundcolor="#1f3a5f", wrapoption="wrap"))
    head.addElement(TextProperties(fontweight="bold", color="#ffffff"))
    auto.addElement(head)
    right = Style(name="ce-right", family="table-cell")
    right.addElement(ParagraphProperties(textalign="end"))
    auto.addElement(right)
    wrap = Style(name="ce-wrap", family="table-cell")
    wrap.addElement(TableCellProperties(wrapoption="wrap", verticalalign="top"))
    auto.addElement(wrap)
    bold = Style(name="ce-bold", family="table-cell")
    bold.addElement(TextProperties(fontweight="bold"))
    auto.addElement(bold)

    widths: dict[int, str] = {}

    def column_style(chars: float) -> str:
        key = round(chars)
        if key not in widths:
            s = Style(name=f"co-{key}", family="table-column")
            s.addElement(TableColumnProperties(columnwidth=f"{key * 0.2:.1f}cm"))
            auto.addElement(s)
            widths[key] = str(s.getAttribute("name"))
        return widths[key]

    def text_cell(text: str, style: str | None = None) -> TableCell:
        tc = TableCell(valuetype="string", stylename=style) if style else TableCell(valuetype="string")
        tc.addElement(P(text=text))
        return tc

    for sheet in sheets:
        table = Table(name=_sheet_name(sheet))
        for w in _widths(sheet):
            table.addElement(TableColumn(stylename=column_style(w)))
        tr = TableRow()
        for col in sheet.columns:
            tr.addElement(text_cell(neutralise(col.title), "ce-head"))
        table.addElement(tr)
        for row in sheet.rows:
            tr = TableRow()
            total = row[0] == "Ensemble"
            for cell in row:
                if isinstance(cell, bool) or cell is None or isinstance(cell, (K.Masked, str)):
                    style = ("ce-bold" if total else "ce-right" if not isinstance(cell, str)
                             else "ce-wrap" if len(cell) > 55 else None)
                    tc = text_cell(_text(cell), style)
                elif isinstance(cell, int):
                    tc = TableCell(valuetype="float", value=str(cell), stylename=st_int)
                    tc.addElement(P(text=str(cell)))
                elif isinstance(cell, K.Money):
                    tc = TableCell(valuetype="currency", currency="EUR", value=str(_euros(cell)), stylename=st_eur)
                    tc.addElement(P(text=_text(cell) + "\u00a0€"))
                else:
                    tc = TableCell(valuetype="percentage", value=repr(cell.value), stylename=st_pct)
                    tc.addElement(P(text=_text(cell)))
                tr.addElement(tc)
            table.addElement(tr)
        if sheet.note:
            table.addElement(TableRow())
            tr = TableRow()
            tr.addElement(text_cell(neutralise(sheet.note)))
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


# --- CSV (a ZIP of one CSV per sheet) --------------------------------------------------------


def csv_name(index: int, sheet: K.Sheet) -> str:
    return f"{index:02d}-{sheet.key.replace('_', '-')}.csv"


def _csv_zip(sheets: Sequence[K.Sheet]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for i, sheet in enumerate(sheets, 1):
            text = io.StringIO()
            w = csv.writer(text, delimiter=";", lineterminator="\r\n")
            w.writerow([neutralise(c.title) for c in sheet.columns])
            for row in sheet.rows:
                w.writerow([_text(c) for c in row])
            if sheet.note:
                w.writerow([])
                w.writerow([neutralise(sheet.note)])
            info = zipfile.ZipInfo(csv_name(i, sheet), date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, ("\ufeff" + text.getvalue()).encode("utf-8"))
    return buf.getvalue()
