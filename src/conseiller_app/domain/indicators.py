"""The convention's indicators (article 5-1), the pathway funnel, the delays, the barriers and the
exits, computed by pure functions over plain rows.

Nothing here knows where the rows come from: the device's query layer
(``storage.indicator_rows``) loads them from the vault, and the central office will build the
same :class:`Dataset` from its consolidated records and call the same :func:`compute`. Keep it so:
no vault, no SQLAlchemy session, no Qt.

API for a page or a command:

* build a :class:`Filters` (``Filters.month(2026, 3)``, ``Filters.quarter(...)``,
  ``Filters.calendar_year(...)``, ``Filters.convention_year(signature, n)`` or plain dates,
  plus territory, chantier, public, agency, scheme, referent);
* ``compute(dataset, filters)`` returns an :class:`IndicatorReport` (frozen; ``to_json()`` gives
  the stable JSON documented in the README, amounts in cents);
* ``explain(dataset, filters, name)`` returns an :class:`Explanation`: one item per unit counted
  by the figure ``name`` (see :data:`EXPLAINABLE`), each naming its file (``file_id``) when there
  is one; ``len(items)`` equals the figure (for amounts, the items are the funding lines);
* :data:`DEFINITIONS` holds the French definition of every indicator, shown on hover and in the
  README.

Every figure that is a ratio is ``None`` (absent, never 0) when its denominator is 0.
"""

from __future__ import annotations

import statistics
import sys
import weakref
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any, NamedTuple

from conseiller_app.domain.enums import (
    BarrierStatus,
    BarrierType,
    Funder,
    FundingLine,
    OutcomeCategory,
    PciRecommendation,
    PreventionStatus,
    Public,
    ReferralStatus,
    RegistrationStatus,
    SessionKind,
    Stage,
    StepStatus,
)
from conseiller_app.domain.facts import format_euros

# --- rows ------------------------------------------------------------------------------------
# Plain tuples with names: cheap to build by the hundred thousand, and any store can fill them.


class FileRow(NamedTuple):
    id: str
    public: str
    territory: str | None
    referent_id: str
    spotting_date: date
    current_stage: str


class StepRow(NamedTuple):
    beneficiary_id: str
    stage: str
    status: str
    actual_start: date | None
    actual_end: date | None
    outcome: str | None


class SessionRow(NamedTuple):
    id: str
    kind: str
    territory: str
    chantier: str | None
    start_date: date
    fpett_validated_on: date | None
    agencies: tuple[str, ...]


class RegistrationRow(NamedTuple):
    session_id: str
    beneficiary_id: str
    status: str
    positioned_by_agency_id: str | None


class ReferralRow(NamedTuple):
    id: str
    beneficiary_id: str
    agency_id: str
    scheme: str
    status: str
    created_on: date


class BarrierRow(NamedTuple):
    beneficiary_id: str
    type: str
    status: str
    identified_on: date
    lifted_on: date | None


class PciRow(NamedTuple):
    id: str
    beneficiary_id: str
    held_on: date
    held_by: str
    recommendations: tuple[tuple[str, bool | None], ...]  # (code, followed)


class PreventionRow(NamedTuple):
    id: str
    beneficiary_id: str
    status: str
    started_on: date
    completed_on: date | None


class FundingRow(NamedTuple):
    id: str
    beneficiary_id: str | None
    target_kind: str
    target_id: str
    funder: str
    line: str
    amount_cents: int
    granted_on: date


@dataclass(frozen=True, eq=False)  # identity: an Index is cached per dataset
class Dataset:
    """Every row the indicators read (live rows only: tombstones are left out by the loader)."""

    files: Sequence[FileRow] = ()
    steps: Sequence[StepRow] = ()
    sessions: Sequence[SessionRow] = ()
    registrations: Sequence[RegistrationRow] = ()
    referrals: Sequence[ReferralRow] = ()
    barriers: Sequence[BarrierRow] = ()
    pci: Sequence[PciRow] = ()
    prevention: Sequence[PreventionRow] = ()
    funding: Sequence[FundingRow] = ()
    #: AKTIV compétences envelope allocated, by calendar year, in cents (reference data).
    aktiv_envelopes: Mapping[int, int] = field(default_factory=dict)


# --- filters ---------------------------------------------------------------------------------

#: The convention runs 4 years from its signature (article 2).
CONVENTION_YEARS = 4


@dataclass(frozen=True)
class Filters:
    """Which events and files count. Dates are inclusive; ``None`` means no limit."""

    start: date | None = None
    end: date | None = None
    territory: str | None = None
    chantier: str | None = None
    public: str | None = None
    agency_id: str | None = None
    scheme: str | None = None
    referent_id: str | None = None

    @staticmethod
    def month(year: int, month: int, **kw: Any) -> Filters:
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return Filters(date(year, month, 1), nxt - timedelta(days=1), **kw)

    @staticmethod
    def quarter(year: int, quarter: int, **kw: Any) -> Filters:
        if quarter not in (1, 2, 3, 4):
            raise ValueError(quarter)
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
        return Filters(start, end, **kw)

    @staticmethod
    def calendar_year(year: int, **kw: Any) -> Filters:
        return Filters(date(year, 1, 1), date(year, 12, 31), **kw)

    @staticmethod
    def convention_year(signature: date, n: int, **kw: Any) -> Filters:
        """Year ``n`` (1 to 4) of the convention, counted from its signature date (a setting)."""
        if not 1 <= n <= CONVENTION_YEARS:
            raise ValueError(n)
        start = _add_years(signature, n - 1)
        return Filters(start, _add_years(signature, n) - timedelta(days=1), **kw)

    def in_period(self, day: date | None) -> bool:
        if day is None:
            return False
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def to_json(self) -> dict[str, Any]:
        return {"from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None,
                "territory": self.territory, "chantier": self.chantier, "public": self.public,
                "agency": self.agency_id, "scheme": self.scheme, "referent": self.referent_id}


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- definitions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    key: str
    title: str
    convention: str  # the convention's own words (article 5-1), or "" for the project's additions
    counted: str  # what exactly is counted, from which dates, and the choices made


