"""What the central office consolidates for the comité de suivi (issue 11): the device's
:class:`~conseiller_app.domain.indicators.IndicatorReport` over every device's records, its
breakdowns, the trend by period and the data-quality notes that go beside every figure.

Pure data and rules, shared by the central office's computation (``central.indicators``), its
command line, its console, the bilan (``reports.bilan``) and the partners' exports
(``reports.partner_export``). No database, no Qt.

Small counts: every figure about people that leaves the central office (bilan, exports, a
partner's screen) goes through :func:`mask_counts` so that a count from 1 to 4 reads « < 5 » and
cannot be recovered from a total (a total whose only masked part would reveal it is masked too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from conseiller_app.domain.indicators import Filters, IndicatorReport

#: Counts from 1 to SMALL_COUNT - 1 are never shown outside the central office.
SMALL_COUNT = 5
MASKED = "< 5"

#: The breakdowns of issue 11, in the order the bilan, the exports and the console show them:
#: key -> French label of the dimension.
DIMENSIONS: dict[str, str] = {
    "territory": "Territoire",
    "conseiller": "Conseiller",
    "agency": "Agence d'emploi",
    "chantier": "Chantier",
    "public": "Public",
    "scheme": "Dispositif",
    "month": "Mois",
    "quarter": "Trimestre",
    "convention_year": "Année de convention",
}

#: The convention's four partners, named on the bilan's cover (article 6).
PARTNERS: tuple[str, ...] = (
    "Département du Pas-de-Calais",
    "FPETT (Fonds professionnel pour l'emploi dans le travail temporaire)",
    "AKTO (opérateur de compétences)",
    "FASTT (Fonds d'action sociale du travail temporaire)",
)


@dataclass(frozen=True)
class BreakdownRow:
    key: str  # the value of the dimension (a territory code, a device id, "2026-03", "2026-T1", "1"...)
    label: str  # French label shown to people
    report: IndicatorReport


@dataclass(frozen=True)
class Breakdown:
    dimension: str  # a key of DIMENSIONS
    label: str
    rows: tuple[BreakdownRow, ...]


@dataclass(frozen=True)
class StaleDevice:
    device_id: str
    name: str  # the conseiller's name as the device declared it (already sanitised at ingest)
    territory: str | None
    last_sync: date | None  # None: never sent anything
    days: int | None


@dataclass(frozen=True)
class DataQuality:
    """What the figures miss: shown beside them, never hidden."""

    computed_on: date
    stale_after_days: int
    devices: int  # approved devices
    stale_devices: tuple[StaleDevice, ...]
    files: int  # live files consolidated
    files_without_territory: int
    open_conflicts: int
    quarantined_bundles: int = 0

    @property
    def notes(self) -> list[str]:
        """The French sentences printed under the figures (bilan, console, export)."""
        out: list[str] = []
        if self.stale_devices:
            out.append(f"{len(self.stale_devices)} appareil(s) sur {self.devices} sans synchronisation depuis plus de "
                       f"{self.stale_after_days} jours : leurs dossiers récents manquent aux chiffres.")
        if self.files_without_territory:
            out.append(f"{self.files_without_territory} dossier(s) sans territoire : comptés dans le total, "
                       "absents des lignes par territoire.")
        if self.open_conflicts:
            out.append(f"{self.open_conflicts} conflit(s) de synchronisation non résolu(s) : les fiches concernées "
                       "sont comptées dans leur dernière version acceptée.")
        if self.quarantined_bundles:
            out.append(f"{self.quarantined_bundles} envoi(s) en quarantaine non intégré(s).")
        if not out:
            out.append("Aucune réserve : tous les appareils ont synchronisé récemment, aucun conflit ouvert.")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "computed_on": self.computed_on.isoformat(), "stale_after_days": self.stale_after_days,
            "devices": self.devices, "files": self.files, "files_without_territory": self.files_without_territory,
            "open_conflicts": self.open_conflicts, "quarantined_bundles": self.quarantined_bundles,
            "stale_devices": [{"device_id": d.device_id, "name": d.name, "territory": d.territory,
                               "last_sync": d.last_sync.isoformat() if d.last_sync else None, "days": d.days}
                              for d in self.stale_devices],
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Consolidation:
    """Everything the comité's documents show, for one set of filters."""

    filters: Filters
    report: IndicatorReport  # the whole scope: same JSON as ``conseiller indicators``
    breakdowns: Mapping[str, Breakdown] = field(default_factory=dict)  # dimension -> breakdown
    trend: Sequence[BreakdownRow] = ()  # by month (or quarter over long periods), oldest first
    quality: DataQuality | None = None
    device_id: str | None = None  # the --device filter, if any

    def to_json(self) -> dict[str, Any]:
        """The report's JSON (identical keys to the device's ``conseiller indicators --json``),
        plus ``breakdowns``, ``trend`` and ``data_quality``."""
        out = self.report.to_json()
        out["filters"]["device"] = self.device_id
        out["breakdowns"] = {k: [{"key": r.key, "label": r.label, **_figures(r.report)} for r in b.rows]
                             for k, b in self.breakdowns.items()}
        out["trend"] = [{"key": r.key, "label": r.label, **_figures(r.report)} for r in self.trend]
        out["data_quality"] = self.quality.to_json() if self.quality else None
        return out


def _figures(r: IndicatorReport) -> dict[str, Any]:
    """The headline figures of a breakdown row (what a table under a chart shows)."""
    return {
        "spott_grands_chantiers": r.spott_grands_chantiers,
        "positioned_by_agencies": r.positioned_by_agencies,
        "insertion_rate": r.insertion_all.rate,
        "exits_dynamic": r.insertion_all.dynamic,
        "exits_counted": r.insertion_all.counted,
        "prevention_completed": r.prevention_completed,
        "pci": r.pci_count,
        "fpett_amount_cents": r.fpett_total,
        "aktiv_committed_cents": r.aktiv_committed,
        "departement_amount_cents": r.departement_total,
    }


def headline_figures(r: IndicatorReport) -> dict[str, Any]:
    """Public alias of the figures a breakdown row carries (same keys as in ``to_json``)."""
    return _figures(r)


def is_small(n: int | None) -> bool:
    return n is not None and 0 < n < SMALL_COUNT


def mask_counts(counts: Sequence[int], total: int | None = None) -> tuple[list[str], str | None]:
    """Counts of people as they may leave the central office.

    Each count from 1 to 4 becomes « < 5 ». If exactly one count of a row is masked and the total
    is shown, the masked one could be recovered by subtraction: the next smallest count is masked
    too (secondary suppression). The total itself is masked when small. Returns the texts and the
    total's text (None when no total was given)."""
    texts = [MASKED if is_small(c) else f"{c}" for c in counts]
    masked = [i for i, c in enumerate(counts) if is_small(c)]
    if total is not None and len(masked) == 1:
        others = sorted((c, i) for i, c in enumerate(counts) if i not in masked and c > 0)
        if others:
            texts[others[0][1]] = MASKED
    total_text = None if total is None else (MASKED if is_small(total) else f"{total}")
    return texts, total_text


def period_label(key: str) -> str:
    """« 2026-03 » -> « mars 2026 », « 2026-T2 » -> « 2e trimestre 2026 », « 2 » -> « Année 2 »."""
    months = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre")
    if "-T" in key:
        year, q = key.split("-T")
        return f"{'1er' if q == '1' else q + 'e'} trimestre {year}"
    if len(key) == 7 and key[4] == "-":
        return f"{months[int(key[5:]) - 1]} {key[:4]}"
    return f"Année {key} de la convention"
