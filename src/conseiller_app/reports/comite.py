"""The comité de suivi's figures as tables ready to leave the central office: every count of
people from 1 to 4 already reads « < 5 », and no masked figure can be recovered from a total, a
rate or a neighbouring cell. The bilan (``reports.bilan``) prints these tables and draws its
charts from them; the partners' exports (``reports.partner_export``) write them as sheets. One
place decides what is masked, so the two documents can never disagree.

Rules (on top of :func:`conseiller_app.domain.consolidation.mask_counts`):

* every count (people, diagnostics, exits, sessions, funnel, barriers) from 1 to 4 is masked;
  sessions are not people, but one rule for every count is easier to trust and to check;
* in a column whose total is shown anywhere in the document (breakdowns, trend, insertion
  split, exits by outcome), a single masked cell is joined by the next smallest one
  (secondary suppression), so that the total minus the others does not give it back;
* an insertion rate is shown only when both its numerator and its denominator are, and when the
  exits that are not dynamic are not 1 to 4 either (otherwise « counted − dynamic » would name
  them): in that case the dynamic exits are masked too;
* amounts in euros are not counts of people and are shown, except on a breakdown row where no
  count of people can be shown (all are 0 or masked): there an amount could be divided by a
  known unit price (a CIPI, a SPOTT place) to find how many people were funded, so it is masked
  as well, with the same secondary suppression against the column's total.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from conseiller_app.domain.consolidation import (
    DIMENSIONS,
    MASKED,
    PARTNERS,
    BreakdownRow,
    Consolidation,
    is_small,
)
from conseiller_app.domain.enums import BarrierType, FundingLine, OutcomeCategory, PciRecommendation
from conseiller_app.domain.indicators import DEFINITIONS, INDICATORS, Filters, IndicatorReport, Rate

__all__ = ["MASK", "NOT_PUBLISHED", "PARTNERS", "Cell", "Column", "Masked", "Money", "Pct", "Sheet", "breakdown_sheet",
           "clean_text", "default_file_name", "definitions_sheet", "filters_in_words", "period_in_words", "sheets",
           "suppress"]


class Masked:
    """A figure that may not leave the central office: a count printed « < 5 », a rate « n. p. »."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Masked({self.text!r})"


MASK = Masked(MASKED)
#: A rate, a median or an amount that would reveal a masked count (« non publié »).
NOT_PUBLISHED = Masked("n. p.")


@dataclass(frozen=True)
class Money:
    """An amount in cents (shown in euros)."""

    cents: int


@dataclass(frozen=True)
class Pct:
    """A rate between 0 and 1 (shown as a percentage)."""

    value: float


#: A cell: a count (int), an amount, a rate, a text, masked, or absent (None, « — »).
Cell = int | Money | Pct | str | Masked | None


@dataclass(frozen=True)
class Column:
    title: str
    kind: str  # "text" | "count" | "amount" | "rate" | "mixed"
    short: str = ""  # a narrow table's heading (the bilan's annex)


@dataclass(frozen=True)
class Sheet:
    """One table of the bilan and one sheet of the exports."""

    key: str  # a short ASCII name (sheet and CSV file names)
    title: str  # French title
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""


def clean_text(text: object) -> str:
    """Text from the data (a territory's, an agency's, a device's name) as plain printable text:
    control, format (bidirectional overrides, zero-width) and separator characters removed,
    tabs and line breaks as spaces. Markup and formulas are each renderer's business."""
    s = "" if text is None else str(text)
    if s.isascii() and s.isprintable():
        return s
    s = s.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return "".join(c for c in s if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))


# --- masking ---------------------------------------------------------------------------------


def suppress(values: Sequence[int], primary: Sequence[bool], total: int | None) -> list[bool]:
    """Which cells of a column to mask: those flagged ``primary``, and when exactly one is and a
    total is shown, the smallest other non-zero one too (the same secondary suppression as
    :func:`mask_counts`, with primary flags the caller may widen)."""
    masked = [bool(p) for p in primary]
    if total is not None and sum(masked) == 1:
        others = sorted((v, i) for i, v in enumerate(values) if not masked[i] and v > 0)
        if others:
            masked[others[0][1]] = True
    return masked


def _count(n: int) -> Cell:
    return MASK if is_small(n) else n


def _rate_cell(rate: Rate, dynamic_masked: bool, counted_masked: bool) -> Cell:
    if rate.rate is None:
        return None
    if dynamic_masked or counted_masked:
        return NOT_PUBLISHED
    return Pct(rate.rate)


