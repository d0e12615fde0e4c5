"""The console's Indicateurs page as data: a :class:`Consolidation` turned into cards, charts and
tables for one role (no HTTP, no database here).

A partner sees aggregates only, masked by the same rules as the bilan and the partners' exports
(``reports.comite``: one place decides, so the screen and the documents never disagree): every
count from 1 to 4 reads « < 5 », with the secondary suppression that keeps a masked count from
being recovered from a total, a rate or an amount that would reveal one reads « n. p. ». There is
no breakdown by conseiller for a partner (figures per named conseiller single out one person's
work), and the data-quality panel gives counts of devices, not their conseillers' names. The
chargé·e de mission sees the exact figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conseiller_app.central.web import charts
from conseiller_app.domain.consolidation import (
    DIMENSIONS,
    MASKED,
    BreakdownRow,
    Consolidation,
    headline_figures,
    is_small,
)
from conseiller_app.domain.indicators import DEFINITIONS, INDICATORS, IndicatorReport
from conseiller_app.reports import comite as K

#: What a breakdown's chart can draw (keys of ``reports.comite.BREAKDOWN_COLUMNS``).
FIGURES: dict[str, str] = {
    "positioned_by_agencies": "Personnes positionnées par les agences",
    "spott_grands_chantiers": "SPOTT grands chantiers (sessions)",
    "insertion_rate": "Taux d'insertion",
    "exits_counted": "Sorties comptées",
    "prevention_completed": "Parcours prévention finalisés",
    "pci": "Points Conseils Intérimaire",
    "fpett_amount_cents": "Montant FPETT",
    "aktiv_committed_cents": "AKTIV compétences engagé",
    "departement_amount_cents": "Montant Département",
}
DEFAULT_FIGURE = "positioned_by_agencies"
#: Breakdowns shown (the trend shows the months); a partner never gets the one by conseiller.
SHOWN = ("territory", "conseiller", "agency", "chantier", "public", "scheme", "quarter", "convention_year")
PERSONAL = frozenset(K.INTERNAL_DIMENSIONS)
#: The page's ``repartition`` parameter (French, as it reads in a URL) -> the breakdown it shows.
CHOICES: dict[str, str] = {"territoire": "territory", "conseiller": "conseiller", "agence": "agency",
                           "chantier": "chantier", "public": "public", "dispositif": "scheme", "trimestre": "quarter",
                           "annee": "convention_year"}
#: Breakdowns of the page's first view (the others are computed when asked for: at 60,000 files
#: each costs seconds). The one by conseiller is for the central office's staff only.
FIRST_VIEW = ("territory", "conseiller")


def first_view(partner: bool) -> tuple[str, ...]:
    return tuple(d for d in FIRST_VIEW if not (partner and d in PERSONAL))


def choices(partner: bool) -> list[tuple[str, str]]:
    """(parameter value, French label) of the breakdowns a role can ask for."""
    return [(slug, DIMENSIONS[dim]) for slug, dim in CHOICES.items() if not (partner and dim in PERSONAL)]


def chosen(value: str | None, partner: bool = False) -> str | None:
    """The breakdown a ``repartition`` value asks for (None: none asked); ValueError with a French
    message for an unknown value."""
    if not value:
        return None
    dim = CHOICES.get(value.strip().lower())
    if dim is None:
        known = ", ".join(slug for slug, _ in choices(partner))
        raise ValueError(f"Répartition inconnue « {value} » : choisissez parmi {known} (liens ci-dessous).")
    return dim


def breakdowns_for(choice: str | None, partner: bool) -> tuple[str, ...]:
    """The breakdowns a page computes: those of the first view, plus the one asked for."""
    dims = first_view(partner)
    return dims if choice is None or choice in dims else (*dims, choice)
TREND_SERIES = ("positioned_by_agencies", "spott_grands_chantiers", "prevention_completed")


def integer(n: int) -> str:
    """« 12 345 » (narrow no-break space between thousands)."""
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


def text(cell: K.Cell) -> str:
    """A cell as the page writes it (the same forms as the bilan)."""
    if cell is None:
        return "—"
    if isinstance(cell, K.Masked):
        return str(cell)
    if isinstance(cell, K.Money):
        return euros(cell.cents)
    if isinstance(cell, K.Pct):
        return percent(cell.value)
    if isinstance(cell, int):
        return integer(cell)
    return str(cell)


def drawn(cell: K.Cell) -> charts.Value:
    """What a chart draws for a cell: masked and absent figures draw nothing."""
    if isinstance(cell, K.Money):
        return charts.Value(cell.cents / 100, text(cell))
    if isinstance(cell, K.Pct):
        return charts.Value(cell.value * 100, text(cell))
    if isinstance(cell, int):
        return charts.Value(float(cell), text(cell))
    return charts.Value(None, text(cell))


def short_period(key: str) -> str:
    """A period's key as a chart's axis writes it: « 2026-03 » -> « 03/2026 », « 2026-T2 » -> « T2 2026 »."""
    if "-T" in key:
        year, quarter = key.split("-T", 1)
        return f"T{quarter} {year}"
    if len(key) == 7 and key[4] == "-":
        return f"{key[5:]}/{key[:4]}"
    return key


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
    total: tuple[str, ...] | None = None  # the « Ensemble » line, if any


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
    partner: bool


def _raw(r: IndicatorReport) -> dict[str, K.Cell]:
    """The exact figures (the chargé·e de mission's view), keyed as ``reports.comite``'s cells."""
    f = headline_figures(r)
    cells: dict[str, K.Cell] = {k: (K.Money(int(v)) if k.endswith("_cents") else v) for k, v in f.items()
                                if k != "insertion_rate"}
    rate = r.insertion_all.rate
    cells["insertion_rate"] = None if rate is None else K.Pct(rate)
    return cells


def _cells(rows: Sequence[BreakdownRow], whole: IndicatorReport,
           partner: bool) -> tuple[list[dict[str, K.Cell]], dict[str, K.Cell]]:
    if partner:
        return K.breakdown_cells(rows, whole)
    return [_raw(r.report) for r in rows], _raw(whole)


def _table(caption: str, first: str, rows: Sequence[BreakdownRow], whole: IndicatorReport, partner: bool,
           *, total: bool = True) -> tuple[Table, list[dict[str, K.Cell]]]:
    cells, whole_cells = _cells(rows, whole, partner)
    titles = tuple(c.title for c in K.breakdown_sheet("_", "_", first, (), whole).columns[1:])
    body = tuple((r.label, *(text(c[k]) for k in K.BREAKDOWN_COLUMNS)) for r, c in zip(rows, cells, strict=True))
    last = ("Ensemble", *(text(whole_cells[k]) for k in K.BREAKDOWN_COLUMNS)) if total else None
    return Table(caption, (first, *titles), body, last), cells


def _count(n: int, partner: bool) -> str:
    return MASKED if partner and is_small(n) else integer(n)


def _cards(r: IndicatorReport, partner: bool) -> tuple[Card, ...]:
    if partner:  # the « Ensemble » line of the bilan's insertion table: the rate and its exits, masked together
        _, dynamic, counted, _, rate = K.insertion_sheet(r).rows[-1]
    else:
        dynamic, counted = r.insertion_all.dynamic, r.insertion_all.counted
        rate = None if r.insertion_all.rate is None else K.Pct(r.insertion_all.rate)
    out = []
    for key in INDICATORS:
        d = DEFINITIONS[key]
        if key == "insertion_rate":
            value, detail = text(rate), f"{text(dynamic)} sortie(s) dynamique(s) sur {text(counted)} comptée(s)"
        elif key == "pci":
            files = _count(r.pci_files, partner)
            value, detail = _count(r.pci_count, partner), f"diagnostics, pour {files} personne(s)"
        elif key == "fpett_amount_cents":
            value, detail = euros(r.fpett_total), "CIPI, CDPI, SPOTT et Tremplin RSA"
        elif key == "aktiv_envelope_cents":
            value = euros(r.aktiv_committed)
            detail = ("engagés ; enveloppe allouée pas encore transmise" if r.aktiv_allocated is None else
                      f"engagés sur {euros(r.aktiv_allocated)} alloués "
                      f"(reste {euros(r.aktiv_allocated - r.aktiv_committed)})")
        elif key == "departement_amount_cents":
            value, detail = euros(r.departement_total), "préparatoire métier, coup de pouce compétences"
        elif key == "spott_grands_chantiers":
            value, detail = _count(r.spott_grands_chantiers, partner), "sessions SPOTT (Canal Seine-Nord, ERBM)"
        elif key == "positioned_by_agencies":
            value, detail = _count(r.positioned_by_agencies, partner), "personnes distinctes"
        else:
            value, detail = _count(r.prevention_completed, partner), "parcours au statut « finalisé »"
        out.append(Card(key, d.title, value, detail, d.convention, d.counted))
    return tuple(out)


def _funnel(r: IndicatorReport, partner: bool) -> Section:
    if partner:
        rows = [(str(label), reached, current) for label, reached, current in K.funnel_sheet(r).rows]
    else:
        rows = [(f.label, f.reached, f.current) for f in r.funnel]
    labels = [label for label, _, _ in rows]
    chart = charts.bars("graphique-entonnoir", "Entonnoir du parcours", labels, [
        ("ont atteint l'étape", [drawn(a) for _, a, _ in rows]),
        ("y sont aujourd'hui", [drawn(b) for _, _, b in rows]),
    ]) if rows else None
    table = Table("Entonnoir du parcours : personnes repérées dans la période, par étape",
                  ("Étape", "Ont atteint l'étape", "Y sont aujourd'hui"),
                  tuple((label, text(a), text(b)) for label, a, b in rows))
    return Section("entonnoir", "Entonnoir du parcours", chart, table, DEFINITIONS["funnel"].counted)


def _trend(consolidation: Consolidation, partner: bool) -> Section:
    rows = list(consolidation.trend)
    table, cells = _table("Évolution par mois : les indicateurs de chaque mois", "Mois", rows,
                          consolidation.report, partner)
    series = [(FIGURES[k], [drawn(c[k]) for c in cells]) for k in TREND_SERIES]
    chart = charts.lines("graphique-tendance", "Évolution par mois", [short_period(r.key) for r in rows], series) \
        if rows else None
    return Section("tendance", "Évolution par mois", chart, table)


def _breakdown(consolidation: Consolidation, dim: str, figure: str, partner: bool) -> Section | None:
    b = consolidation.breakdowns.get(dim)
    if b is None:
        return None
    what = b.label[0].lower() + b.label[1:]
    table, cells = _table(f"Les indicateurs par {what}", b.label, b.rows, consolidation.report, partner)
    name = FIGURES[figure]
    chart = charts.bars(f"graphique-{dim}", f"{name} par {what}", [r.label for r in b.rows],
                        [(name, [drawn(c[figure]) for c in cells])]) if b.rows else None
    return Section(f"repartition-{dim}", f"Par {what}", chart, table)


def page_model(consolidation: Consolidation, *, partner: bool, figure: str = DEFAULT_FIGURE) -> PageModel:
    figure = figure if figure in FIGURES else DEFAULT_FIGURE
    shown = [d for d in SHOWN if not (partner and d in PERSONAL) and d in consolidation.breakdowns]
    sections = tuple(s for s in (_breakdown(consolidation, d, figure, partner) for d in shown) if s is not None)
    q = consolidation.quality
    notes = tuple(q.notes) if q else ("Qualité des données non calculée.",)
    stale: tuple[dict[str, Any], ...] = ()
    if q and not partner:
        stale = tuple({"name": d.name, "territory": d.territory or "—",
                       "last_sync": d.last_sync.strftime("%d/%m/%Y") if d.last_sync else "jamais",
                       "days": "—" if d.days is None else integer(d.days)} for d in q.stale_devices)
    return PageModel(_cards(consolidation.report, partner), _funnel(consolidation.report, partner),
                     _trend(consolidation, partner), sections, notes, stale, partner)
