"""Export of the conseiller's own figures: a one-page PDF (the eight indicators, the funnel as a
reportlab chart, the delays, the exits) and a CSV of the same figures. No personal data in
either: figures only, no file id, no name; a neutral file name.

Input: a ``domain.indicators.IndicatorReport``."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from conseiller_app.domain import indicators as I
from conseiller_app.domain.facts import format_euros
from conseiller_app.reports.common import ACCENT, BAND, FONT, RULE, esc, render_story, styles
from conseiller_app.storage.fsutil import write_atomic

MARGIN = 15 * mm


def filename(r: I.IndicatorReport, today: date, kind: str) -> str:
    """« indicateurs-2026-12-03.pdf »: a date, nothing about a person."""
    return f"indicateurs-{today:%Y-%m-%d}.{kind}"


def _pct(rate: I.Rate) -> str:
    return "—" if rate.rate is None else f"{100 * rate.rate:.1f}".replace(".", ",") + "\u00a0%"


def _period(f: I.Filters) -> str:
    if f.start and f.end:
        return f"du {f.start:%d/%m/%Y} au {f.end:%d/%m/%Y}"
    return "toutes dates"


def rows(r: I.IndicatorReport) -> list[tuple[str, str, str]]:
    """(key, label, value) of every figure, in the convention's order: what both exports hold."""
    out = [
        ("spott_grands_chantiers", "1. SPOTT en lien avec les grands chantiers", str(r.spott_grands_chantiers)),
        ("positioned_by_agencies", "2. Personnes positionnées par les agences sur les actions préparatoires",
         str(r.positioned_by_agencies)),
        ("insertion_rate.all", "3. Taux d'insertion après le parcours", _pct(r.insertion_all)),
        ("insertion_rate.departement", "   dont Département", _pct(r.insertion_departement)),
        ("insertion_rate.agences", "   dont agences d'emploi", _pct(r.insertion_agencies)),
        ("insertion_rate.counted", "   sorties comptées (hors sorties neutres)", str(r.insertion_all.counted)),
        ("prevention_completed", "4. Parcours prévention finalisés", str(r.prevention_completed)),
        ("pci.count", "5. Points Conseils Intérimaire", str(r.pci_count)),
    ]
    out += [(f"pci.recommendations.{code}", f"   préconisation {code}", str(made))
            for code, (made, _, _) in r.pci_recommendations.items()]
    out += [("fpett_amount_cents.total", "6. Montant investi par le FPETT", format_euros(r.fpett_total))]
    out += [(f"fpett_amount_cents.{k}", f"   {k}", format_euros(v)) for k, v in r.fpett_by_line.items()]
    out += [("aktiv_envelope_cents.allocated", "7. Enveloppe AKTIV compétences allouée",
             "non transmise" if r.aktiv_allocated is None else format_euros(r.aktiv_allocated)),
            ("aktiv_envelope_cents.committed", "   engagée", format_euros(r.aktiv_committed)),
            ("departement_amount_cents.total", "8. Montant investi par le Département",
             format_euros(r.departement_total))]
    out += [(f"departement_amount_cents.{k}", f"   {k}", format_euros(v)) for k, v in r.departement_by_line.items()]
    return out