def _complement_small(rate: Rate) -> bool:
    """The exits counted but not dynamic are 1 to 4: « counted − dynamic » would show them."""
    return is_small(rate.counted - rate.dynamic)


# --- words -----------------------------------------------------------------------------------


def period_in_words(f: Filters) -> str:
    if f.start and f.end:
        return f"du {f.start:%d/%m/%Y} au {f.end:%d/%m/%Y}"
    if f.start:
        return f"depuis le {f.start:%d/%m/%Y}"
    if f.end:
        return f"jusqu'au {f.end:%d/%m/%Y}"
    return "toute la durée enregistrée"


def _territory_names(c: Consolidation) -> dict[str, str]:
    b = c.breakdowns.get("territory")
    return {r.key: r.label for r in b.rows} if b else {}


def filters_in_words(c: Consolidation) -> list[tuple[str, str]]:
    """(label, value) of the filters that narrow the figures, besides the period. A device filter
    is named « un appareil » (its id may lead to a person: the conseiller)."""
    f = c.filters
    out: list[tuple[str, str]] = []
    if f.territory:
        out.append(("Territoire", _territory_names(c).get(f.territory, f.territory)))
    for label, value in (("Chantier", f.chantier), ("Public", f.public), ("Agence", f.agency_id),
                         ("Dispositif", f.scheme)):
        if value:
            out.append((label, value))
    if f.referent_id:
        out.append(("Référent", "un référent"))
    if c.device_id:
        out.append(("Appareil", "un appareil"))
    return out


def default_file_name(kind: str, f: Filters, ext: str) -> str:
    """« bilan-comite_2026-01-01_2026-12-31.pdf »: the kind of document and its period, nothing
    that names a person (no device, referent, agency or user)."""
    if f.start is None and f.end is None:
        return f"{kind}_toute-la-periode.{ext}"
    start = f.start.isoformat() if f.start else "origine"
    end = f.end.isoformat() if f.end else "ce-jour"
    return f"{kind}_{start}_{end}.{ext}"


# --- the tables ------------------------------------------------------------------------------

#: The columns of a breakdown (same figures as ``headline_figures``), and where each comes from.
_COUNTS = (
    ("spott_grands_chantiers", "SPOTT grands chantiers (sessions)", "SPOTT"),
    ("positioned_by_agencies", "Personnes positionnées par les agences", "Posit."),
    ("exits_counted", "Sorties comptées", "Sorties"),
    ("exits_dynamic", "dont sorties dynamiques", "dont dyn."),
)
_COUNTS_AFTER = (
    ("prevention_completed", "Parcours prévention finalisés", "Prév."),
    ("pci", "Points Conseils Intérimaire", "PCI"),
)
_AMOUNTS = (
    ("fpett_amount_cents", "FPETT (€)", "FPETT"),
    ("aktiv_committed_cents", "AKTIV compétences engagé (€)", "AKTIV"),
    ("departement_amount_cents", "Département (€)", "Dépt"),
)
BREAKDOWN_COLUMNS = (*(c[0] for c in _COUNTS), "insertion_rate", *(c[0] for c in _COUNTS_AFTER),
                     *(c[0] for c in _AMOUNTS))


def _figures(r: IndicatorReport) -> dict[str, int]:
    return {
        "spott_grands_chantiers": r.spott_grands_chantiers,
        "positioned_by_agencies": r.positioned_by_agencies,
        "exits_counted": r.insertion_all.counted,
        "exits_dynamic": r.insertion_all.dynamic,
        "prevention_completed": r.prevention_completed,
        "pci": r.pci_count,
        "fpett_amount_cents": r.fpett_total,
        "aktiv_committed_cents": r.aktiv_committed,
        "departement_amount_cents": r.departement_total,
    }


