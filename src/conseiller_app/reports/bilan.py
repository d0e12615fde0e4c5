"""The comité de suivi's bilan (issue 11): a PDF a chargé·e de mission can hand out unchanged.

Cover naming the four partners and the convention (article 6), the period, a summary, each of
the eight indicators of article 5-1 with its definition, its value, its trend and its breakdown
by territory (tables and charts drawn with reportlab's graphics), the funnel, the funding
tables, exits, delays and barriers, the data-quality notes, an annex of breakdowns, and
« Page N / M » on every page.

Every figure comes from :mod:`conseiller_app.reports.comite`, already masked (counts of 1 to 4
read « < 5 », and nothing masked can be found again from a total): charts draw a masked figure
as no bar, with « < 5 » written in its place. Texts from the data (territory, agency, device
names) are cleaned of control characters and escaped before they reach a Paragraph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from conseiller_app.domain.consolidation import PARTNERS, BreakdownRow, Consolidation
from conseiller_app.domain.facts import format_euros
from conseiller_app.domain.indicators import DEFINITIONS, INDICATORS
from conseiller_app.reports import comite as K
from conseiller_app.reports.common import (
    ACCENT,
    BAND,
    CONVENTION,
    FONT,
    FONT_BOLD,
    ISSUER,
    ISSUER_SERVICE,
    MUTED,
    RULE,
    esc,
    fr_long_date,
    render_story,
    section,
    styles,
)
from conseiller_app.storage.fsutil import write_bytes_atomic

__all__ = ["default_file_name", "render_bilan", "render_bilan_bytes"]

MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN
LIGHT = colors.HexColor("#9fb3c8")
MASK_GREY = colors.HexColor("#8a8a8a")


def default_file_name(c: Consolidation) -> str:
    """« bilan-comite_2026-01-01_2026-12-31.pdf »: no person, no device, no user in it."""
    return K.default_file_name("bilan-comite", c.filters, "pdf")


# --- text ------------------------------------------------------------------------------------


clean = K.clean_text


def para(text: object, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of plain text (never markup)."""
    return Paragraph(esc(clean(text)), style)


def short(text: object, n: int = 30) -> str:
    s = clean(text)
    return s if len(s) <= n else s[: n - 1] + "…"


def fmt(cell: K.Cell, *, whole_euros: bool = False) -> str:
    if cell is None:
        return "—"
    if isinstance(cell, K.Masked):
        return str(cell)
    if isinstance(cell, bool):  # pragma: no cover - never built
        return "oui" if cell else "non"
    if isinstance(cell, int):
        return f"{cell:,}".replace(",", "\u202f")
    if isinstance(cell, K.Money):
        if whole_euros:
            euros = (abs(cell.cents) + 50) // 100
            return ("-" if cell.cents < 0 else "") + f"{euros:,}".replace(",", "\u202f") + "\u00a0€"
        return format_euros(cell.cents)
    if isinstance(cell, K.Pct):
        return f"{100 * cell.value:.1f}".replace(".", ",") + "\u00a0%"
    return short(cell, 200)  # a name from the data: never taller than a page


def _number(cell: K.Cell) -> float:
    """The height of a bar: masked and absent figures draw nothing."""
    if isinstance(cell, bool) or cell is None or isinstance(cell, (K.Masked, str)):
        return 0.0
    if isinstance(cell, int):
        return float(cell)
    if isinstance(cell, K.Money):
        return cell.cents / 100
    return 100 * cell.value  # Pct


# --- charts ----------------------------------------------------------------------------------


def _nice_step(top: float, kind: str) -> float:
    """A tick step giving 3 to 6 ticks; for counts a multiple of 5, so that no axis label reads
    like a masked count (1 to 4)."""
    if kind == "rate":
        return 25.0
    factor = 1.0 if kind == "amount" else 5.0
    candidates = [factor * m * 10.0**e for e in range(0, 12) for m in (1, 2, 5)]
    for step in candidates:
        if top / step <= 5:
            return step
    return candidates[-1]


def _axis_label(kind: str) -> Callable[[float], str]:
    def label(v: float) -> str:
        if kind == "rate":
            return f"{v:.0f}\u00a0%"
        if kind == "amount":
            if v >= 1_000_000:
                return f"{v / 1_000_000:.1f}".replace(".", ",").replace(",0", "") + "\u00a0M€"
            if v >= 1000:
                return f"{v / 1000:.0f}\u00a0k€"
            return f"{v:.0f}\u00a0€"
        return f"{v:,.0f}".replace(",", "\u202f")

    return label