DEFINITIONS: dict[str, Definition] = {d.key: d for d in (
    Definition(
        "spott_grands_chantiers", "SPOTT en lien avec les grands chantiers",
        "« Nombre de SPOTT en lien avec les besoins « grands chantiers » »",
        "Nombre de sessions de type SPOTT dont le chantier est le Canal Seine-Nord Europe ou l'ERBM (le chantier "
        "« autre » n'est pas compté), dont la date de début tombe dans la période. Filtres : territoire et chantier "
        "de la session, agence parmi les agences associées à la SPOTT ; les filtres public et référent ne "
        "s'appliquent pas (une SPOTT n'appartient à aucun dossier)."),
    Definition(
        "positioned_by_agencies", "Personnes positionnées par les agences sur les actions préparatoires",
        "« Nombre de personnes positionnées par les agences d'emploi sur les actions préparatoires »",
        "Nombre de personnes (dossiers distincts) qui, dans la période, ont soit une inscription (non "
        "désinscrite) à une découverte métiers ou à un SAS préparatoire dont l'agence qui l'a positionnée est "
        "renseignée et dont la session commence dans la période, soit une étape « Action préparatoire agence » "
        "(Tremplin RSA) commencée dans la période."),
    Definition(
        "insertion_rate", "Taux d'insertion après le parcours",
        "« Taux d'insertion post parcours d'accompagnement (Département et Agences d'emploi) »",
        "Sorties dynamiques (emploi durable, emploi de transition, sortie positive) divisées par les sorties "
        "comptées, c'est-à-dire toutes les sorties sauf les sorties neutres (déménagement, santé, maternité…). "
        "Choix du projet : les sorties neutres sont retirées du dénominateur. Une sortie compte à la date de fin de "
        "l'étape « Sortie » réalisée (une par personne : la dernière de la période). « Agences d'emploi » : "
        "parcours dont une orientation a atteint au moins « positionné(e) » ; « Département » : les autres. "
        "Absent (et non 0 %) quand aucune sortie n'est comptée."),
    Definition(
        "prevention_completed", "Parcours prévention finalisés",
        "« Nombre de Parcours prévention finalisés »",
        "Nombre de parcours prévention (E-prévention, FASTT) au statut « finalisé » dont la date de fin tombe "
        "dans la période."),
    Definition(
        "pci", "Points Conseils Intérimaire et préconisations",
        "« Nombre de Point Conseils Intérimaire et préconisations associées »",
        "Nombre de diagnostics Point Conseils Intérimaire (FASTT) réalisés dans la période (une personne peut en "
        "avoir plusieurs), et pour chaque préconisation : combien de fois elle a été faite, mise en œuvre, non "
        "mise en œuvre."),
    Definition(
        "fpett_amount_cents", "Montant investi par le FPETT",
        "« Montant investi par le FPETT : prise en charge dans le cadre des CIPI, CDPI, SPOTT et actions tremplin "
        "RSA »",
        "Somme des lignes de financement du FPETT sur les lignes CIPI, CDPI, SPOTT et Tremplin RSA dont la date "
        "tombe dans la période, en centimes. Une ligne portée par une session est rattachée au territoire et au "
        "chantier de la session ; elle n'est pas comptée quand on filtre par public ou par référent."),
    Definition(
        "aktiv_envelope_cents", "Enveloppe AKTIV compétences",
        "« Montant de l'enveloppe « Aktiv Compétences » alloué »",
        "Montant alloué : somme des enveloppes annuelles transmises par le siège pour les années civiles que "
        "touche la période (tout le département, sans autre filtre ; absent tant que le siège ne l'a pas "
        "transmis). Engagé : somme des lignes de financement AKTO « AKTIV compétences » de la période (filtrées "
        "comme les autres montants). Reste : alloué moins engagé."),
    Definition(
        "departement_amount_cents", "Montant investi par le Département",
        "« Montant investi par le Département : préparatoire métier, enveloppe coup de pouce compétences »",
        "Somme des lignes de financement du Département sur les lignes « préparatoire métier » et « coup de pouce "
        "compétences » dont la date tombe dans la période, en centimes."),
    Definition(
        "funnel", "Entonnoir du parcours", "",
        "Pour les personnes repérées dans la période : combien ont atteint chaque étape (une étape commencée, en "
        "cours ou réalisée de ce type), et combien s'y trouvent aujourd'hui (dernière étape du dossier, même "
        "seulement prévue : ce nombre peut dépasser celui des personnes qui l'ont commencée)."),
    Definition(
        "delays_days", "Délais (médianes, en jours)", "",
        "Médiane des jours entre le repérage et le début du premier atelier, entre le premier atelier et le début "
        "du positionnement en agence (à défaut, la première orientation), et entre ce positionnement et le début "
        "de la première mission. Un délai est compté dans la période où tombe son second événement ; absent "
        "quand aucun délai n'est mesurable."),
    Definition(
        "barriers", "Freins périphériques identifiés et levés", "",
        "Par type de frein : freins identifiés dans la période (date d'identification) et freins levés dans la "
        "période (statut « levé », date de levée)."),
    Definition(
        "exits_by_outcome", "Sorties par catégorie", "",
        "Les sorties de la période (les mêmes que pour le taux d'insertion, sorties neutres comprises), par "
        "catégorie de sortie."),
)}

#: Key of the eight indicators of article 5-1, in the convention's order.
INDICATORS = ("spott_grands_chantiers", "positioned_by_agencies", "insertion_rate", "prevention_completed", "pci",
              "fpett_amount_cents", "aktiv_envelope_cents", "departement_amount_cents")

GRANDS_CHANTIERS = ("csne", "erbm")
PREPARATORY_KINDS = (SessionKind.TASTER.value, SessionKind.PREP_COURSE.value)
FPETT_LINES = (FundingLine.CIPI.value, FundingLine.CDPI.value, FundingLine.SPOTT.value, FundingLine.TREMPLIN_RSA.value)
DEPARTEMENT_LINES = (FundingLine.PREP_METIER.value, FundingLine.COUP_DE_POUCE.value)
#: A referral at or past this status means an agency took the person on (insertion rate split).
AGENCY_TOOK_ON = (ReferralStatus.POSITIONED.value, ReferralStatus.IN_TRAINING.value, ReferralStatus.IN_MISSION.value,
                  ReferralStatus.CLOSED.value)
_REACHED = (StepStatus.IN_PROGRESS.value, StepStatus.DONE.value, StepStatus.SUSPENDED.value,
            StepStatus.ABANDONED.value)