def breakdown_cells(rows: Sequence[BreakdownRow],
                    whole: IndicatorReport) -> tuple[list[dict[str, Cell]], dict[str, Cell]]:
    """The masked figures of each row of a breakdown (key -> cell, keys of
    :data:`BREAKDOWN_COLUMNS`), and of the whole scope (the « Ensemble » line)."""
    figs = [_figures(r.report) for r in rows]
    total = _figures(whole)
    count_keys = [k for k, _, _ in _COUNTS + _COUNTS_AFTER]
    masked: dict[str, list[bool]] = {}
    for key in count_keys:
        values = [f[key] for f in figs]
        primary = [is_small(v) for v in values]
        if key == "exits_dynamic":
            primary = [p or _complement_small(r.report.insertion_all) for p, r in zip(primary, rows, strict=True)]
        masked[key] = suppress(values, primary, total[key])
    # A row where no count of people can be shown keeps its amounts to itself (see the module).
    people = ("positioned_by_agencies", "exits_counted", "prevention_completed", "pci")
    silent = [all(figs[i][k] == 0 or masked[k][i] for k in people) for i in range(len(rows))]
    for key, _, _ in _AMOUNTS:
        values = [f[key] for f in figs]
        masked[key] = suppress(values, [silent[i] and values[i] != 0 for i in range(len(rows))], total[key])
    out: list[dict[str, Cell]] = []
    for i, r in enumerate(rows):
        cells: dict[str, Cell] = {}
        for key in count_keys:
            cells[key] = MASK if masked[key][i] else figs[i][key]
        for key, _, _ in _AMOUNTS:
            cells[key] = NOT_PUBLISHED if masked[key][i] else Money(figs[i][key])
        cells["insertion_rate"] = _rate_cell(r.report.insertion_all, masked["exits_dynamic"][i],
                                              masked["exits_counted"][i])
        out.append(cells)
    whole_cells: dict[str, Cell] = {k: _count(total[k]) for k in count_keys}
    if _complement_small(whole.insertion_all):
        whole_cells["exits_dynamic"] = MASK
    whole_cells["insertion_rate"] = _rate_cell(whole.insertion_all, whole_cells["exits_dynamic"] is MASK,
                                               whole_cells["exits_counted"] is MASK)
    for key, _, _ in _AMOUNTS:
        whole_cells[key] = Money(total[key])
    return out, whole_cells


def breakdown_sheet(key: str, title: str, dimension_label: str, rows: Sequence[BreakdownRow],
                    whole: IndicatorReport, note: str = "") -> Sheet:
    cells, whole_cells = breakdown_cells(rows, whole)
    columns = (Column(dimension_label, "text"), *(Column(t, "count", s) for _, t, s in _COUNTS),
               Column("Taux d'insertion", "rate", "Taux"),
               *(Column(t, "count", s) for _, t, s in _COUNTS_AFTER), *(Column(t, "amount", s) for _, t, s in _AMOUNTS))
    body = [(r.label, *(c[k] for k in BREAKDOWN_COLUMNS)) for r, c in zip(rows, cells, strict=True)]
    body.append(("Ensemble", *(whole_cells[k] for k in BREAKDOWN_COLUMNS)))
    return Sheet(key, title, columns, tuple(body), note)


_BREAKDOWN_NOTE = ("Les lignes ne s'additionnent pas toujours à l'ensemble : dossiers sans {what}, personnes "
                   "comptées sur plusieurs lignes. « < 5 » : de 1 à 4, ou masqué pour que le total ne le révèle pas ; "
                   "« n. p. » : taux ou montant non publié.")
_WHAT = {"territory": "territoire", "agency": "agence", "chantier": "chantier", "public": "public",
         "scheme": "dispositif", "conseiller": "conseiller"}
_PERIOD_NOTE = ("Chaque ligne compte comme un filtre de dates : une personne peut compter dans plusieurs périodes. "
                "« < 5 » : de 1 à 4, ou masqué pour que le total ne le révèle pas ; « n. p. » : taux ou montant non "
                "publié.")