def _value_axis(axis: Any, values: Sequence[float], kind: str) -> None:
    top = max([0.0, *values])
    if kind == "rate":
        top = 100.0
    step = _nice_step(top or 1, kind)
    axis.valueMin = 0
    axis.valueMax = max(step, step * -(-top // step))
    axis.valueStep = step
    axis.labels.fontName = FONT
    axis.labels.fontSize = 6.5
    axis.labelTextFormat = _axis_label(kind)
    axis.strokeColor = RULE
    axis.gridStrokeColor = colors.HexColor("#dfe4ea")
    axis.visibleGrid = True


def _bar_labels(cells: Sequence[K.Cell], kind: str, show_values: bool) -> list[str]:
    out = []
    for c in cells:
        if isinstance(c, K.Masked):
            out.append(str(c))
        elif not show_values or c is None:
            out.append("")
        else:
            out.append(_axis_label(kind)(_number(c)) if kind == "amount" else fmt(c))
    return out


def _place(chart: Any, x: float, y: float, width: float, height: float) -> None:
    """Position a chart in its drawing (points; reportlab's stubs type these as int)."""
    chart.x, chart.y, chart.width, chart.height = x, y, width, height


def compact_period(key: str, label: str) -> str:
    """An axis label: « 2026-03 » -> « 03/26 », « 2026-T2 » -> « T2 2026 », « 2 » -> « Année 2 »."""
    if len(key) == 7 and key[4] == "-" and key[5:].isdigit():
        return f"{key[5:]}/{key[2:4]}"
    if "-T" in key:
        year, q = key.split("-T", 1)
        return f"T{q}\n{year}"
    if key.isdigit():
        return f"Année {key}"
    return short(label, 12)


def trend_chart(labels: Sequence[str], cells: Sequence[K.Cell], kind: str, title: str,
                width: float = WIDTH, height: float = 48 * mm) -> Drawing:
    """Vertical bars, one per period, oldest first."""
    d = Drawing(width, height)
    d.add(String(0, height - 3.2 * mm, clean(title), fontName=FONT_BOLD, fontSize=7.5, fillColor=ACCENT))
    many = len(cells) > 20
    chart = VerticalBarChart()
    y = (10 if many else 9) * mm
    _place(chart, 16 * mm, y, width - 19 * mm, height - y - 7 * mm)
    values = [_number(c) for c in cells] or [0.0]
    chart.data = [values]
    chart.categoryAxis.categoryNames = list(labels) or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 5.5 if many else 6.5
    chart.categoryAxis.strokeColor = RULE
    if many:
        chart.categoryAxis.labels.angle = 90
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dy = -2
    _value_axis(chart.valueAxis, values, kind)
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "values"
    chart.barLabelArray = [_bar_labels(cells, kind, not many)] if cells else [[""]]
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 5 if many else 6
    chart.barLabels.fillColor = INK_LABEL
    chart.barLabels.nudge = 3
    if many:
        chart.barLabels.angle = 90
        chart.barLabels.boxAnchor = "w"
    d.add(chart)
    return d


INK_LABEL = colors.HexColor("#333333")


def territory_chart(labels: Sequence[str], cells: Sequence[K.Cell], kind: str, width: float,
                    height: float | None = None) -> Drawing:
    """Horizontal bars, one per territory (first at the top)."""
    n = max(1, len(cells))
    height = height or max(30 * mm, (7 + 5.2 * n) * mm)
    d = Drawing(width, height)
    chart = HorizontalBarChart()
    _place(chart, 33 * mm, 6 * mm, width - 33 * mm - 12 * mm, height - 8 * mm)
    values = [_number(c) for c in cells][::-1] or [0.0]
    chart.data = [values]
    chart.categoryAxis.categoryNames = [short(x, 24) for x in labels][::-1] or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.strokeColor = RULE
    _value_axis(chart.valueAxis, values, kind)
    chart.bars[0].fillColor = LIGHT if kind == "amount" else ACCENT
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "values"
    chart.barLabelArray = [_bar_labels(cells, kind, True)[::-1]] if cells else [[""]]
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6
    chart.barLabels.fillColor = INK_LABEL
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.nudge = 3
    d.add(chart)
    return d


def funnel_chart(sheet: K.Sheet, width: float) -> Drawing:
    rows = list(sheet.rows)[::-1]
    height = (10 + 6.5 * len(rows)) * mm
    d = Drawing(width, height)
    chart = HorizontalBarChart()
    _place(chart, 46 * mm, 6 * mm, width - 46 * mm - 14 * mm, height - 13 * mm)
    reached = [_number(r[1]) for r in rows]
    current = [_number(r[2]) for r in rows]
    chart.data = [reached, current]
    chart.categoryAxis.categoryNames = [short(r[0], 30) for r in rows]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.strokeColor = RULE
    _value_axis(chart.valueAxis, reached + current, "count")
    chart.bars[0].fillColor = ACCENT
    chart.bars[1].fillColor = LIGHT
    chart.bars[0].strokeColor = chart.bars[1].strokeColor = None
    chart.barSpacing = 0.6  # type: ignore[assignment]  # the stubs say int; reportlab takes points
    chart.barLabelFormat = "values"
    chart.barLabelArray = [_bar_labels([r[1] for r in rows], "count", True),
                           _bar_labels([r[2] for r in rows], "count", True)]
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 5.5
    chart.barLabels.fillColor = INK_LABEL
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.nudge = 2
    d.add(chart)
    d.add(String(46 * mm, height - 4 * mm, "Foncé : ont atteint l'étape — clair : y sont aujourd'hui",
                 fontName=FONT, fontSize=6.5, fillColor=MUTED))
    return d


# --- tables ----------------------------------------------------------------------------------


def sheet_table(sheet: K.Sheet, widths: Sequence[float], st: dict[str, ParagraphStyle], *,
                whole_euros: bool = False, small: bool = False, short_heads: bool = False) -> Table:
    """A comite sheet as a banded table; numbers right-aligned; the « Ensemble » line in bold."""
    cell_st = st["cell_small"] if small else st["cell"]
    num_st = st["num_small"] if small else st["num"]
    head = [Paragraph(esc(clean(c.short if short_heads and c.short else c.title)),
                      st["head_small"] if small else st["head"]) for c in sheet.columns]
    body = []
    last = len(sheet.rows) - 1
    for i, row in enumerate(sheet.rows):
        total = i == last and row[0] == "Ensemble"
        line = []
        for col, cell in zip(sheet.columns, row, strict=True):
            text = esc(fmt(cell, whole_euros=whole_euros))
            is_text = col.kind == "text" or (col.kind == "mixed" and isinstance(cell, str))
            if total:
                style = st["cell_bold"] if is_text else st["num_bold_small" if small else "num_bold"]
            elif is_text and isinstance(cell, str) and cell.startswith("   "):  # a sub-line (« dont … »)
                style = st["cell_indent"]
            else:
                style = cell_st if is_text else num_st
            line.append(Paragraph(text, style))
        body.append(line)
    t = Table([head, *body], colWidths=list(widths), repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BAND]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.8), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if sheet.rows and sheet.rows[-1][0] == "Ensemble":
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 0.6, ACCENT))
    t.setStyle(TableStyle(commands))
    return t


