"""The console's Indicateurs page as data: a :class:`Consolidation` turned into cards, charts and
tables for one role (no HTTP, no database here).

A partner sees aggregates only: every count of people or sessions from 1 to 4 reads « < 5 »
(:func:`~conseiller_app.domain.consolidation.mask_counts`, with the secondary suppression that
keeps a masked count from being recovered from a total); a rate over fewer than 5 exits is not
shown; there is no breakdown by conseiller (it would single out one person's work) and the
data-quality panel gives counts of devices, not their conseillers' names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conseiller_app.central.web import charts
from conseiller_app.domain.consolidation import MASKED, Consolidation, headline_figures, is_small, mask_counts
from conseiller_app.domain.indicators import DEFINITIONS, INDICATORS, IndicatorReport

#: The figures of a breakdown row or a period (keys of ``headline_figures``): label, kind.
FIGURES: dict[str, tuple[str, str]] = {
    "spott_grands_chantiers": ("SPOTT grands chantiers", "count"),
    "positioned_by_agencies": ("Personnes positionnées par les agences", "count"),
    "insertion_rate": ("Taux d'insertion", "rate"),
    "prevention_completed": ("Parcours prévention finalisés", "count"),
    "pci": ("Points Conseils Intérimaire", "count"),
    "fpett_amount_cents": ("Montant FPETT", "money"),
    "aktiv_committed_cents": ("AKTIV compétences engagé", "money"),
    "departement_amount_cents": ("Montant Département", "money"),
}
DEFAULT_FIGURE = "positioned_by_agencies"
#: Breakdowns shown (the trend shows the months); a partner never gets the one by conseiller.
SHOWN = ("territory", "conseiller", "agency", "chantier", "public", "scheme", "quarter", "convention_year")
PERSONAL = frozenset({"conseiller"})
TREND_SERIES = ("positioned_by_agencies", "spott_grands_chantiers", "prevention_completed")


def integer(n: int) -> str:
    """« 12 345 » (narrow no-break space between thousands)."""
    return f"{n:,}".replace(",", "\u202f")


def euros(cents: int | None) -> str:
    if cents is None:
        return "—"
    whole, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{integer(whole)},{rest:02d}\u00a0€"


def percent(rate: float | None) -> str:
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}".replace(".", ",") + "\u00a0%"


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    value: str
    detail: str
    convention: str
    counted: str


@dataclass(frozen=True)
class Table:
    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # the first cell of each row is its header
    numeric_from: int = 1  # columns from this one are right-aligned figures


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    chart: charts.Chart | None
    table: Table
    note: str = ""


@dataclass(frozen=True)
class PageModel:
    cards: tuple[Card, ...]
    funnel: Section
    trend: Section
    breakdowns: tuple[Section, ...]
    quality_notes: tuple[str, ...]
    stale_devices: tuple[dict[str, Any], ...]  # empty for a partner


class _Counts:
    """How a count is written for this role."""

    def __init__(self, partner: bool) -> None:
        self.partner = partner

    def one(self, n: int) -> str:
        return MASKED if self.partner and is_small(n) else integer(n)

    def column(self, values: Sequence[int], total: int | None) -> list[str]:
        if not self.partner:
            return [integer(v) for v in values]
        texts, _ = mask_counts(list(values), total)
        return [t if t == MASKED else integer(int(t)) for t in texts]

    def drawn(self, n: int, text: str) -> charts.Value:
        return charts.Value(None if text == MASKED else float(n), text)

    def rate(self, dynamic: int, counted: int) -> tuple[str, float | None]:
        if counted == 0:
            return "—", None
        if self.partner and (is_small(counted) or is_small(dynamic)):
            return MASKED.replace("5", "5 sorties") if is_small(counted) else "—", None
        rate = dynamic / counted
        return percent(rate), rate * 100


def _cards(r: IndicatorReport, c: _Counts) -> tuple[Card, ...]:
    out = []
    for key in INDICATORS:
        d = DEFINITIONS[key]
        if key == "insertion_rate":
            value, _ = c.rate(r.insertion_all.dynamic, r.insertion_all.counted)
            detail = (f"{c.one(r.insertion_all.dynamic)} sortie(s) dynamique(s) sur "
                      f"{c.one(r.insertion_all.counted)} comptée(s)")
        elif key == "pci":
            value, detail = c.one(r.pci_count), f"diagnostics, pour {c.one(r.pci_files)} personne(s)"
        elif key == "fpett_amount_cents":
            value, detail = euros(r.fpett_total), "CIPI, CDPI, SPOTT et Tremplin RSA"
        elif key == "aktiv_envelope_cents":
            value = euros(r.aktiv_committed)
            if r.aktiv_allocated is None:
                detail = "engagé ; enveloppe allouée pas encore transmise"
            else:
                detail = (f"engagé sur {euros(r.aktiv_allocated)} alloués "
                          f"(reste {euros(r.aktiv_allocated - r.aktiv_committed)})")
        elif key == "departement_amount_cents":
            value, detail = euros(r.departement_total), "préparatoire métier, coup de pouce compétences"
        elif key == "spott_grands_chantiers":
            value, detail = c.one(r.spott_grands_chantiers), "sessions SPOTT (Canal Seine-Nord, ERBM)"
        elif key == "positioned_by_agencies":
            value, detail = c.one(r.positioned_by_agencies), "personnes distinctes"
        else:
            value, detail = c.one(r.prevention_completed), "parcours au statut « finalisé »"
        out.append(Card(key, d.title, value, detail, d.convention, d.counted))
    return tuple(out)


def _funnel(r: IndicatorReport, c: _Counts) -> Section:
    labels = [s.label for s in r.funnel]
    reached = c.column([s.reached for s in r.funnel], None)
    current = c.column([s.current for s in r.funnel], None)
    chart = charts.bars("graphique-entonnoir", "Entonnoir du parcours", labels, [
        ("ont atteint l'étape", [c.drawn(s.reached, t) for s, t in zip(r.funnel, reached, strict=True)]),
        ("s'y trouvent aujourd'hui", [c.drawn(s.current, t) for s, t in zip(r.funnel, current, strict=True)]),
    ])
    table = Table("Entonnoir du parcours : personnes repérées dans la période, par étape",
                  ("Étape", "Ont atteint l'étape", "S'y trouvent aujourd'hui"),
                  tuple((lab, a, b) for lab, a, b in zip(labels, reached, current, strict=True)))
    return Section("entonnoir", "Entonnoir du parcours", chart if labels else None, table,
                   DEFINITIONS["funnel"].counted)


def _column(reports: Sequence[IndicatorReport], key: str, total: IndicatorReport | None,
            c: _Counts) -> tuple[list[str], list[charts.Value]]:
    """One figure over rows: its texts and what a chart draws."""
    kind = FIGURES[key][1]
    figures = [headline_figures(r) for r in reports]
    if kind == "money":
        values = [int(f[key] or 0) for f in figures]
        return [euros(v) for v in values], [charts.Value(v / 100, euros(v)) for v in values]
    if kind == "rate":
        pairs = [c.rate(int(f["exits_dynamic"]), int(f["exits_counted"])) for f in figures]
        return [t for t, _ in pairs], [charts.Value(v, t) for t, v in pairs]
    values = [int(f[key]) for f in figures]
    total_value = int(headline_figures(total)[key]) if total is not None else None
    texts = c.column(values, total_value)
    return texts, [c.drawn(v, t) for v, t in zip(values, texts, strict=True)]


def _table(caption: str, first: str, labels: Sequence[str], reports: Sequence[IndicatorReport],
           total: IndicatorReport | None, c: _Counts) -> Table:
    columns = [_column(reports, key, total, c)[0] for key in FIGURES]
    rows = tuple((label, *(col[i] for col in columns)) for i, label in enumerate(labels))
    return Table(caption, (first, *(label for label, _ in FIGURES.values())), rows)


def _trend(consolidation: Consolidation, c: _Counts) -> Section:
    rows = list(consolidation.trend)
    labels = [r.label for r in rows]
    reports = [r.report for r in rows]
    series = [(FIGURES[k][0], _column(reports, k, None, c)[1]) for k in TREND_SERIES]
    chart = charts.lines("graphique-tendance", "Évolution par mois", labels, series) if rows else None
    table = _table("Évolution par mois : les huit indicateurs", "Mois", labels, reports, None, c)
    return Section("tendance", "Évolution par mois", chart, table)


def _breakdown(consolidation: Consolidation, dim: str, figure: str, c: _Counts) -> Section | None:
    b = consolidation.breakdowns.get(dim)
    if b is None:
        return None
    labels = [r.label for r in b.rows]
    reports = [r.report for r in b.rows]
    total = consolidation.report
    _, drawn = _column(reports, figure, total, c)
    name = FIGURES[figure][0]
    chart = charts.bars(f"graphique-{dim}", f"{name} par {b.label.lower()}", labels, [(name, drawn)]) \
        if labels else None
    table = _table(f"Les huit indicateurs par {b.label.lower()}", b.label, labels, reports, total, c)
    return Section(f"repartition-{dim}", f"Par {b.label.lower()}", chart, table)


def page_model(consolidation: Consolidation, *, partner: bool, figure: str = DEFAULT_FIGURE) -> PageModel:
    c = _Counts(partner)
    figure = figure if figure in FIGURES else DEFAULT_FIGURE
    shown = [d for d in SHOWN if not (partner and d in PERSONAL)]
    sections = tuple(s for s in (_breakdown(consolidation, d, figure, c) for d in shown) if s is not None)
    q = consolidation.quality
    notes = tuple(q.notes) if q else ("Qualité des données non calculée.",)
    stale: tuple[dict[str, Any], ...] = ()
    if q and not partner:
        stale = tuple({"name": d.name, "territory": d.territory or "—",
                       "last_sync": d.last_sync.strftime("%d/%m/%Y") if d.last_sync else "jamais",
                       "days": "—" if d.days is None else integer(d.days)} for d in q.stale_devices)
    return PageModel(_cards(consolidation.report, c), _funnel(consolidation.report, c), _trend(consolidation, c),
                     sections, notes, stale)