def summary_sheet(c: Consolidation, generated_on: date) -> Sheet:
    """The eight indicators for the whole scope (the bilan's summary and the export's first sheet)."""
    r = c.report
    rate_rows = _insertion_rows(r)
    rows: list[tuple[Cell, ...]] = [
        ("Période", period_in_words(c.filters), ""),
        *((label, value, "") for label, value in filters_in_words(c)),
        ("Calculé le", generated_on.strftime("%d/%m/%Y"), ""),
        (f"1. {DEFINITIONS['spott_grands_chantiers'].title}", _count(r.spott_grands_chantiers), "sessions"),
        (f"2. {DEFINITIONS['positioned_by_agencies'].title}", _count(r.positioned_by_agencies), "personnes"),
        (f"3. {DEFINITIONS['insertion_rate'].title}", rate_rows[0][1], rate_rows[0][2]),
        *rate_rows[1:],
        (f"4. {DEFINITIONS['prevention_completed'].title}", _count(r.prevention_completed), "parcours"),
        (f"5. {DEFINITIONS['pci'].title}", _count(r.pci_count), "diagnostics"),
        ("   personnes ayant eu un diagnostic", _count(r.pci_files), "personnes"),
        (f"6. {DEFINITIONS['fpett_amount_cents'].title}", Money(r.fpett_total), "euros"),
        (f"7. {DEFINITIONS['aktiv_envelope_cents'].title} : allouée",
         None if r.aktiv_allocated is None else Money(r.aktiv_allocated),
         "non transmise par le siège" if r.aktiv_allocated is None else "euros"),
        ("   engagée", Money(r.aktiv_committed), "euros"),
        ("   reste", None if r.aktiv_allocated is None else Money(r.aktiv_allocated - r.aktiv_committed), "euros"),
        (f"8. {DEFINITIONS['departement_amount_cents'].title}", Money(r.departement_total), "euros"),
    ]
    return Sheet("synthese", "Synthèse des indicateurs (article 5-1)",
                 (Column("Indicateur", "text"), Column("Valeur", "mixed"), Column("Unité", "text")), tuple(rows),
                 "Comptes de 1 à 4 affichés « < 5 » (et masqués aussi quand un total permettrait de les retrouver) ; "
                 "« n. p. » : non publié, révélerait un compte masqué.")


def _insertion_rows(r: IndicatorReport) -> list[tuple[Cell, Cell, Cell]]:
    """The insertion rate, its Département / agences split and its exits, masked together."""
    whole = r.insertion_all
    parts = [r.insertion_departement, r.insertion_agencies]
    counted_m = suppress([p.counted for p in parts], [is_small(p.counted) for p in parts], whole.counted)
    dyn_m = suppress([p.dynamic for p in parts], [is_small(p.dynamic) or _complement_small(p) for p in parts],
                     whole.dynamic)
    whole_dyn_m = is_small(whole.dynamic) or _complement_small(whole)
    whole_counted_m = is_small(whole.counted)
    rows: list[tuple[Cell, Cell, Cell]] = [
        ("", _rate_cell(whole, whole_dyn_m, whole_counted_m), "sorties dynamiques ÷ sorties comptées"),
        ("   dont parcours Département", _rate_cell(parts[0], dyn_m[0], counted_m[0]), "taux"),
        ("   dont parcours agences d'emploi", _rate_cell(parts[1], dyn_m[1], counted_m[1]), "taux"),
        ("   sorties comptées (hors sorties neutres)", MASK if whole_counted_m else whole.counted, "sorties"),
        ("   dont sorties dynamiques", MASK if whole_dyn_m else whole.dynamic, "sorties"),
        ("   sorties neutres (hors taux)", _count(whole.neutral), "sorties"),
    ]
    return rows


def insertion_sheet(r: IndicatorReport) -> Sheet:
    whole = r.insertion_all
    parts = [("Parcours Département", r.insertion_departement), ("Parcours agences d'emploi", r.insertion_agencies)]
    counted_m = suppress([p.counted for _, p in parts], [is_small(p.counted) for _, p in parts], whole.counted)
    dyn_m = suppress([p.dynamic for _, p in parts], [is_small(p.dynamic) or _complement_small(p) for _, p in parts],
                     whole.dynamic)
    neutral_m = suppress([p.neutral for _, p in parts], [is_small(p.neutral) for _, p in parts], whole.neutral)
    rows: list[tuple[Cell, ...]] = []
    for i, (label, p) in enumerate(parts):
        rows.append((label, MASK if dyn_m[i] else p.dynamic, MASK if counted_m[i] else p.counted,
                     MASK if neutral_m[i] else p.neutral, _rate_cell(p, dyn_m[i], counted_m[i])))
    wd = is_small(whole.dynamic) or _complement_small(whole)
    wc = is_small(whole.counted)
    rows.append(("Ensemble", MASK if wd else whole.dynamic, MASK if wc else whole.counted, _count(whole.neutral),
                 _rate_cell(whole, wd, wc)))
    return Sheet("insertion", "Taux d'insertion : Département et agences d'emploi",
                 (Column("Parcours", "text"), Column("Sorties dynamiques", "count"),
                  Column("Sorties comptées", "count"), Column("Sorties neutres (hors taux)", "count"),
                  Column("Taux d'insertion", "rate")), tuple(rows))