def _styles() -> dict[str, ParagraphStyle]:
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT

    st = styles()
    base = st["base"]
    st["num"] = ParagraphStyle("num", parent=st["cell"], alignment=TA_RIGHT)
    st["num_bold"] = ParagraphStyle("num_bold", parent=st["num"], fontName=FONT_BOLD)
    st["cell_small"] = ParagraphStyle("cell_small", parent=st["cell"], fontSize=7, leading=8.5)
    st["cell_indent"] = ParagraphStyle("cell_indent", parent=st["cell"], leftIndent=4 * mm, textColor=MUTED)
    st["num_small"] = ParagraphStyle("num_small", parent=st["cell_small"], alignment=TA_RIGHT)
    st["num_bold_small"] = ParagraphStyle("num_bold_small", parent=st["num_small"], fontName=FONT_BOLD)
    st["head_small"] = ParagraphStyle("head_small", parent=st["head"], fontSize=6.5, leading=8)
    st["cover_title"] = ParagraphStyle("cover_title", parent=base, fontName=FONT_BOLD, fontSize=26, leading=31,
                                       textColor=ACCENT)
    st["cover_sub"] = ParagraphStyle("cover_sub", parent=base, fontSize=13, leading=17, textColor=colors.HexColor(
        "#333333"))
    st["partner"] = ParagraphStyle("partner", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=14)
    st["big"] = ParagraphStyle("big", parent=base, fontName=FONT_BOLD, fontSize=20, leading=24, textColor=ACCENT)
    st["big_label"] = ParagraphStyle("big_label", parent=base, fontSize=8, leading=10, textColor=MUTED)
    st["quote"] = ParagraphStyle("quote", parent=base, fontSize=8.5, leading=11, textColor=colors.HexColor("#333333"),
                                 leftIndent=4 * mm)
    st["def"] = ParagraphStyle("def", parent=base, fontSize=8, leading=10.5)
    st["h1"] = ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=13, leading=16, textColor=ACCENT,
                              spaceBefore=2 * mm, spaceAfter=1.5 * mm)
    st["center_small"] = ParagraphStyle("center_small", parent=st["small"], alignment=TA_CENTER)
    return st