_DYNAMIC = tuple(o.value for o in OutcomeCategory if o.is_dynamic)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A rate with its parts; ``rate`` is None when ``counted`` is 0."""

    dynamic: int
    counted: int
    neutral: int

    @property
    def rate(self) -> float | None:
        return self.dynamic / self.counted if self.counted else None

    def to_json(self) -> dict[str, Any]:
        return {"rate": self.rate, "dynamic": self.dynamic, "counted": self.counted, "neutral": self.neutral,
                "exits": self.counted + self.neutral}


@dataclass(frozen=True)
class Delay:
    median: float | None
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"median": self.median, "count": self.count}


@dataclass(frozen=True)
class FunnelStage:
    stage: str
    label: str
    reached: int
    current: int


@dataclass(frozen=True)
class IndicatorReport:
    filters: Filters
    spott_grands_chantiers: int
    positioned_by_agencies: int
    insertion_all: Rate
    insertion_departement: Rate
    insertion_agencies: Rate
    prevention_completed: int
    pci_count: int
    pci_files: int
    pci_recommendations: Mapping[str, tuple[int, int, int]]  # code -> (made, followed, not followed)
    fpett_by_line: Mapping[str, int]
    aktiv_allocated: int | None
    aktiv_committed: int
    departement_by_line: Mapping[str, int]
    funnel: tuple[FunnelStage, ...]
    delays: Mapping[str, Delay]
    barriers: Mapping[str, tuple[int, int]]  # type -> (identified, lifted)
    exits_by_outcome: Mapping[str, int]

    @property
    def fpett_total(self) -> int:
        return sum(self.fpett_by_line.values())

    @property
    def departement_total(self) -> int:
        return sum(self.departement_by_line.values())

    def figure(self, name: str) -> int:
        """The figure behind an explainable name (see :data:`EXPLAINABLE`): a count, or for the
        amounts a sum in cents (whose lines :func:`explain` lists)."""
        return {
            "spott_grands_chantiers": self.spott_grands_chantiers,
            "positioned_by_agencies": self.positioned_by_agencies,
            "insertion_rate": self.insertion_all.counted,
            "exits_dynamic": self.insertion_all.dynamic,
            "exits_neutral": self.insertion_all.neutral,
            "prevention_completed": self.prevention_completed,
            "pci": self.pci_count,
            "fpett_amount_cents": self.fpett_total,
            "aktiv_envelope_cents": self.aktiv_committed,
            "departement_amount_cents": self.departement_total,
        }[name]

    def to_json(self) -> dict[str, Any]:
        """The stable JSON of the CLI and the exports (keys documented in the README)."""
        return {
            "filters": self.filters.to_json(),
            "spott_grands_chantiers": self.spott_grands_chantiers,
            "positioned_by_agencies": self.positioned_by_agencies,
            "insertion_rate": {"all": self.insertion_all.to_json(), "departement": self.insertion_departement.to_json(),
                               "agences": self.insertion_agencies.to_json()},
            "prevention_completed": self.prevention_completed,
            "pci": {"count": self.pci_count, "files": self.pci_files,
                    "recommendations": {k: {"made": a, "followed": b, "not_followed": c}
                                        for k, (a, b, c) in self.pci_recommendations.items()}},
            "fpett_amount_cents": {"total": self.fpett_total, "by_line": dict(self.fpett_by_line)},
            "aktiv_envelope_cents": {
                "allocated": self.aktiv_allocated, "committed": self.aktiv_committed,
                "remaining": None if self.aktiv_allocated is None else self.aktiv_allocated - self.aktiv_committed},
            "departement_amount_cents": {"total": self.departement_total, "by_line": dict(self.departement_by_line)},
            "funnel": [{"stage": f.stage, "label": f.label, "reached": f.reached, "current": f.current}
                       for f in self.funnel],
            "delays_days": {k: d.to_json() for k, d in self.delays.items()},
            "barriers": {k: {"identified": a, "lifted": b} for k, (a, b) in self.barriers.items()},
            "exits_by_outcome": dict(self.exits_by_outcome),
        }


@dataclass(frozen=True)
class ExplainItem:
    """One unit behind a figure: its file (None for a session), the record and its date."""

    file_id: str | None
    record_id: str
    day: date | None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "record_id": self.record_id,
                "date": self.day.isoformat() if self.day else None, "detail": self.detail}


@dataclass(frozen=True)
class Explanation:
    name: str
    title: str
    unit: str  # "dossiers", "sessions", "diagnostics", "sorties", "lignes de financement"
    items: tuple[ExplainItem, ...]
    total_cents: int | None = None  # for amounts: the sum of the items

    @property
    def file_ids(self) -> list[str]:
        """The distinct files behind the figure, in order (what a page opens)."""
        return list(dict.fromkeys(i.file_id for i in self.items if i.file_id))

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "unit": self.unit, "count": len(self.items),
                "total_cents": self.total_cents, "file_ids": self.file_ids, "items": [i.to_json() for i in self.items]}


# --- the computation -------------------------------------------------------------------------


class Index:
    """What every computation needs from a dataset, grouped by file once (the rows of 60,000
    files hold some 300,000 steps: filters then only walk the files they keep)."""

    def __init__(self, ds: Dataset) -> None:
        # Weakly: the index is kept in a WeakKeyDictionary keyed by its dataset, which a strong
        # reference from here would keep alive for ever (every dataset ever indexed, kept).
        self.ds: Dataset = weakref.proxy(ds)
        self.sessions = {x.id: x for x in ds.sessions}
        self.file_chantiers: dict[str, set[str]] = defaultdict(set)
        self.file_agencies: dict[str, set[str]] = defaultdict(set)
        self.file_schemes: dict[str, set[str]] = defaultdict(set)
        #: (file, session) of the registrations to a preparatory action positioned by an agency
        self.positioned: list[tuple[str, SessionRow]] = []
        self.agency_files: set[str] = set()
        self.first_referral: dict[str, date] = {}
        #: first start date of each stage reached, per file
        self.firsts: dict[str, dict[str, date]] = defaultdict(dict)
        #: (date, outcome) of each exit done, per file
        self.exits: dict[str, list[tuple[date, str]]] = defaultdict(list)
        #: start dates of the « action préparatoire agence » steps, per file
        self.agency_prep: dict[str, list[date]] = defaultdict(list)
        self.all_files: dict[str, FileRow] = {}
        self.reached: dict[str, frozenset[str]] = {}
        self.milestones: dict[str, tuple[date | None, date | None, date | None]] = {}
        #: each delay as (file, date of its second event, days), measurable ones only
        self.delay_rows: dict[str, list[tuple[str, date, int]]] = {
            "spotting_to_atelier": [], "atelier_to_agency": [], "agency_to_mission": []}
        #: barriers by type: (file, identified on, lifted on when lifted)
        self.barrier_rows: dict[str, list[tuple[str, date, date | None]]] = defaultdict(list)
        self._add(ds.registrations, ds.referrals, ds.funding, ds.steps, ds.files, ds.barriers)

    @classmethod
    def updated(cls, old: Index, ds: Dataset, files: Iterable[str]) -> Index:
        """The index of ``ds`` made from ``old``, the index of a dataset that differs from ``ds``
        only in the rows of ``files`` (their file rows and the rows that name them; the sessions
        the same): only the rows of those files are walked again. It gives the figures of
        ``Index(ds)`` (some of its lists hold the same items in another order, where order does not
        count). ``old`` is left as it was (a computation may still be using it)."""
        changed = set(files)
        ix = cls.__new__(cls)
        ix.ds = weakref.proxy(ds)
        ix.sessions = dict(old.sessions)

        def per_file(table: dict[str, Any], factory: Any = None) -> dict[str, Any]:
            out = defaultdict(factory, table) if factory is not None else dict(table)
            for bid in changed:
                out.pop(bid, None)
            return out
        ix.file_chantiers = per_file(old.file_chantiers, set)
        ix.file_agencies = per_file(old.file_agencies, set)
        ix.file_schemes = per_file(old.file_schemes, set)
        ix.positioned = [p for p in old.positioned if p[0] not in changed]
        ix.agency_files = old.agency_files - changed
        ix.first_referral = per_file(old.first_referral)
        ix.firsts = per_file(old.firsts, dict)
        ix.exits = per_file(old.exits, list)
        ix.agency_prep = per_file(old.agency_prep, list)
        ix.all_files = per_file(old.all_files)
        ix.reached = per_file(old.reached)
        ix.milestones = per_file(old.milestones)
        ix.delay_rows = {key: [r for r in rows if r[0] not in changed] for key, rows in old.delay_rows.items()}
        ix.barrier_rows = defaultdict(list)
        for kind, rows in old.barrier_rows.items():
            kept = [r for r in rows if r[0] not in changed]
            if kept:
                ix.barrier_rows[kind] = kept

        def mine(rows: Sequence[Any]) -> list[Any]:
            return [r for r in rows if r.beneficiary_id in changed]
        ix._add(mine(ds.registrations), mine(ds.referrals), mine(ds.funding), mine(ds.steps),
                [x for x in ds.files if x.id in changed], mine(ds.barriers))
        return ix

    @classmethod
    def restricted(cls, whole: Index, ds: Dataset) -> Index:
        """The index of ``ds``, made of some of the files of ``whole``'s dataset with every row
        that names them and the same sessions (``central.indicators.subset``), taken from
        ``whole`` instead of walking the files' rows again: what a file's own registrations,
        referrals, funding lines and steps give is the same in both. Only the files and their
        barriers are walked (each a few rows). It gives the figures of ``Index(ds)`` (some of its
        lists hold the same items in another order, where order does not count); ``whole`` is
        left as it was. The entries of each file are shared with ``whole`` (never changed)."""
        ix = cls.__new__(cls)
        ix.ds = weakref.proxy(ds)
        ix.sessions = dict(whole.sessions)
        ids = [x.id for x in ds.files]
        mine = set(ids)

        def per_file(table: dict[str, Any], factory: Any = None) -> dict[str, Any]:
            out: dict[str, Any] = defaultdict(factory) if factory is not None else {}
            for bid in ids:
                if bid in table:
                    out[bid] = table[bid]
            return out
        ix.file_chantiers = per_file(whole.file_chantiers, set)
        ix.file_agencies = per_file(whole.file_agencies, set)
        ix.file_schemes = per_file(whole.file_schemes, set)
        ix.positioned = [p for p in whole.positioned if p[0] in mine]
        ix.agency_files = whole.agency_files & mine
        ix.first_referral = per_file(whole.first_referral)
        ix.firsts = per_file(whole.firsts, dict)
        ix.exits = per_file(whole.exits, list)
        ix.agency_prep = per_file(whole.agency_prep, list)
        ix.all_files = {}
        ix.reached = {}
        ix.milestones = {}
        ix.delay_rows = {key: [] for key in whole.delay_rows}
        ix.barrier_rows = defaultdict(list)
        ix._add_files(ds.files)
        ix._add_barriers(ds.barriers)
        return ix

    def _add(self, registrations: Iterable[RegistrationRow], referrals: Iterable[ReferralRow],
             funding: Iterable[FundingRow], steps: Iterable[StepRow], files: Iterable[FileRow],
             barriers: Iterable[BarrierRow]) -> None:
        """Walk these rows (all of a dataset's, or all of some files' whose entries are not here)."""
        self._add_links(registrations, referrals, funding)
        self._add_steps(steps)
        self._add_files(files)
        self._add_barriers(barriers)

    def _add_links(self, registrations: Iterable[RegistrationRow], referrals: Iterable[ReferralRow],
                   funding: Iterable[FundingRow]) -> None:
        """Chantiers, agencies and schemes of each file, positionnements, first referrals."""
        withdrawn = RegistrationStatus.WITHDRAWN.value
        for r in registrations:
            session = self.sessions.get(r.session_id)
            if session is None or r.status == withdrawn:
                continue
            if session.chantier:
                self.file_chantiers[r.beneficiary_id].add(session.chantier)
            if r.positioned_by_agency_id:
                self.file_agencies[r.beneficiary_id].add(r.positioned_by_agency_id)
                if session.kind in PREPARATORY_KINDS:
                    self.positioned.append((r.beneficiary_id, session))
        for ref in referrals:
            bid = ref.beneficiary_id
            self.file_agencies[bid].add(ref.agency_id)
            self.file_schemes[bid].add(ref.scheme)
            if ref.status in AGENCY_TOOK_ON:
                self.agency_files.add(bid)
            if bid not in self.first_referral or ref.created_on < self.first_referral[bid]:
                self.first_referral[bid] = ref.created_on
        for line in funding:
            if line.beneficiary_id:
                self.file_schemes[line.beneficiary_id].add(line.line)

    def _add_steps(self, steps: Iterable[StepRow]) -> None:
        """First start of each stage reached, exits done, agency preparatory steps, per file."""
        exit_, done, prep = Stage.EXIT.value, StepStatus.DONE.value, Stage.AGENCY_PREP.value
        for st in steps:
            start = st.actual_start
            if start is None or st.status not in _REACHED:
                continue
            own = self.firsts[st.beneficiary_id]
            known = own.get(st.stage)
            if known is None or start < known:
                own[st.stage] = start
            if st.stage == exit_ and st.status == done and st.outcome:
                self.exits[st.beneficiary_id].append((st.actual_end or start, st.outcome))
            elif st.stage == prep:
                self.agency_prep[st.beneficiary_id].append(start)

    def _add_files(self, files: Iterable[FileRow]) -> None:
        """The files, from what :meth:`_add_links` and :meth:`_add_steps` found for them."""
        # Per file, what the funnel and the delays read, so that a computation walks each file once:
        # the stages reached (one shared frozenset per combination, counted as a whole) and the
        # dates of the first atelier, of the positionnement (else the first referral) and of the
        # first mission.
        shared: dict[frozenset[str], frozenset[str]] = {}
        spotting, exit_done = Stage.SPOTTING.value, Stage.EXIT.value
        atelier_s, agency_s, job_s = Stage.AWARENESS.value, Stage.AGENCY.value, Stage.JOB.value
        walked: list[tuple[FileRow, tuple[date | None, date | None, date | None]]] = []
        for x in files:
            self.all_files[x.id] = x
            own = self.firsts.get(x.id, {})
            stages = set(own)
            stages.add(spotting)
            if exit_done in stages and x.id not in self.exits:  # an exit without an outcome: not reached
                stages.discard(exit_done)
            key = frozenset(stages)
            self.reached[x.id] = shared.setdefault(key, key)
            atelier = own.get(atelier_s)
            agency = own.get(agency_s) or self.first_referral.get(x.id)
            mission = own.get(job_s)
            if atelier or agency or mission:
                self.milestones[x.id] = (atelier, agency, mission)
                walked.append((x, (atelier, agency, mission)))
        for f, (atelier, agency, mission) in walked:
            for name, a, b in (("spotting_to_atelier", f.spotting_date, atelier), ("atelier_to_agency", atelier, agency),
                               ("agency_to_mission", agency, mission)):
                if a is not None and b is not None and b >= a:
                    self.delay_rows[name].append((f.id, b, (b - a).days))

    def _add_barriers(self, barriers: Iterable[BarrierRow]) -> None:
        lifted = BarrierStatus.LIFTED.value
        for bar in barriers:
            self.barrier_rows[bar.type].append(
                (bar.beneficiary_id, bar.identified_on, bar.lifted_on if bar.status == lifted else None))

    # What a computation over a period reads, sorted by date (built on the first such computation):
    # a month of the trend then walks that month's rows, not the whole convention's. Each is
    # (dates, rows) with ``dates`` ascending, for :func:`_window`.

    # The files of each chantier, agency and scheme (a filter on one of them keeps these).

    @cached_property
    def files_by_chantier(self) -> dict[str, set[str]]:
        return _inverted(self.file_chantiers)

    @cached_property
    def files_by_agency(self) -> dict[str, set[str]]:
        return _inverted(self.file_agencies)

    @cached_property
    def files_by_scheme(self) -> dict[str, set[str]]:
        return _inverted(self.file_schemes)

    @cached_property
    def spott_sessions(self) -> list[SessionRow]:
        """The SPOTT sessions of the grands chantiers (indicator 1 counts some of them)."""
        spott = SessionKind.SPOTT.value
        return [s for s in self.sessions.values() if s.kind == spott and s.chantier in GRANDS_CHANTIERS]

    @cached_property
    def files_by_spotting(self) -> tuple[list[date], list[FileRow]]:
        return _dated((x.spotting_date, x) for x in self.ds.files)

    @cached_property
    def positioned_by_date(self) -> tuple[list[date], list[str]]:
        """The files of :attr:`positioned` by session start, and of :attr:`agency_prep` by step start."""
        pairs = [(x.start_date, bid) for bid, x in self.positioned]
        pairs += [(day, bid) for bid, starts in self.agency_prep.items() for day in starts]
        return _dated(pairs)

    @cached_property
    def exits_by_date(self) -> tuple[list[date], list[tuple[str, tuple[date, str]]]]:
        """(file, exit) of every exit, by date; within a day, in each file's own order."""
        return _dated((e[0], (bid, e)) for bid, exits in self.exits.items() for e in exits)

    @cached_property
    def delays_by_date(self) -> dict[str, tuple[list[date], list[tuple[str, int]]]]:
        return {key: _dated((day, (bid, d)) for bid, day, d in rows) for key, rows in self.delay_rows.items()}

    @cached_property
    def barriers_by_date(self) -> dict[str, tuple[tuple[list[date], list[str]], tuple[list[date], list[str]]]]:
        """Per type, the files of its barriers by identification date, and of the lifted ones by
        lifting date."""
        return {kind: (_dated((d, bid) for bid, d, _ in rows),
                       _dated((d, bid) for bid, _, d in rows if d is not None))
                for kind, rows in self.barrier_rows.items()}

    @cached_property
    def funding_by_date(self) -> tuple[list[date], list[FundingRow]]:
        return _dated((x.granted_on, x) for x in self.ds.funding)