def exits_sheet(r: IndicatorReport) -> Sheet:
    keys = [o.value for o in OutcomeCategory]
    values = [r.exits_by_outcome.get(k, 0) for k in keys]
    m = suppress(values, [is_small(v) for v in values], sum(values))
    # The dynamic exits are shown as a whole elsewhere: one masked dynamic category alone would
    # be found again by subtraction.
    dyn = [i for i, k in enumerate(keys) if OutcomeCategory(k).is_dynamic]
    if sum(m[i] for i in dyn) == 1:
        others = sorted((values[i], i) for i in dyn if not m[i] and values[i] > 0)
        if others:
            m[others[0][1]] = True
    rows = tuple((OutcomeCategory(k).label, MASK if m[i] else values[i],
                  "oui" if OutcomeCategory(k).is_dynamic else "non") for i, k in enumerate(keys))
    return Sheet("sorties", "Sorties par catégorie",
                 (Column("Catégorie de sortie", "text"), Column("Sorties", "count"), Column("Dynamique", "text")), rows)


def pci_sheet(r: IndicatorReport) -> Sheet:
    rows = []
    for code, (made, followed, not_followed) in r.pci_recommendations.items():
        try:
            label = PciRecommendation(code).label
        except ValueError:
            label = code
        rows.append((label, _count(made), _count(followed), _count(not_followed)))
    return Sheet("pci", "Points Conseils Intérimaire : préconisations",
                 (Column("Préconisation", "text"), Column("Faites", "count"), Column("Mises en œuvre", "count"),
                  Column("Non mises en œuvre", "count")), tuple(rows))


def _line_label(code: str) -> str:
    try:
        return FundingLine(code).label
    except ValueError:
        return code


def funding_sheet(r: IndicatorReport) -> Sheet:
    """FPETT by line, AKTIV allocated against committed, Département by line (euros)."""
    rows: list[tuple[Cell, ...]] = []
    for line, cents in r.fpett_by_line.items():
        rows.append(("FPETT", _line_label(line), Money(cents)))
    rows.append(("FPETT", "Total", Money(r.fpett_total)))
    rows.append(("AKTO", "AKTIV compétences : enveloppe allouée",
                 None if r.aktiv_allocated is None else Money(r.aktiv_allocated)))
    rows.append(("AKTO", "AKTIV compétences : engagé", Money(r.aktiv_committed)))
    rows.append(("AKTO", "AKTIV compétences : reste",
                 None if r.aktiv_allocated is None else Money(r.aktiv_allocated - r.aktiv_committed)))
    for line, cents in r.departement_by_line.items():
        rows.append(("Département", _line_label(line), Money(cents)))
    rows.append(("Département", "Total", Money(r.departement_total)))
    return Sheet("financements", "Financements par financeur et par ligne",
                 (Column("Financeur", "text"), Column("Ligne", "text"), Column("Montant (€)", "amount")), tuple(rows),
                 "Enveloppe AKTIV « — » : non transmise par le siège pour cette période.")


def funnel_sheet(r: IndicatorReport) -> Sheet:
    current = [f.current for f in r.funnel]
    cm = suppress(current, [is_small(v) for v in current], sum(current))
    rows = tuple((f.label, _count(f.reached), MASK if cm[i] else f.current) for i, f in enumerate(r.funnel))
    return Sheet("entonnoir", "Entonnoir du parcours (personnes repérées dans la période)",
                 (Column("Étape", "text"), Column("Ont atteint l'étape", "count"),
                  Column("Y sont aujourd'hui", "count")), rows, DEFINITIONS["funnel"].counted)


_DELAYS = {"spotting_to_atelier": "Repérage → premier atelier", "atelier_to_agency": "Atelier → agence",
           "agency_to_mission": "Agence → mission"}


def delays_sheet(r: IndicatorReport) -> Sheet:
    rows = []
    for key, d in r.delays.items():
        # A median over 1 to 4 delays is one of those people's own delay.
        median: Cell = None
        if d.median is not None:
            median = NOT_PUBLISHED if is_small(d.count) else f"{d.median:g}".replace(".", ",")
        rows.append((_DELAYS.get(key, key), median, _count(d.count)))
    return Sheet("delais", "Délais médians (jours)",
                 (Column("Délai", "text"), Column("Médiane (jours)", "mixed"), Column("Délais mesurés", "count")),
                 tuple(rows), DEFINITIONS["delays_days"].counted)


def barriers_sheet(r: IndicatorReport) -> Sheet:
    rows = []
    for code, (identified, lifted) in r.barriers.items():
        try:
            label = BarrierType(code).label
        except ValueError:
            label = code
        rows.append((label, _count(identified), _count(lifted)))
    return Sheet("freins", "Freins périphériques identifiés et levés",
                 (Column("Frein", "text"), Column("Identifiés", "count"), Column("Levés", "count")), tuple(rows),
                 DEFINITIONS["barriers"].counted)