# --- the document ----------------------------------------------------------------------------

#: Which breakdown column each indicator's trend and territory chart show, and its kind.
_INDICATOR_FIGURE = {
    "spott_grands_chantiers": ("spott_grands_chantiers", "count", "SPOTT grands chantiers (sessions)"),
    "positioned_by_agencies": ("positioned_by_agencies", "count", "personnes positionnées"),
    "insertion_rate": ("insertion_rate", "rate", "taux d'insertion"),
    "prevention_completed": ("prevention_completed", "count", "parcours prévention finalisés"),
    "pci": ("pci", "count", "Points Conseils Intérimaire"),
    "fpett_amount_cents": ("fpett_amount_cents", "amount", "montant FPETT"),
    "aktiv_envelope_cents": ("aktiv_committed_cents", "amount", "AKTIV compétences engagé"),
    "departement_amount_cents": ("departement_amount_cents", "amount", "montant Département"),
}


def _cover(c: Consolidation, generated_on: date, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    story: list[Flowable] = [
        Spacer(1, 16 * mm),
        Paragraph("Bilan de la convention", st["cover_title"]),
        Paragraph("Comité de suivi — indicateurs de l'article 5-1", st["cover_sub"]),
        Spacer(1, 4 * mm),
        para(f"Période : {K.period_in_words(c.filters)}", st["cover_sub"]),
    ]
    narrowing = K.filters_in_words(c)
    if narrowing:
        story.append(para("Périmètre : " + " ; ".join(f"{k.lower()} {v}" for k, v in narrowing), st["subtitle"]))
    else:
        story.append(Paragraph("Périmètre : tout le Département, tous les appareils des conseillers", st["subtitle"]))
    story += [Spacer(1, 10 * mm), section("Les partenaires de la convention (article 6)", WIDTH, st),
              Spacer(1, 2 * mm)]
    partners = Table([[Paragraph("■", ParagraphStyle("mark", parent=st["partner"], textColor=ACCENT)),
                       para(p, st["partner"])] for p in PARTNERS], colWidths=[7 * mm, WIDTH - 7 * mm])
    partners.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]))
    story += [partners, Spacer(1, 6 * mm), section("La convention", WIDTH, st), Spacer(1, 2 * mm),
              para(CONVENTION + ".", st["base"]),
              Spacer(1, 1.5 * mm),
              Paragraph("Le comité de suivi, qui réunit les quatre partenaires, est « chargé de veiller à la bonne "
                        "exécution de la présente convention » ; ce bilan lui présente les indicateurs de l'article "
                        "5-1, consolidés à partir des données de tous les appareils des conseillers.", st["base"]),
              Spacer(1, 6 * mm), section("Lecture des chiffres", WIDTH, st), Spacer(1, 2 * mm),
              Paragraph("Chiffres agrégés, sans aucune donnée personnelle. Les comptes de 1 à 4 sont affichés "
                        "« &lt; 5 », et un compte est aussi masqué quand un total ou un taux permettrait de retrouver "
                        "un compte masqué : aucune personne ne peut être reconnue. Les réserves sur les données "
                        "(appareils non synchronisés, dossiers sans territoire, conflits) figurent à la fin de la "
                        "synthèse et de ce document.", st["base"]),
              Spacer(1, 14 * mm),
              para(f"Document établi le {fr_long_date(generated_on)} par le {ISSUER}", st["base"]),
              para(ISSUER_SERVICE, st["small"]),
              PageBreak()]
    return story


