"""Guidance (« prochaine étape conseillée »): from a file's data, a short list of suggested
actions, each explaining itself in French. A pure function of :class:`FileFacts`; the storage
gathers the facts, the Parcours tab and the dashboard show the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from conseiller_app.domain import geo
from conseiller_app.domain.enums import (
    BarrierStatus,
    BarrierType,
    ConsentScope,
    PartnerKind,
    Public,
    ReferralStatus,
    RegistrationStatus,
    SessionKind,
    Stage,
    StepStatus,
)
from conseiller_app.domain.pathway import FOLLOW_UP_MONTHS, Action, Pathway, PathwayState, Propose, Step, next_stage
from conseiller_app.domain.validation import age_on

NO_NEWS_DAYS = 30
#: Referral statuses where the next move is the agency's: silence means the conseiller should call.
AWAITING_AGENCY = (ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.INTERVIEW, ReferralStatus.POSITIONED)
FOLLOW_UP_NOTICE_DAYS = 14  # a post-exit check is suggested this many days before it is due
DEFAULT_LIMIT = 5

#: The session kind that serves each stage (for « next session » suggestions).
SESSION_KIND_OF_STAGE = {
    Stage.AWARENESS: SessionKind.AWARENESS,
    Stage.TASTER: SessionKind.TASTER,
    Stage.PREP_COURSE: SessionKind.PREP_COURSE,
}


class Code(StrEnum):
    REFERRAL_NO_NEWS = "referral_no_news"
    FOLLOW_UP_DUE = "follow_up_due"
    ATTENDANCE_MISSING = "attendance_missing"
    SUSPENDED = "suspended"
    MOBILITY_FIRST = "mobility_first"
    NEXT_SESSION = "next_session"
    NO_SESSION = "no_session"
    WAITING_LIST = "waiting_list"
    PROPOSE_STAGE = "propose_stage"
    NO_CONSENT = "no_consent"
    REFER_AGENCY = "refer_agency"
    TREMPLIN_RSA = "tremplin_rsa"
    BARRIER_OFFER = "barrier_offer"
    COMPLETE_FILE = "complete_file"
    PUBLIC_AGE = "public_age"
    SAS_INTEREST = "sas_interest"
    PROPOSE_PCI = "propose_pci"


# --- facts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionInfo:
    id: str
    kind: SessionKind
    title: str
    start_date: date
    end_date: date
    territory: str
    seats_left: int
    commune_insee: str | None = None
    territory_name: str = ""
    place: str = ""
    chantier: str | None = None
    trades: tuple[str, ...] = ()


@dataclass(frozen=True)
class BarrierInfo:
    id: str
    type: BarrierType
    status: BarrierStatus
    subtype: str | None = None
    offers_used: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsentInfo:
    id: str
    partner_kind: PartnerKind
    partner_name: str
    scope: tuple[ConsentScope, ...]
    given_on: date
    partner_id: str | None = None
    withdrawn_on: date | None = None

    def valid_on(self, day: date) -> bool:
        return self.given_on <= day and (self.withdrawn_on is None or self.withdrawn_on > day)


@dataclass(frozen=True)
class ReferralInfo:
    id: str
    reference: str
    status: ReferralStatus
    status_date: date
    agency_name: str = ""


@dataclass(frozen=True)
class RegistrationInfo:
    session_id: str
    status: RegistrationStatus
    session_kind: SessionKind
    session_title: str
    start_date: date
    end_date: date
    attendance: str | None = None


@dataclass(frozen=True)
class OfferInfo:
    code: str
    name: str
    barrier: BarrierType


@dataclass(frozen=True)
class AgencyInfo:
    id: str
    name: str
    territory: str | None
    trades: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileFacts:
    """Everything guidance looks at, for one file."""

    today: date
    public: Public
    birth_date: date
    commune_insee: str | None
    territory: str | None
    pathway: Pathway
    barriers: Sequence[BarrierInfo] = ()
    consents: Sequence[ConsentInfo] = ()
    referrals: Sequence[ReferralInfo] = ()
    registrations: Sequence[RegistrationInfo] = ()
    sessions: Sequence[SessionInfo] = ()  # upcoming sessions (any territory)
    offers: Sequence[OfferInfo] = ()
    agencies: Sequence[AgencyInfo] = ()
    to_complete: bool = False
    coords: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    #: Interest for the SAS recorded after the découverte (None: not asked yet).
    sas_interest: bool | None = None
    #: Number of Point Conseils Intérimaire held for the file.
    pci_count: int = 0


@dataclass(frozen=True)
class Suggestion:
    """One suggested action. ``reason`` says why, in French; the optional targets let a page act
    on it (open the session, record the action, apply the pathway ``action``)."""

    code: Code
    title: str
    reason: str
    priority: int
    session_id: str | None = None
    offer_codes: tuple[str, ...] = ()
    referral_id: str | None = None
    agency_ids: tuple[str, ...] = ()
    stage: Stage | None = None
    action: Action | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code.value, "title": self.title, "reason": self.reason, "priority": self.priority,
            "session_id": self.session_id, "offer_codes": list(self.offer_codes), "referral_id": self.referral_id,
            "agency_ids": list(self.agency_ids), "stage": self.stage.value if self.stage else None,
            "action": self.action.to_dict() if self.action else None,
        }


# --- helpers ---------------------------------------------------------------------------------


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def valid_agency_consents(f: FileFacts) -> list[ConsentInfo]:
    return [c for c in f.consents if c.partner_kind is PartnerKind.AGENCY and c.valid_on(f.today)
            and ConsentScope.IDENTITY in c.scope]


def open_mobility_barrier(f: FileFacts) -> BarrierInfo | None:
    for b in f.barriers:
        if b.type is BarrierType.MOBILITY and b.status.is_open:
            return b
    return None


@dataclass(frozen=True)
class _Placed:
    session: SessionInfo
    prox: geo.Proximity
    km: float | None

    @property
    def far(self) -> bool:
        return geo.probably_far(self.km, self.prox)

    def where(self) -> str:
        s = self.session
        if self.km:
            return f"à environ {self.km:.0f} km"
        if self.prox >= geo.Proximity.NEIGHBOURING:
            return f"{self.prox.label} ({s.territory_name or s.territory}), probablement à plus de {geo.FAR_KM:.0f} km"
        return self.prox.label


def _place(f: FileFacts, s: SessionInfo) -> _Placed:
    return _Placed(s, geo.proximity(f.commune_insee, f.territory, s.commune_insee, s.territory),
                   geo.distance_km(f.commune_insee, s.commune_insee, f.coords))


def candidate_sessions(f: FileFacts, kind: SessionKind) -> list[_Placed]:
    """Upcoming sessions of ``kind`` with seats left, the person not already on them, nearest
    (same commune, territory, neighbouring territory) then soonest first."""
    taken = {r.session_id for r in f.registrations if r.status is not RegistrationStatus.WITHDRAWN}
    found = [_place(f, s) for s in f.sessions
             if s.kind is kind and s.start_date >= f.today and s.seats_left > 0 and s.id not in taken]

    def rank(p: _Placed) -> int:
        if p.km is not None:  # measured: near enough, or not
            return 0 if p.km <= geo.FAR_KM else int(geo.Proximity.NEIGHBOURING)
        return int(p.prox)

    found = [p for p in found if rank(p) <= geo.Proximity.NEIGHBOURING]
    found.sort(key=lambda p: (min(rank(p), int(geo.Proximity.SAME_TERRITORY)), p.session.start_date, rank(p),
                              p.session.id))
    # Sessions in the person's territory (or measured near) come first, soonest first; a
    # neighbouring territory's sessions only after them.
    found.sort(key=lambda p: rank(p) >= geo.Proximity.NEIGHBOURING)
    return found


def _offers_for(f: FileFacts, barrier: BarrierInfo) -> list[OfferInfo]:
    return [o for o in f.offers if o.barrier is barrier.type and o.code not in barrier.offers_used]


# --- the rules -------------------------------------------------------------------------------


def _stale_referrals(f: FileFacts) -> list[Suggestion]:
    out = []
    for r in f.referrals:
        days = (f.today - r.status_date).days
        if r.status in AWAITING_AGENCY and days >= NO_NEWS_DAYS:
            out.append(Suggestion(
                Code.REFERRAL_NO_NEWS, f"Relancer l'agence ({r.reference})",
                f"Orientation {r.reference} vers {r.agency_name or 'l’agence'} « {r.status.label} » depuis le "
                f"{_d(r.status_date)} : sans nouvelles depuis {days} jours.", 10, referral_id=r.id))
    return out


def _follow_up(f: FileFacts) -> list[Suggestion]:
    p = f.pathway
    exit_step = p.exit_step
    if exit_step is None or exit_step.actual_end is None:
        return []
    done = p.follow_ups_done()
    if done >= len(FOLLOW_UP_MONTHS):
        return []
    o = p.open_step
    months = FOLLOW_UP_MONTHS[done]
    due = _add_months(exit_step.actual_end, months)
    if f.today < due - timedelta(days=FOLLOW_UP_NOTICE_DAYS):
        return []
    late = (f.today - due).days
    when = f"prévu le {_d(due)}" + (f", en retard de {late} jours" if late > 0 else "")
    action = None if o is not None else Propose(Stage.FOLLOW_UP, f.today)
    return [
        Suggestion(
            Code.FOLLOW_UP_DUE,
            f"Suivi post-sortie à {months} mois",
            f"Sortie le {_d(exit_step.actual_end)} "
            f"({exit_step.outcome.label.lower() if exit_step.outcome else 'sortie'}) : "
            f"le point à {months} mois est {when}.",
            15,
            stage=Stage.FOLLOW_UP,
            action=action,
        )
    ]


def _attendance(f: FileFacts) -> list[Suggestion]:
    out = []
    for r in f.registrations:
        if r.status is RegistrationStatus.REGISTERED and r.attendance is None and r.end_date < f.today:
            out.append(Suggestion(
                Code.ATTENDANCE_MISSING, "Noter la présence",
                f"« {r.session_title} » du {_d(r.start_date)} est passé·e sans que la présence de la personne "
                "soit notée.", 20, session_id=r.session_id))
    return out


def _mobility_first(f: FileFacts, placed: _Placed, barrier: BarrierInfo, priority: int) -> Suggestion:
    offers = [o for o in f.offers if o.barrier is BarrierType.MOBILITY]
    used = [o.name for o in offers if o.code in barrier.offers_used]
    if used:  # an offer is already mobilised: check the journey, do not propose it again
        names = ", ".join(f"« {n} »" for n in used)
        return Suggestion(
            Code.MOBILITY_FIRST, "Vérifier le trajet",
            f"Un frein mobilité est en cours ({names} mobilisée) et la session la plus proche (« "
            f"{placed.session.title} », le {_d(placed.session.start_date)}) a lieu {placed.where()} : vérifiez que "
            "la personne pourra s'y rendre.", priority, session_id=placed.session.id)
    names = " ou ".join(o.name for o in offers) or "une offre de mobilité"
    return Suggestion(
        Code.MOBILITY_FIRST, "Lever d'abord le frein mobilité",
        f"Un frein mobilité est ouvert et la session la plus proche (« {placed.session.title} », le "
        f"{_d(placed.session.start_date)}) a lieu {placed.where()} : proposez d'abord {names}.",
        priority, session_id=placed.session.id, offer_codes=tuple(o.code for o in offers))


def _session_suggestions(f: FileFacts, stage: Stage, why: str, priority: int) -> list[Suggestion]:
    kind = SESSION_KIND_OF_STAGE[stage]
    p = f.pathway
    open_step = p.open_step
    action = Propose(stage, f.today) if open_step is None else None
    booked = [r for r in f.registrations if r.session_kind is kind and r.status is RegistrationStatus.REGISTERED
              and r.end_date >= f.today]
    if booked:
        return []
    waiting = [r for r in f.registrations if r.session_kind is kind and r.status is RegistrationStatus.WAITING
               and r.start_date >= f.today]
    found = candidate_sessions(f, kind)
    out: list[Suggestion] = []
    if not found:
        if waiting:
            return []
        return [Suggestion(
            Code.NO_SESSION, f"Proposer : {stage.label}",
            f"{why} Aucune session « {kind.label} » avec des places n'est programmée dans le territoire de la "
            "personne ni à côté : proposez l'étape et inscrivez-la dès qu'une session ouvre.",
            priority, stage=stage, action=action)]
    best = found[0]
    barrier = open_mobility_barrier(f)
    if barrier is not None and best.far:
        out.append(_mobility_first(f, best, barrier, priority))
        priority += 1
    s = best.session
    seats = f"{s.seats_left} place{'s' if s.seats_left > 1 else ''} restante{'s' if s.seats_left > 1 else ''}"
    if waiting:
        why = (
            f"La personne est sur liste d'attente pour « {waiting[0].session_title} » ; une autre session a des places."
        )
        code = Code.WAITING_LIST
    else:
        code = Code.NEXT_SESSION
    out.append(Suggestion(
        code, f"Inscrire : {s.title}",
        f"{why} Prochaine session le {_d(s.start_date)}, {best.where()} ({seats}).",
        priority, session_id=s.id, stage=stage, action=action))
    return out


def _next_step(f: FileFacts) -> list[Suggestion]:
    p = f.pathway
    if p.state in (PathwayState.CLOSED, PathwayState.SUSPENDED):
        return []
    o = p.open_step
    stage = o.stage if (o is not None and o.status is StepStatus.PROPOSED) else (next_stage(p) if o is None else None)
    if stage is None and o is not None and o.stage is Stage.AGENCY:
        stage = Stage.AGENCY
    if stage is None:
        return []
    done = p.stages_done()
    if stage is Stage.AWARENESS:
        why = ("Pas encore d'atelier de sensibilisation." if Stage.AWARENESS not in done
               else "Nouvel atelier à prévoir.")
        last = p.last_of(Stage.AWARENESS)
        if last is not None and last.status is StepStatus.NOT_DONE:
            reason = last.reason.label.lower() if last.reason else "non réalisé"
            why = f"L'atelier n'a pas eu lieu pour la personne ({reason})."
        return _session_suggestions(f, stage, why, 50)
    if stage is Stage.TASTER:
        return _session_suggestions(f, stage, "Atelier réalisé : la découverte métiers confirme le projet.", 50)
    if stage is Stage.PREP_COURSE:
        taster = p.last_of(Stage.TASTER)
        when = f" le {_d(taster.actual_end)}" if taster and taster.actual_end else ""
        # The SAS only « si le candidat manifeste son intérêt » (convention, article 4-1); once a
        # SAS step is proposed, the interest was shown.
        if o is None and f.sas_interest is None:
            return [Suggestion(
                Code.SAS_INTEREST, "Recueillir l'intérêt pour le SAS préparatoire",
                f"Découverte métiers réalisée{when} : le SAS préparatoire n'est proposé que si la personne "
                "manifeste son intérêt. Enregistrez sa réponse.", 50, stage=stage)]
        if o is None and f.sas_interest is False:
            return [Suggestion(
                Code.PROPOSE_STAGE, f"Proposer : {Stage.AGENCY.label}",
                "Pas d'intérêt pour le SAS préparatoire après la découverte : passer au positionnement en agence "
                "d'emploi (le SAS sera marqué « étape passée »).", 70, stage=Stage.AGENCY)]
        return _session_suggestions(
            f, stage, f"Découverte métiers réalisée{when}, projet confirmé : proposer un SAS préparatoire.", 50)
    if stage is Stage.AGENCY:
        return _referral(f, o)
    if stage is Stage.AGENCY_PREP and f.public is Public.RSA:
        return [Suggestion(
            Code.TREMPLIN_RSA, "Proposer le Tremplin RSA",
            "Allocataire du RSA positionné·e en agence : le Tremplin RSA (FPETT) prépare l'entrée en formation.",
            55, stage=stage, action=Propose(stage, f.today) if o is None else None)]
    if o is not None:  # already proposed: the next move is to plan it (dates are the conseiller's)
        since = f" depuis le {_d(o.proposed_on)}" if o.proposed_on else ""
        return [Suggestion(
            Code.PROPOSE_STAGE, f"Planifier : {stage.label}",
            f"L'étape « {stage.label} » est proposée{since} : fixez ses dates pour la planifier.", 70,
            stage=stage)]
    return [Suggestion(
        Code.PROPOSE_STAGE, f"Proposer : {stage.label}",
        f"Étape suivante du parcours après « {p.frontier.label} ».", 70, stage=stage,
        action=Propose(stage, f.today))]


def _referral(f: FileFacts, open_step: Step | None) -> list[Suggestion]:
    active = [r for r in f.referrals if not r.status.is_final]
    if active:
        return []
    consents = valid_agency_consents(f)
    if not consents:
        return [Suggestion(
            Code.NO_CONSENT, "Recueillir le consentement avant d'orienter",
            "Aucun consentement au partage des données avec une agence d'emploi n'est enregistré : l'orientation "
            "vers une agence est impossible pour l'instant. Recueillez l'accord de la personne (onglet "
            "« Consentements »), puis orientez-la.", 35, stage=Stage.AGENCY)]
    names = {c.partner_id for c in consents if c.partner_id}
    local = [a for a in f.agencies if a.id in names] or [a for a in f.agencies if a.territory == f.territory]
    sas = f.pathway.last_of(Stage.PREP_COURSE)
    why = ("SAS préparatoire réalisé" if sas is not None and sas.status is StepStatus.DONE
           else "Étape suivante : le positionnement en agence d'emploi")
    agreed = ", ".join(sorted({c.partner_name for c in consents}))
    return [Suggestion(
        Code.REFER_AGENCY, "Orienter vers une agence d'emploi",
        f"{why} ; consentement enregistré pour : {agreed}.", 50, stage=Stage.AGENCY,
        agency_ids=tuple(a.id for a in local),
        action=Propose(Stage.AGENCY, f.today) if open_step is None else None)]


def _barrier_offers(f: FileFacts, skip_mobility: bool) -> list[Suggestion]:
    out = []
    for b in f.barriers:
        if not b.status.is_open or (skip_mobility and b.type is BarrierType.MOBILITY):
            continue
        offers = _offers_for(f, b)
        if not offers or b.offers_used:
            continue  # an offer already mobilised: the barrier is being worked on, no second push
        out.append(Suggestion(
            Code.BARRIER_OFFER, f"Frein « {b.type.label} » : proposer une offre",
            f"Frein « {b.type.label} » {b.status.label.lower()} depuis sa détection ; offres possibles : "
            f"{', '.join(o.name for o in offers)}.", 60, offer_codes=tuple(o.code for o in offers)))
    return out


#: Referral statuses meaning the person starts a mission or a mission-formation.
_MISSION_REFERRALS = (ReferralStatus.IN_MISSION, ReferralStatus.IN_TRAINING)


def _pci(f: FileFacts) -> list[Suggestion]:
    """FASTT proposes its Point Conseils Intérimaire « aux bénéficiaires du RSA qui débutent un
    parcours en mission ou en mission formation » (convention, article 4-4)."""
    if f.public is not Public.RSA or f.pci_count:
        return []
    o = f.pathway.open_step
    starting = (o is not None and o.stage in (Stage.JOB, Stage.TRAINING)
                and o.status in (StepStatus.PLANNED, StepStatus.IN_PROGRESS))
    starting = starting or any(r.status in _MISSION_REFERRALS for r in f.referrals)
    if not starting or f.pathway.state is PathwayState.CLOSED:
        return []
    return [Suggestion(
        Code.PROPOSE_PCI, "Proposer un Point Conseils Intérimaire (FASTT)",
        "Allocataire du RSA qui débute une mission ou une mission-formation : le FASTT propose un diagnostic "
        "individuel (besoins, risques de rupture, conseils). Enregistrez-le une fois réalisé.", 48)]


def suggest(f: FileFacts, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
    """The suggested actions for one file, most urgent first (at most ``limit``)."""
    out: list[Suggestion] = []
    out += _stale_referrals(f)
    out += _follow_up(f)
    out += _attendance(f)
    p = f.pathway
    o = p.open_step
    if p.state is PathwayState.SUSPENDED and o is not None:
        out.append(Suggestion(
            Code.SUSPENDED, "Parcours suspendu : faire le point",
            f"L'étape « {o.stage.label} » est suspendue ({o.reason.label.lower() if o.reason else 'sans motif'}) : "
            "reprenez contact pour la reprendre ou réorienter.", 30, stage=o.stage))
    nxt = _next_step(f)
    out += nxt
    mobility_shown = any(s.code is Code.MOBILITY_FIRST for s in nxt)
    if p.state is not PathwayState.CLOSED:
        out += _barrier_offers(f, skip_mobility=mobility_shown)
    out += _pci(f)
    if f.to_complete:
        out.append(Suggestion(Code.COMPLETE_FILE, "Compléter le dossier",
                              "Dossier créé rapidement (arrivée sur place à un atelier) : vérifiez l'identité, le "
                              "public, la commune et le prescripteur.", 40))
    if f.public is Public.JEUNE and age_on(f.birth_date, f.today) >= 26:
        out.append(Suggestion(Code.PUBLIC_AGE, "Mettre à jour le public",
                              "La personne a 26 ans ou plus : le public « jeune de moins de 26 ans » ne s'applique "
                              "plus.", 45))
    out.sort(key=lambda s: s.priority)
    return out[:limit]