def quality_sheet(c: Consolidation) -> Sheet:
    q = c.quality
    rows: list[tuple[Cell, ...]] = []
    if q is None:
        rows.append(("Qualité des données", "non calculée"))
    else:
        rows += [(f"Réserve {i + 1}", note) for i, note in enumerate(q.notes)]
        rows += [
            ("Appareils approuvés", q.devices),
            (f"Appareils sans synchronisation depuis plus de {q.stale_after_days} jours", len(q.stale_devices)),
            ("Dossiers consolidés", q.files),
            ("Dossiers sans territoire", q.files_without_territory),
            ("Conflits de synchronisation ouverts", q.open_conflicts),
            ("Envois en quarantaine", q.quarantined_bundles),
            ("État calculé le", q.computed_on.strftime("%d/%m/%Y")),
        ]
    # Counts of devices, files and conflicts describe the data, not people: shown as they are.
    return Sheet("qualite", "Qualité des données : ce que les chiffres ne comptent pas",
                 (Column("Point", "text"), Column("Valeur", "mixed")), tuple(rows))


def definitions_sheet() -> Sheet:
    rows = []
    for key in (*INDICATORS, "funnel", "delays_days", "barriers", "exits_by_outcome"):
        d = DEFINITIONS[key]
        rows.append((d.title, d.convention or "(ajout du projet)", d.counted))
    rows.append(("« < 5 »", "", "Compte de 1 à 4 personnes (ou sessions, diagnostics, sorties), ou compte masqué "
                 "pour qu'un total ou un taux ne permette pas de retrouver un compte de 1 à 4. Un montant est "
                 "masqué sur une ligne où aucun compte de personnes ne peut être publié."))
    rows.append(("« n. p. »", "", "Non publié : un taux, une médiane ou un montant qui permettrait de retrouver un "
                 "compte de 1 à 4."))
    return Sheet("definitions", "Définitions des indicateurs",
                 (Column("Indicateur", "text"), Column("Texte de la convention (article 5-1)", "text"),
                  Column("Ce qui est compté", "text")), tuple(rows))


def ordered_breakdowns(c: Consolidation, dimensions: Sequence[str] | None = None) -> list[Sheet]:
    """One sheet per breakdown, in :data:`DIMENSIONS` order (``dimensions``: which ones)."""
    out = []
    for dim, label in DIMENSIONS.items():
        b = c.breakdowns.get(dim)
        if b is None or (dimensions is not None and dim not in dimensions):
            continue
        note = (_PERIOD_NOTE if dim in ("month", "quarter", "convention_year")
                else _BREAKDOWN_NOTE.format(what=_WHAT.get(dim, label.lower())))
        out.append(breakdown_sheet(f"par_{dim}", f"Par {label[0].lower() + label[1:]}", b.label or label, b.rows,
                                   c.report, note))
    return out


def trend_sheet(c: Consolidation) -> Sheet:
    return breakdown_sheet("evolution", "Évolution par période", "Période", c.trend, c.report,
                           "Chaque période comptée comme un filtre de dates : les sorties et les montants tombent dans "
                           "la période de leur date.")


#: The breakdowns that partners' documents leave out unless asked: figures per named conseiller
#: are about the staff's work, a matter for the Département, not for the comité's partners.
INTERNAL_DIMENSIONS = ("conseiller",)


def sheets(c: Consolidation, generated_on: date, dimensions: Sequence[str] | None = None) -> list[Sheet]:
    """Every table of the exports, in order: summary, insertion, funding, PCI, funnel, exits,
    delays, barriers, trend, one per breakdown, data quality, definitions."""
    if dimensions is None:
        dimensions = [d for d in DIMENSIONS if d not in INTERNAL_DIMENSIONS]
    r = c.report
    out = [summary_sheet(c, generated_on), insertion_sheet(r), funding_sheet(r), pci_sheet(r), funnel_sheet(r),
           exits_sheet(r), delays_sheet(r), barriers_sheet(r)]
    if c.trend and "month" not in c.breakdowns:  # otherwise the trend is the « par mois » sheet
        out.append(trend_sheet(c))
    out += ordered_breakdowns(c, dimensions)
    out += [quality_sheet(c), definitions_sheet()]
    return out