def _big_value(value: str, label: str, st: dict[str, ParagraphStyle], width: float) -> Table:
    t = Table([[Paragraph(esc(value), st["big"])], [para(label, st["big_label"])]], colWidths=[width])
    t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), BAND), ("LINEBEFORE", (0, 0), (0, -1), 3, ACCENT),
                           ("LEFTPADDING", (0, 0), (-1, -1), 6), ("TOPPADDING", (0, 0), (-1, -1), 3),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return t


def _notes_box(notes: Sequence[str], st: dict[str, ParagraphStyle]) -> Table:
    rows = [[Paragraph("Ce que les chiffres ne comptent pas", st["cell_bold"])]]
    rows += [[para(f"• {n}", st["def"])] for n in notes]
    t = Table(rows, colWidths=[WIDTH])
    t.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#c77d00")),
                           ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fff7e6")),
                           ("LEFTPADDING", (0, 0), (-1, -1), 6), ("TOPPADDING", (0, 0), (-1, -1), 2),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return t


def _summary(c: Consolidation, generated_on: date, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    sheet = K.summary_sheet(c, generated_on)
    rows = [r for r in sheet.rows if r[0] not in ("Période", "Calculé le")
            and r[0] not in {k for k, _ in K.filters_in_words(c)}]
    t = sheet_table(K.Sheet(sheet.key, sheet.title, sheet.columns, tuple(rows)),
                    [WIDTH * 0.58, WIDTH * 0.17, WIDTH * 0.25], st)
    story: list[Flowable] = [Paragraph("Synthèse", st["h1"]),
                             para(f"Indicateurs de l'article 5-1, {K.period_in_words(c.filters)}.", st["subtitle"]),
                             Spacer(1, 3 * mm), t, Spacer(1, 4 * mm)]
    if c.quality is not None:
        story.append(_notes_box(c.quality.notes, st))
    story.append(PageBreak())
    return story


def _indicator(n: int, key: str, c: Consolidation, territory: K.Sheet | None, trend: K.Sheet | None,
               st: dict[str, ParagraphStyle], extra: list[Flowable]) -> list[Flowable]:
    d = DEFINITIONS[key]
    column, kind, caption = _INDICATOR_FIGURE[key]
    col_index = 1 + K.BREAKDOWN_COLUMNS.index(column)
    head: list[Flowable] = [Paragraph(f"Indicateur {n} — {esc(d.title)}", st["h1"])]
    if d.convention:
        head.append(Paragraph("Convention : " + esc(d.convention), st["quote"]))
        head.append(Spacer(1, 1 * mm))
    head.append(Paragraph("Ce qui est compté : " + esc(d.counted), st["def"]))
    head.append(Spacer(1, 2.5 * mm))
    value = _headline_value(key, c)
    head.append(_big_value(value[0], value[1], st, WIDTH))
    head.append(Spacer(1, 2 * mm))
    story: list[Flowable] = [CondPageBreak(90 * mm), KeepTogether(head)]
    if trend is not None and trend.rows:
        body = trend.rows[:-1]  # without « Ensemble »
        story.append(trend_chart([compact_period(x.key, x.label) for x in chart_trend_rows(c)],
                                 [r[col_index] for r in body], kind, f"Évolution — {caption}"))
    if territory is not None and len(territory.rows) > 1:
        body = territory.rows[:-1]
        total = territory.rows[-1]
        table_w = 62 * mm
        small = K.Sheet("t", "", (territory.columns[0], territory.columns[col_index]),
                        tuple((r[0], r[col_index]) for r in (*body, total)))
        chart = territory_chart([str(r[0]) for r in body], [r[col_index] for r in body], kind, WIDTH - table_w - 4 * mm)
        pair = Table([[sheet_table(small, [table_w * 0.62, table_w * 0.38], st, whole_euros=True, small=True),
                       chart]], colWidths=[table_w + 4 * mm, WIDTH - table_w - 4 * mm])
        pair.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (0, -1), 4 * mm)]))
        story.append(KeepTogether([Paragraph(f"Par territoire — {esc(caption)}", st["cell_bold"]), Spacer(1, 1 * mm),
                                   pair]))
    story += extra
    story.append(Spacer(1, 4 * mm))
    return story