def csv_text(r: I.IndicatorReport) -> str:
    """Semicolon-separated (French spreadsheets), amounts in cents, one line per figure."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(["cle", "libelle", "valeur"])
    for key, value in I.Filters.to_json(r.filters).items():
        w.writerow([f"filtre.{key}", f"Filtre : {key}", value or ""])
    j = r.to_json()
    w.writerow(["spott_grands_chantiers", "SPOTT en lien avec les grands chantiers", j["spott_grands_chantiers"]])
    w.writerow(["positioned_by_agencies", "Personnes positionnées par les agences", j["positioned_by_agencies"]])
    for part, values in j["insertion_rate"].items():
        for k, v in values.items():
            w.writerow([f"insertion_rate.{part}.{k}", f"Taux d'insertion ({part}) : {k}", "" if v is None else v])
    w.writerow(["prevention_completed", "Parcours prévention finalisés", j["prevention_completed"]])
    w.writerow(["pci.count", "Points Conseils Intérimaire", j["pci"]["count"]])
    for code, v in j["pci"]["recommendations"].items():
        for k, n in v.items():
            w.writerow([f"pci.recommendations.{code}.{k}", f"Préconisation {code} : {k}", n])
    for key in ("fpett_amount_cents", "departement_amount_cents"):
        w.writerow([f"{key}.total", key, j[key]["total"]])
        for line, v in j[key]["by_line"].items():
            w.writerow([f"{key}.{line}", f"{key} : {line}", v])
    for k, v in j["aktiv_envelope_cents"].items():
        w.writerow([f"aktiv_envelope_cents.{k}", f"AKTIV compétences : {k}", "" if v is None else v])
    for f in j["funnel"]:
        w.writerow([f"funnel.{f['stage']}.reached", f"{f['label']} : atteint", f["reached"]])
        w.writerow([f"funnel.{f['stage']}.current", f"{f['label']} : aujourd'hui", f["current"]])
    for k, d in j["delays_days"].items():
        w.writerow([f"delays_days.{k}.median", f"Délai {k} (médiane, jours)", "" if d["median"] is None else d["median"]])
    for k, (a, b) in r.barriers.items():
        w.writerow([f"barriers.{k}.identified", f"Frein {k} : identifiés", a])
        w.writerow([f"barriers.{k}.lifted", f"Frein {k} : levés", b])
    for k, n in j["exits_by_outcome"].items():
        w.writerow([f"exits_by_outcome.{k}", f"Sorties : {k}", n])
    return buf.getvalue()


def write_csv(target: str | Path, r: I.IndicatorReport) -> Path:
    text = csv_text(r)
    write_atomic(Path(target), lambda p: p.write_text(text, encoding="utf-8-sig", newline=""))
    return Path(target)


def _funnel_drawing(r: I.IndicatorReport, width: float) -> Drawing:
    stages = list(r.funnel)[::-1]
    height = 62 * mm
    d = Drawing(width, height)
    chart = HorizontalBarChart()
    # reportlab draws at float coordinates; its stubs (types-reportlab) declare these int.
    chart.x, chart.y = 48 * mm, 6 * mm  # type: ignore[assignment]
    chart.width, chart.height = width - 56 * mm, height - 14 * mm  # type: ignore[assignment]
    chart.data = [[f.reached for f in stages], [f.current for f in stages]]
    chart.categoryAxis.categoryNames = [f.label for f in stages]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = ACCENT
    chart.bars[1].fillColor = colors.HexColor("#9fb3c8")
    chart.barSpacing = 0.5  # type: ignore[assignment]  # a float too, despite the stubs
    d.add(chart)
    d.add(String(48 * mm, height - 5 * mm, "Parcours : ont atteint l'étape (foncé) / y sont aujourd'hui (clair)",
                 fontName=FONT, fontSize=7))
    return d


def render(r: I.IndicatorReport, today: date, scope: str = "") -> bytes:
    """One A4 page. ``scope`` names the filters in words (territory, public…), never a person."""
    st = styles()
    from reportlab.lib.pagesizes import A4

    width = A4[0] - 2 * MARGIN
    story: list[Flowable] = [
        Paragraph("Indicateurs de la convention (article 5-1)", st["title"]),
        Paragraph(esc(f"{_period(r.filters)}{' — ' + scope if scope else ''} · calculés le {today:%d/%m/%Y} "
                      "sur ce poste"), st["subtitle"]),
        Spacer(1, 3 * mm),
    ]
    table = Table([[Paragraph(esc(label), st["cell"]), Paragraph(esc(value), st["cell_bold"])]
                   for _, label, value in rows(r)], colWidths=[width * 0.72, width * 0.28])
    table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("TOPPADDING", (0, 0), (-1, -1), 0.6), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.6)]))
    story += [table, Spacer(1, 2 * mm), _funnel_drawing(r, width)]

    def days(d: I.Delay) -> str:
        return "—" if d.median is None else f"{d.median:g}".replace(".", ",") + " j"
    other = Table([[Paragraph(esc(
        f"Délais médians : repérage → atelier {days(r.delays['spotting_to_atelier'])} ; atelier → agence "
        f"{days(r.delays['atelier_to_agency'])} ; agence → mission {days(r.delays['agency_to_mission'])}. Sorties : "
        + ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in r.exits_by_outcome.items())
        + ". Taux d'insertion : sorties dynamiques ÷ sorties hors sorties neutres (choix du projet)."), st["small"])]],
        colWidths=[width])
    other.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), BAND)]))
    story.append(other)
    return render_story(story, title="Indicateurs de la convention", footer="Chiffres agrégés — sans donnée "
                        "personnelle", header_right=f"Indicateurs — {today:%d/%m/%Y}", margin=MARGIN,
                        top=19 * mm, bottom=15 * mm)


def write_pdf(target: str | Path, r: I.IndicatorReport, today: date, scope: str = "") -> Path:
    data = render(r, today, scope)
    write_atomic(Path(target), lambda p: p.write_bytes(data))
    return Path(target)