def _inverted(per_file: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for bid, values in per_file.items():
        for value in values:
            out[value].add(bid)
    return dict(out)


def _dated(pairs: Iterable[tuple[date, Any]]) -> tuple[list[date], list[Any]]:
    """(dates, rows) sorted by date, stable: rows of the same day keep their order."""
    ordered = sorted(pairs, key=lambda p: p[0])
    return [d for d, _ in ordered], [r for _, r in ordered]


def _window(dated: tuple[list[date], list[Any]], f: Filters) -> list[Any]:
    """The rows of ``dated`` whose date is in ``f``'s period (inclusive)."""
    dates, rows = dated
    lo = 0 if f.start is None else bisect_left(dates, f.start)
    hi = len(dates) if f.end is None else bisect_right(dates, f.end)
    return rows[lo:hi]


_indexes: weakref.WeakKeyDictionary[Dataset, Index] = weakref.WeakKeyDictionary()


def index(ds: Dataset) -> Index:
    """The dataset's index, built on first use and kept as long as the dataset lives."""
    ix = _indexes.get(ds)
    if ix is None:
        ix = _indexes[ds] = Index(ds)
    return ix


def index_from(previous: Dataset, ds: Dataset, files: Iterable[str]) -> Index:
    """The index of ``ds``, a dataset that differs from ``previous`` only in the rows of
    ``files`` (see :meth:`Index.updated`), made from ``previous``'s when it has one."""
    ix = _indexes.get(ds)
    if ix is None:
        old = _indexes.get(previous)
        ix = _indexes[ds] = Index(ds) if old is None else Index.updated(old, ds, files)
    return ix


def index_within(whole: Dataset, part: Dataset) -> Index:
    """The index of ``part``, some of ``whole``'s files with every row naming them and the same
    sessions (see :meth:`Index.restricted`), taken from ``whole``'s (built if needed)."""
    ix = _indexes.get(part)
    if ix is None:
        ix = _indexes[part] = Index.restricted(index(whole), part)
    return ix


def release_index(ds: Dataset) -> None:
    """Free the index of a dataset no longer used, a slice at a time. The index of 60,000 files
    holds half a million small objects: freed in one go (when the dataset goes), they hold the
    interpreter's lock for a fifth of a second, and a GUI thread waits as long; a slice at a time,
    the lock changes hands between slices. Left alone when a computation still uses it."""
    ix = _indexes.pop(ds, None)
    if ix is None or sys.getrefcount(ix) > 2:  # this name and the call's argument: no one else
        return
    fields = vars(ix)
    for name in ("delay_rows", "barrier_rows"):  # long lists by kind, this index's own
        for rows in fields.pop(name).values():
            _drain(rows)
    for name in list(fields):  # the entries of each file may be shared with a newer index: not emptied
        _drain(fields.pop(name))


def _drain(obj: object) -> None:
    if isinstance(obj, dict):
        while obj:
            obj.popitem()
    elif isinstance(obj, list):
        while obj:
            del obj[-256:]


class _Scope:
    """The files and sessions the filters keep."""

    def __init__(self, ix: Index, f: Filters) -> None:
        self.f = f
        self.ix = ix
        self.sessions = ix.sessions
        if not (f.territory or f.public or f.referent_id or f.chantier or f.agency_id or f.scheme):
            self.files: dict[str, FileRow] = ix.all_files
            return
        files: Sequence[FileRow] = ix.ds.files
        if f.territory:
            files = [x for x in files if x.territory == f.territory]
        if f.public:
            files = [x for x in files if x.public == f.public]
        if f.referent_id:
            files = [x for x in files if x.referent_id == f.referent_id]
        for value, grouped in ((f.chantier, "files_by_chantier"), (f.agency_id, "files_by_agency"),
                               (f.scheme, "files_by_scheme")):
            if value:
                wanted = getattr(ix, grouped).get(value, frozenset())
                files = [x for x in files if x.id in wanted]
        self.files = {x.id: x for x in files}

    def session_ok(self, s: SessionRow, *, scheme: bool = True) -> bool:
        f = self.f
        if f.public or f.referent_id:
            return False  # a session belongs to no file: not attributable to a public or a referent
        return ((not f.territory or s.territory == f.territory) and (not f.chantier or s.chantier == f.chantier)
                and (not f.agency_id or f.agency_id in s.agencies)
                and (not scheme or not f.scheme or f.scheme == s.kind))

    def funding_ok(self, line: FundingRow) -> bool:
        if self.f.scheme and line.line != self.f.scheme:
            return False
        if line.beneficiary_id:
            return line.beneficiary_id in self.files
        s = self.sessions.get(line.target_id) if line.target_kind == "session" else None
        return s is not None and self.session_ok(s, scheme=False)


def _spott(sc: _Scope) -> list[ExplainItem]:
    return [ExplainItem(None, s.id, s.start_date, s.chantier or "")
            for s in sorted(sc.sessions.values(), key=lambda s: (s.start_date, s.id))
            if s.kind == SessionKind.SPOTT.value and s.chantier in GRANDS_CHANTIERS and sc.f.in_period(s.start_date)
            and sc.session_ok(s)]


def _positioned(sc: _Scope) -> list[ExplainItem]:
    first: dict[str, tuple[date, str, str]] = {}
    for bid, x in sc.ix.positioned:
        if bid in sc.files and sc.f.in_period(x.start_date):
            cand = (x.start_date, x.id, SessionKind(x.kind).label)
            if bid not in first or cand < first[bid]:
                first[bid] = cand
    for bid, starts in sc.ix.agency_prep.items():
        if bid in sc.files:
            for day in starts:
                if sc.f.in_period(day):
                    cand = (day, bid, Stage.AGENCY_PREP.label)
                    if bid not in first or cand < first[bid]:
                        first[bid] = cand
    return [ExplainItem(bid, rid, day, what)
            for bid, (day, rid, what) in sorted(first.items(), key=lambda kv: (kv[1][0], kv[0]))]


def _positioned_count(sc: _Scope) -> int:
    """The number of files :func:`_positioned` lists, without building the list."""
    files, in_period = sc.files, sc.f.in_period
    if sc.f.start is not None or sc.f.end is not None:
        return len({bid for bid in _window(sc.ix.positioned_by_date, sc.f) if bid in files})
    found = {bid for bid, x in sc.ix.positioned if bid in files and in_period(x.start_date)}
    for bid, starts in sc.ix.agency_prep.items():
        if bid in files and bid not in found and any(in_period(d) for d in starts):
            found.add(bid)
    return len(found)


def _exits(sc: _Scope) -> dict[str, tuple[date, str]]:
    """The exit (date, outcome) of each file in the period (the latest if several)."""
    out: dict[str, tuple[date, str]] = {}
    files = sc.files
    if sc.f.start is not None or sc.f.end is not None:
        # by date, each file's exits of a day in its own order: the last one kept is the one the
        # loop below keeps (the latest date, the last of that day).
        for bid, e in _window(sc.ix.exits_by_date, sc.f):
            if bid in files:
                out[bid] = e
        return out
    for bid, exits in sc.ix.exits.items():
        if bid in files:
            for e in exits:
                if sc.f.in_period(e[0]) and (bid not in out or out[bid][0] <= e[0]):
                    out[bid] = e
    return out


def _rate(outcomes: Iterable[str]) -> Rate:
    dyn = neutral = counted = 0
    for o in outcomes:
        if o == OutcomeCategory.NEUTRAL.value:
            neutral += 1
        else:
            counted += 1
            dyn += o in _DYNAMIC
    return Rate(dyn, counted, neutral)


def _prevention(sc: _Scope) -> list[ExplainItem]:
    return [ExplainItem(p.beneficiary_id, p.id, p.completed_on)
            for p in sorted(sc.ix.ds.prevention, key=lambda p: (p.completed_on or date.min, p.id))
            if p.status == PreventionStatus.COMPLETED.value and p.beneficiary_id in sc.files
            and sc.f.in_period(p.completed_on)]


def _pci(sc: _Scope, *, ordered: bool = False) -> list[PciRow]:
    out = [p for p in sc.ix.ds.pci if p.beneficiary_id in sc.files and sc.f.in_period(p.held_on)]
    return sorted(out, key=lambda p: (p.held_on, p.id)) if ordered else out


def _lines(sc: _Scope, funder: str, lines: Sequence[str], *, ordered: bool = False) -> list[FundingRow]:
    lo, hi = sc.f.start or date.min, sc.f.end or date.max
    out = [x for x in sc.ix.ds.funding if x.funder == funder and x.line in lines and lo <= x.granted_on <= hi
           and sc.funding_ok(x)]
    return sorted(out, key=lambda x: (x.granted_on, x.id)) if ordered else out


def _funding_groups(sc: _Scope) -> tuple[list[FundingRow], list[FundingRow], list[FundingRow]]:
    """The lines of indicators 6 (FPETT), 8 (Département) and 7 (AKTIV), in one pass."""
    lo, hi = sc.f.start or date.min, sc.f.end or date.max
    groups: dict[tuple[str, str], list[FundingRow]] = {}
    for funder, lines in ((Funder.FPETT.value, FPETT_LINES), (Funder.DEPARTEMENT.value, DEPARTEMENT_LINES),
                          (Funder.AKTO.value, (FundingLine.AKTIV.value,))):
        bucket: list[FundingRow] = []
        for line in lines:
            groups[(funder, line)] = bucket
    files, scheme = sc.files, sc.f.scheme
    dated = sc.f.start is not None or sc.f.end is not None
    for x in _window(sc.ix.funding_by_date, sc.f) if dated else sc.ix.ds.funding:
        bid = x.beneficiary_id
        if bid and bid not in files:  # first: with a filter, most lines are another file's
            continue
        found = groups.get((x.funder, x.line))
        if found is None or not lo <= x.granted_on <= hi:
            continue
        bucket = found
        if bid:
            if not scheme or scheme == x.line:
                bucket.append(x)
        elif sc.funding_ok(x):
            bucket.append(x)
    return (groups[(Funder.FPETT.value, FundingLine.CIPI.value)],
            groups[(Funder.DEPARTEMENT.value, FundingLine.PREP_METIER.value)],
            groups[(Funder.AKTO.value, FundingLine.AKTIV.value)])


def _envelope(ds: Dataset, f: Filters) -> int | None:
    if not ds.aktiv_envelopes:
        return None
    years = [y for y in ds.aktiv_envelopes
             if (f.start is None or date(y, 12, 31) >= f.start) and (f.end is None or date(y, 1, 1) <= f.end)]
    return sum(ds.aktiv_envelopes[y] for y in years)


def _delays(sc: _Scope) -> dict[str, list[int]]:
    """Days of each delay whose second event falls in the period."""
    lo, hi = sc.f.start or date.min, sc.f.end or date.max
    files = sc.files
    if files is sc.ix.all_files and sc.f.start is None and sc.f.end is None:
        return {key: [d for _, _, d in rows] for key, rows in sc.ix.delay_rows.items()}
    if sc.f.start is not None or sc.f.end is not None:
        if files is sc.ix.all_files:  # every delay is one of the dataset's files'
            return {key: [d for _, d in _window(dated, sc.f)] for key, dated in sc.ix.delays_by_date.items()}
        return {key: [d for bid, d in _window(dated, sc.f) if bid in files]
                for key, dated in sc.ix.delays_by_date.items()}
    return {key: [d for bid, day, d in rows if lo <= day <= hi and bid in files]
            for key, rows in sc.ix.delay_rows.items()}


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def compute(ds: Dataset, f: Filters = Filters()) -> IndicatorReport:
    """Every indicator, the funnel, the delays, the barriers and the exits for ``f``."""
    ix = index(ds)
    sc = _Scope(ix, f)
    exits = _exits(sc)
    pci = _pci(sc)
    recs: dict[str, list[int]] = {r.value: [0, 0, 0] for r in PciRecommendation}
    for p in pci:
        for code, followed in p.recommendations:
            c = recs.setdefault(code, [0, 0, 0])
            c[0] += 1
            c[1] += followed is True
            c[2] += followed is False
    fpett, dep, aktiv = _funding_groups(sc)

    # Funnel: the cohort spotted in the period (stage sets counted whole, then spread).
    lo, hi = f.start or date.min, f.end or date.max
    files = sc.files
    cohort = (list(files.values()) if f.start is None and f.end is None
              else [x for x in _window(ix.files_by_spotting, f) if x.id in files])
    reached_of = ix.reached
    signatures = Counter([reached_of[x.id] for x in cohort])
    current = Counter([x.current_stage for x in cohort])
    reached: Counter[str] = Counter()
    for stages, n in signatures.items():
        for stage in stages:
            reached[stage] += n
    funnel = tuple(FunnelStage(s.value, s.label, reached[s.value], current[s.value]) for s in Stage)

    pairs = _delays(sc)
    barriers: dict[str, tuple[int, int]] = {t.value: (0, 0) for t in BarrierType}
    everything = files is ix.all_files and f.start is None and f.end is None
    dated = f.start is not None or f.end is not None
    for kind, rows in ix.barrier_rows.items():
        if everything:
            barriers[kind] = (len(rows), len([1 for _, _, d in rows if d is not None]))
        elif dated:
            identified, lifted_ = ix.barriers_by_date[kind]
            barriers[kind] = (len([1 for bid in _window(identified, f) if bid in files]),
                              len([1 for bid in _window(lifted_, f) if bid in files]))
        else:
            barriers[kind] = (len([1 for bid, d, _ in rows if lo <= d <= hi and bid in files]),
                              len([1 for bid, _, d in rows if d is not None and lo <= d <= hi and bid in files]))
    outcomes = Counter(o for _, o in exits.values())

    def by_line(lines: list[FundingRow], keys: Sequence[str]) -> dict[str, int]:
        out = dict.fromkeys(keys, 0)
        for x in lines:
            out[x.line] += x.amount_cents
        return out

    completed = PreventionStatus.COMPLETED.value
    return IndicatorReport(
        filters=f,
        spott_grands_chantiers=sum(1 for s in ix.spott_sessions if f.in_period(s.start_date) and sc.session_ok(s)),
        positioned_by_agencies=_positioned_count(sc),
        insertion_all=_rate(o for _, o in exits.values()),
        insertion_departement=_rate(o for bid, (_, o) in exits.items() if bid not in ix.agency_files),
        insertion_agencies=_rate(o for bid, (_, o) in exits.items() if bid in ix.agency_files),
        prevention_completed=sum(1 for p in ds.prevention if p.status == completed
                                 and p.beneficiary_id in sc.files and f.in_period(p.completed_on)),
        pci_count=len(pci),
        pci_files=len({p.beneficiary_id for p in pci}),
        pci_recommendations={k: (a, b, c) for k, (a, b, c) in recs.items()},
        fpett_by_line=by_line(fpett, FPETT_LINES),
        aktiv_allocated=_envelope(ds, f),
        aktiv_committed=sum(x.amount_cents for x in aktiv),
        departement_by_line=by_line(dep, DEPARTEMENT_LINES),
        funnel=funnel,
        delays={k: Delay(_median(v), len(v)) for k, v in pairs.items()},
        barriers=barriers,
        exits_by_outcome={o.value: outcomes.get(o.value, 0) for o in OutcomeCategory},
    )


def monthly_dynamic_exits(ds: Dataset, f: Filters, end: date, months: int = 12) -> list[tuple[date, int]]:
    """Dynamic exits month by month over the ``months`` months ending with ``end``'s month: the
    same figure as ``compute(ds, Filters.month(...)).insertion_all.dynamic`` for each month (the
    latest exit of a file in a month counts), in one pass instead of one computation per month."""
    y, m = end.year, end.month
    starts = []
    for _ in range(months):
        starts.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    starts.reverse()
    first, last = starts[0], Filters.month(end.year, end.month).end
    sc = _Scope(index(ds), replace_period(f, first, last))
    latest: dict[tuple[str, date], tuple[date, str]] = {}
    for bid, exits in sc.ix.exits.items():
        if bid not in sc.files:
            continue
        for day, outcome in exits:
            if first <= day <= last:  # type: ignore[operator]
                key = (bid, date(day.year, day.month, 1))
                if key not in latest or latest[key][0] <= day:
                    latest[key] = (day, outcome)
    counts = Counter(month for (_, month), (_, outcome) in latest.items() if outcome in _DYNAMIC)
    return [(s, counts.get(s, 0)) for s in starts]


def replace_period(f: Filters, start: date | None, end: date | None) -> Filters:
    """The same filters over another period."""
    return Filters(start, end, f.territory, f.chantier, f.public, f.agency_id, f.scheme, f.referent_id)


# --- « D'où vient ce chiffre ? » ---------------------------------------------------------------

#: The figures that can be explained, with their title and unit.
EXPLAINABLE: dict[str, tuple[str, str]] = {
    "spott_grands_chantiers": ("SPOTT en lien avec les grands chantiers", "sessions"),
    "positioned_by_agencies": ("Personnes positionnées par les agences sur les actions préparatoires", "dossiers"),
    "insertion_rate": ("Sorties comptées dans le taux d'insertion (dénominateur)", "sorties"),
    "exits_dynamic": ("Sorties dynamiques (numérateur du taux d'insertion)", "sorties"),
    "exits_neutral": ("Sorties neutres (hors taux d'insertion)", "sorties"),
    "prevention_completed": ("Parcours prévention finalisés", "dossiers"),
    "pci": ("Points Conseils Intérimaire", "diagnostics"),
    "fpett_amount_cents": ("Lignes de financement du FPETT", "lignes de financement"),
    "aktiv_envelope_cents": ("Engagements AKTIV compétences", "lignes de financement"),
    "departement_amount_cents": ("Lignes de financement du Département", "lignes de financement"),
}


def explain(ds: Dataset, f: Filters, name: str) -> Explanation:
    """The units behind one figure of :func:`compute` for the same filters: ``len(items)`` is the
    figure (for the insertion rate, the exits of its denominator; for amounts, the lines summed)."""
    if name not in EXPLAINABLE:
        raise KeyError(name)
    title, unit = EXPLAINABLE[name]
    sc = _Scope(index(ds), f)
    total = None
    if name == "spott_grands_chantiers":
        items = _spott(sc)
    elif name == "positioned_by_agencies":
        items = _positioned(sc)
    elif name in ("insertion_rate", "exits_dynamic", "exits_neutral"):
        agency_files = sc.ix.agency_files
        keep: Callable[[str], bool] = {"insertion_rate": lambda o: o != OutcomeCategory.NEUTRAL.value,
                "exits_dynamic": lambda o: o in _DYNAMIC,
                "exits_neutral": lambda o: o == OutcomeCategory.NEUTRAL.value}[name]
        items = [ExplainItem(bid, bid, day, f"{OutcomeCategory(o).label} — "
                             f"{'agences d’emploi' if bid in agency_files else 'Département'}")
                 for bid, (day, o) in sorted(_exits(sc).items(), key=lambda kv: (kv[1][0], kv[0])) if keep(o)]
    elif name == "prevention_completed":
        items = _prevention(sc)
    elif name == "pci":
        items = [ExplainItem(p.beneficiary_id, p.id, p.held_on,
                             ", ".join(PciRecommendation(c).label for c, _ in p.recommendations))
                 for p in _pci(sc, ordered=True)]
    else:
        funder, lines = {"fpett_amount_cents": (Funder.FPETT.value, FPETT_LINES),
                         "aktiv_envelope_cents": (Funder.AKTO.value, (FundingLine.AKTIV.value,)),
                         "departement_amount_cents": (Funder.DEPARTEMENT.value, DEPARTEMENT_LINES)}[name]
        rows = _lines(sc, funder, lines, ordered=True)
        items = [ExplainItem(x.beneficiary_id, x.id, x.granted_on,
                             f"{FundingLine(x.line).label} — {format_euros(x.amount_cents)}") for x in rows]
        total = sum(x.amount_cents for x in rows)
    return Explanation(name, title, unit, tuple(items), total)


FILTER_LABELS = {"from": "Du", "to": "Au", "month": "Mois", "quarter": "Trimestre", "year": "Année",
                 "convention_year": "Année de convention", "territory": "Territoire", "chantier": "Chantier",
                 "public": "Public", "agency": "Agence", "scheme": "Dispositif", "referent": "Référent"}
CHANTIERS = ("csne", "erbm", "autre")
SCHEMES = ("mission", "cipi", "cdpi", "tremplin_rsa", "spott", "aktiv_competences", "preparatoire_metier",
           "coup_de_pouce", "autre")


def parse_filters(values: Mapping[str, Any], territories: Mapping[str, str], signature: date) -> Filters:
    """Filters from raw values (a form, the command line), each checked with a French message
    naming the field. Period: ``from``/``to`` dates, or one of ``month`` (« 2026-03 », « 03/2026 »),
    ``quarter`` (« 2026-T2 »), ``year`` (« 2026 »), ``convention_year`` (1 to 4, from ``signature``).
    ``territories``: code -> name (a name is accepted too)."""
    import re

    from conseiller_app.domain import validation as v
    from conseiller_app.domain.errors import ValidationError

    def bad(key: str, message: str) -> ValidationError:
        return ValidationError(key, message, FILTER_LABELS[key])

    def text(key: str) -> str | None:
        value = values.get(key)
        return str(value).strip() if value not in (None, "") else None

    periods = [k for k in ("month", "quarter", "year", "convention_year") if text(k)]
    if len(periods) > 1 or (periods and (text("from") or text("to"))):
        raise bad(periods[-1], "une seule période à la fois (dates, mois, trimestre, année ou année de convention).")
    kw: dict[str, Any] = {}
    t = text("territory")
    if t:
        folded = t.lower()
        code = next((c for c, n in territories.items() if folded in (c.lower(), n.lower())), None)
        if code is None:
            raise bad("territory", f"territoire inconnu « {t} » (attendu : {', '.join(sorted(territories))}).")
        kw["territory_code"] = code
    c = text("chantier")
    if c and c.lower() not in CHANTIERS:
        raise bad("chantier", f"chantier inconnu « {c} » (attendu : {', '.join(CHANTIERS)}).")
    p = text("public")
    if p:
        try:
            p = Public.parse(p).value
        except ValueError:
            raise bad("public", f"public inconnu « {p} » (attendu : {', '.join(x.value for x in Public)}).") from None
    sc = text("scheme")
    if sc and sc.lower() not in SCHEMES:
        raise bad("scheme", f"dispositif inconnu « {sc} » (attendu : {', '.join(SCHEMES)}).")
    rest: dict[str, Any] = dict(territory=kw.get("territory_code"), chantier=c.lower() if c else None, public=p,
                agency_id=text("agency"), scheme=sc.lower() if sc else None, referent_id=text("referent"))
    if text("month"):
        m = re.fullmatch(r"(\d{4})-(\d{1,2})|(\d{1,2})/(\d{4})", text("month") or "")
        month = (int(m.group(1) or m.group(4)), int(m.group(2) or m.group(3))) if m else None
        if month is None or not 1 <= month[1] <= 12:
            raise bad("month", "mois attendu au format AAAA-MM (ex. 2026-03).")
        return Filters.month(*month, **rest)
    if text("quarter"):
        m = re.fullmatch(r"(\d{4})-?[TQtq]([1-4])", text("quarter") or "")
        if not m:
            raise bad("quarter", "trimestre attendu au format AAAA-T1 à AAAA-T4 (ex. 2026-T2).")
        return Filters.quarter(int(m.group(1)), int(m.group(2)), **rest)
    if text("year"):
        y = text("year") or ""
        if not re.fullmatch(r"\d{4}", y):
            raise bad("year", "année attendue sur quatre chiffres (ex. 2026).")
        return Filters.calendar_year(int(y), **rest)
    if text("convention_year"):
        n = text("convention_year") or ""
        if not (n.isdigit() and 1 <= int(n) <= CONVENTION_YEARS):
            raise bad("convention_year", f"de 1 à {CONVENTION_YEARS} (la convention court 4 ans).")
        return Filters.convention_year(signature, int(n), **rest)
    start = v.parse_date("from", FILTER_LABELS["from"], values.get("from"), required=False)
    end = v.parse_date("to", FILTER_LABELS["to"], values.get("to"), required=False)
    if start and end and end < start:
        raise bad("to", "la date de fin précède la date de début.")
    return Filters(start, end, **rest)


__all__ = ["CONVENTION_YEARS", "DEFINITIONS", "EXPLAINABLE", "INDICATORS", "BarrierRow", "Dataset", "Definition",
           "Delay", "ExplainItem", "Explanation", "FileRow", "Filters", "FundingRow", "FunnelStage", "IndicatorReport",
           "PciRow", "PreventionRow", "Rate", "ReferralRow", "RegistrationRow", "SessionRow", "StepRow", "compute",
           "explain", "parse_filters"]