def chart_trend_rows(c: Consolidation) -> Sequence[BreakdownRow]:
    """The periods the trend charts show: the consolidation's trend (months), or its quarters
    when there are more than 24 months (month by month, most figures of a long period would be
    masked, and 48 bars are hard to read)."""
    quarters = c.breakdowns.get("quarter")
    if len(c.trend) > 24 and quarters is not None and quarters.rows:
        return quarters.rows
    return c.trend


def _headline_value(key: str, c: Consolidation) -> tuple[str, str]:
    r = c.report
    summary = {str(row[0]): row for row in K.summary_sheet(c, date.min).rows}
    n = INDICATORS.index(key) + 1
    for label, row in summary.items():
        if label.startswith(f"{n}. "):
            value, unit = row[1], row[2]
            if key == "insertion_rate":
                ins = K.insertion_sheet(r).rows[-1]
                return fmt(value), (f"{fmt(ins[1])} sorties dynamiques sur {fmt(ins[2])} sorties comptées "
                                    f"({fmt(ins[3])} sorties neutres hors taux)")
            if key == "aktiv_envelope_cents":
                return (fmt(K.Money(r.aktiv_committed)),
                        "engagés sur une enveloppe allouée de " + (fmt(value) if value is not None else
                                                                    "— (non transmise par le siège)"))
            if key == "pci":
                people = fmt(summary["   personnes ayant eu un diagnostic"][1])
                return fmt(value), f"diagnostics, pour {people} personne(s)"
            return fmt(value), str(unit or "")
    return "—", ""  # pragma: no cover - every indicator is in the summary


def _small_sheet(sheet: K.Sheet, widths: Sequence[float], st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [Paragraph(esc(sheet.title), st["cell_bold"]), Spacer(1, 1 * mm),
                           sheet_table(sheet, widths, st)]
    if sheet.note:
        out += [Spacer(1, 1 * mm), para(sheet.note, st["small"])]
    return [KeepTogether(out), Spacer(1, 4 * mm)]


def build_story(c: Consolidation, generated_on: date) -> list[Flowable]:
    st = _styles()
    r = c.report
    story = _cover(c, generated_on, st) + _summary(c, generated_on, st)
    territory_b = c.breakdowns.get("territory")
    territory = (K.breakdown_sheet("t", "", "Territoire", territory_b.rows, r) if territory_b else None)
    trend_rows = chart_trend_rows(c)
    trend = (K.breakdown_sheet("evolution", "Évolution par période", "Période", trend_rows, r)
             if trend_rows else None)
    extras: dict[str, list[Flowable]] = {
        "insertion_rate": _small_sheet(K.insertion_sheet(r), [WIDTH * 0.32] + [WIDTH * 0.17] * 4, st),
        "pci": _small_sheet(K.pci_sheet(r), [WIDTH * 0.4] + [WIDTH * 0.2] * 3, st),
    }
    funding = K.funding_sheet(r)
    extras["fpett_amount_cents"] = _small_sheet(
        K.Sheet("f", "Montants FPETT par ligne", funding.columns, tuple(x for x in funding.rows if x[0] == "FPETT")),
        [WIDTH * 0.25, WIDTH * 0.45, WIDTH * 0.3], st)
    extras["aktiv_envelope_cents"] = _small_sheet(
        K.Sheet("a", "Enveloppe AKTIV compétences : allouée et engagée", funding.columns,
                tuple(x for x in funding.rows if x[0] == "AKTO")), [WIDTH * 0.25, WIDTH * 0.45, WIDTH * 0.3], st)
    extras["departement_amount_cents"] = _small_sheet(
        K.Sheet("d", "Montants du Département par ligne", funding.columns,
                tuple(x for x in funding.rows if x[0] == "Département")), [WIDTH * 0.25, WIDTH * 0.45, WIDTH * 0.3], st)
    for n, key in enumerate(INDICATORS, 1):
        story += _indicator(n, key, c, territory, trend, st, extras.get(key, []))

    story += [PageBreak(), Paragraph("Le parcours", st["h1"])]
    funnel = K.funnel_sheet(r)
    story += [KeepTogether([Paragraph(esc(funnel.title), st["cell_bold"]), Spacer(1, 1 * mm),
                            funnel_chart(funnel, WIDTH)]), Spacer(1, 2 * mm)]
    story += _small_sheet(funnel, [WIDTH * 0.5, WIDTH * 0.25, WIDTH * 0.25], st)
    story += _small_sheet(K.exits_sheet(r), [WIDTH * 0.5, WIDTH * 0.25, WIDTH * 0.25], st)
    story += _small_sheet(K.delays_sheet(r), [WIDTH * 0.5, WIDTH * 0.25, WIDTH * 0.25], st)
    story += _small_sheet(K.barriers_sheet(r), [WIDTH * 0.5, WIDTH * 0.25, WIDTH * 0.25], st)

    story += [CondPageBreak(80 * mm), Paragraph("Financements", st["h1"])]
    story += _small_sheet(funding, [WIDTH * 0.25, WIDTH * 0.45, WIDTH * 0.3], st)

    story += [CondPageBreak(60 * mm), Paragraph("Qualité des données", st["h1"])]
    if c.quality is not None:
        story += [_notes_box(c.quality.notes, st), Spacer(1, 3 * mm)]
    quality = K.quality_sheet(c)
    quality = K.Sheet(quality.key, "État des données consolidées", quality.columns,
                      tuple(x for x in quality.rows if not str(x[0]).startswith("Réserve")))  # in the box above
    story += _small_sheet(quality, [WIDTH * 0.7, WIDTH * 0.3], st)

    annex = K.ordered_breakdowns(c, [d for d in c.breakdowns if d not in K.INTERNAL_DIMENSIONS])
    if c.trend and "month" not in c.breakdowns:  # otherwise the trend is the « par mois » table
        annex.insert(0, K.trend_sheet(c))
    if annex:
        story += [PageBreak(), Paragraph("Annexe : répartitions", st["h1"]),
                  Paragraph("Les mêmes chiffres que ci-dessus, ligne par ligne. SPOTT : sessions SPOTT grands "
                            "chantiers ; Posit. : personnes positionnées par les agences ; Sorties : sorties comptées "
                            "dans le taux d'insertion, dont dyn. : sorties dynamiques ; Prév. : parcours prévention "
                            "finalisés ; PCI : Points Conseils Intérimaire ; FPETT, AKTIV (engagé), Dépt "
                            "(Département) : montants en euros, arrondis à l'euro.", st["subtitle"]),
                  Spacer(1, 2 * mm)]
        widths = [40 * mm] + [11.5 * mm] * 4 + [13.5 * mm] + [11.5 * mm] * 2 + [19.5 * mm] * 3
        widths = [w * WIDTH / sum(widths) for w in widths]
        for sheet in annex:
            block: list[Flowable] = [CondPageBreak(40 * mm), Paragraph(esc(sheet.title), st["cell_bold"]),
                                     Spacer(1, 1 * mm), sheet_table(sheet, widths, st, whole_euros=True, small=True,
                                                                 short_heads=True)]
            if sheet.note:
                block += [Spacer(1, 1 * mm), para(sheet.note, st["small"])]
            story += [*block, Spacer(1, 5 * mm)]
    return story


def render_bilan_bytes(consolidation: Consolidation, *, generated_on: date) -> bytes:
    """The bilan's PDF bytes (what the console sends; the CLI writes them with :func:`render_bilan`)."""
    period = K.period_in_words(consolidation.filters)
    return render_story(build_story(consolidation, generated_on), title="Bilan de la convention — comité de suivi",
                        footer=f"Bilan du comité de suivi — {period} — chiffres agrégés, comptes de 1 à 4 « < 5 »",
                        header_right="Bilan — comité de suivi", margin=MARGIN, top=20 * mm, bottom=17 * mm)


def render_bilan(consolidation: Consolidation, out: Path, *, generated_on: date) -> Path:
    """Render the bilan and write it atomically to ``out`` (nothing is left half-written)."""
    data = render_bilan_bytes(consolidation, generated_on=generated_on)
    write_bytes_atomic(Path(out), data)
    return Path(out)
