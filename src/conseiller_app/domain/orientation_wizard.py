"""The guided orientation (parcours guidé) as a headless state machine, shared by the Qt pages
and the tests (no Qt, no storage).

The flow: check consent → review barriers (matching offers) → choose a session (filtered by
territory, dates, seats, chantier, trade) and register → record attendance and the result →
refer to an agency → close with an outcome. Each page gives its data and its status with a French
hint; each choice becomes a pending :class:`Operation`, validated against the state the previous
ones produce (the same domain rules as the services). Nothing is written until the storage
commits the operations, in one transaction: until then :meth:`OrientationWizard.undo` removes
the last one, and the state is replayed from the snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from conseiller_app.domain import geo
from conseiller_app.domain import pathway as P
from conseiller_app.domain import referral as referral_rules
from conseiller_app.domain import sessions as session_rules
from conseiller_app.domain.enums import (
    Attendance,
    BarrierStatus,
    BarrierType,
    ConsentScope,
    OutcomeCategory,
    PartnerKind,
    ReferralScheme,
    ReferralStatus,
    RegistrationStatus,
    SessionKind,
    Stage,
    StepReason,
    StepStatus,
)
from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.guidance import (
    AgencyInfo,
    BarrierInfo,
    ConsentInfo,
    OfferInfo,
    ReferralInfo,
    RegistrationInfo,
    SessionInfo,
)
from conseiller_app.domain.referral import ConsentRequired, consent_missing_message
from conseiller_app.domain.validation import check_free_text


class Page(StrEnum):
    CONSENT = "consentement"
    BARRIERS = "freins"
    SESSION = "session"
    ATTENDANCE = "presence"
    REFERRAL = "orientation"
    CLOSE = "sortie"
    SUMMARY = "recapitulatif"

    @property
    def label(self) -> str:
        return PAGE_LABELS[self]


PAGE_LABELS = {
    Page.CONSENT: "Consentement",
    Page.BARRIERS: "Freins et offres",
    Page.SESSION: "Choix d'une session",
    Page.ATTENDANCE: "Présence et résultat",
    Page.REFERRAL: "Orientation vers une agence",
    Page.CLOSE: "Sortie",
    Page.SUMMARY: "Récapitulatif",
}
PAGES = tuple(Page)


class PageStatus(StrEnum):
    DONE = "fait"
    TODO = "a_faire"
    NOT_NEEDED = "sans_objet"


# --- the snapshot the storage loads ------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """A file's data as loaded when the wizard opens (plus the choices it offers)."""

    beneficiary_id: str
    today: date
    commune_insee: str | None
    territory: str | None
    pathway: P.Pathway
    public: str = "autre"
    barriers: tuple[BarrierInfo, ...] = ()
    consents: tuple[ConsentInfo, ...] = ()
    registrations: tuple[RegistrationInfo, ...] = ()
    referrals: tuple[ReferralInfo, ...] = ()
    sessions: tuple[SessionInfo, ...] = ()  # upcoming ones and the person's own
    offers: tuple[OfferInfo, ...] = ()
    agencies: tuple[AgencyInfo, ...] = ()
    trades: tuple[str, ...] = ()
    # The stored pathway's version when the snapshot was taken: saving refuses to apply the
    # wizard's operations over a pathway changed since (another window, an import).
    pathway_fingerprint: str | None = None


# --- operations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    kind: ClassVar[str]

    def describe(self, wizard: OrientationWizard) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.kind}
        for f in fields(self):
            val = getattr(self, f.name)
            if isinstance(val, P.Action):
                val = val.to_dict()
            elif isinstance(val, date):
                val = val.isoformat()
            elif isinstance(val, tuple):
                val = list(val)
            elif isinstance(val, StrEnum):
                val = val.value
            out[f.name] = val
        return out

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Operation:
        cls = OPERATIONS[data["op"]]
        kwargs = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            val = data[f.name]
            if f.name == "action":
                val = P.Action.from_dict(val)
            elif f.name == "given_on" and isinstance(val, str):
                val = date.fromisoformat(val)
            elif isinstance(val, list):
                val = tuple(val)
            kwargs[f.name] = val
        return cls(**kwargs)


@dataclass(frozen=True)
class RecordConsent(Operation):
    agency_id: str
    partner_name: str
    scope: tuple[str, ...]
    given_on: date
    kind: ClassVar[str] = "record_consent"

    def describe(self, wizard: OrientationWizard) -> str:
        return f"Enregistrer le consentement pour « {self.partner_name} »"


@dataclass(frozen=True)
class UseOffer(Operation):
    barrier_id: str
    offer_code: str
    comment: str = ""
    kind: ClassVar[str] = "use_offer"

    def describe(self, wizard: OrientationWizard) -> str:
        return f"Orienter vers l'offre « {wizard.offer_name(self.offer_code)} »"


@dataclass(frozen=True)
class AddBarrier(Operation):
    """A barrier (frein) noted from the « Freins et offres » page; its offers can then be used."""

    type: str
    kind: ClassVar[str] = "add_barrier"

    def describe(self, wizard: OrientationWizard) -> str:
        return f"Noter le frein « {BarrierType(self.type).label} »"


@dataclass(frozen=True)
class Register(Operation):
    session_id: str
    kind: ClassVar[str] = "register"

    def describe(self, wizard: OrientationWizard) -> str:
        return f"Inscrire à « {wizard.session(self.session_id).title} »"


@dataclass(frozen=True)
class RecordAttendance(Operation):
    session_id: str
    attendance: str
    kind: ClassVar[str] = "attendance"

    def describe(self, wizard: OrientationWizard) -> str:
        return f"Présence à « {wizard.session(self.session_id).title} » : {Attendance(self.attendance).label}"


@dataclass(frozen=True)
class StepChange(Operation):
    """Any pathway action (start, complete, skip, suspend, close...)."""

    action: P.Action
    kind: ClassVar[str] = "pathway"

    def describe(self, wizard: OrientationWizard) -> str:
        return self.action.describe()


@dataclass(frozen=True)
class Refer(Operation):
    agency_id: str
    scheme: str
    trades: tuple[str, ...] = ()
    barriers_summary: str = ""
    send: bool = True
    kind: ClassVar[str] = "refer"

    def describe(self, wizard: OrientationWizard) -> str:
        return f"Orienter vers « {wizard.agency(self.agency_id).name} » ({ReferralScheme(self.scheme).label})"


OPERATIONS: dict[str, type[Operation]] = {c.kind: c for c in (RecordConsent, UseOffer, AddBarrier, Register,
                                                               RecordAttendance, StepChange, Refer)}


# --- state ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """The file as it will be once the pending operations are saved."""

    pathway: P.Pathway
    consents: tuple[ConsentInfo, ...]
    barriers: tuple[BarrierInfo, ...]
    registrations: tuple[RegistrationInfo, ...]
    referrals: tuple[ReferralInfo, ...]
    taken: dict[str, int] = field(default_factory=dict)  # session id -> seats taken by pending registrations
    notes: tuple[str, ...] = ()


#: ``SessionFilter.territory`` for the whole Département.
ALL_TERRITORIES = "*"


def is_pending(item_id: str | None) -> bool:
    """Whether a consent, barrier or referral of the state exists only as a pending operation."""
    return bool(item_id) and str(item_id).startswith("pending-")


@dataclass(frozen=True)
class SessionFilter:
    kind: SessionKind | None = None
    territory: str | None = None  # None: the person's territory and its neighbours; ALL_TERRITORIES: all
    date_from: date | None = None
    date_to: date | None = None
    with_seats: bool = True
    chantier: str | None = None
    trade: str | None = None


# --- replay: one handler per operation (the storage's commit has its own table) -----------------

H = TypeVar("H")


class OperationTable(Generic[H]):
    """One handler per operation type, for the wizard's replay and the storage's commit: the
    dispatch on the operation's type is written here only, and a table missing a type (a new
    operation added to :data:`OPERATIONS` and not handled) fails when the module is imported."""

    def __init__(self, name: str, handlers: Mapping[type[Operation], H]) -> None:
        missing = [c.__name__ for c in OPERATIONS.values() if c not in handlers]
        unknown = [c.__name__ for c in handlers if c not in OPERATIONS.values()]
        if missing or unknown:
            raise TypeError(f"{name}: no handler for {missing}, unknown operations {unknown}")
        self.name = name
        self._handlers = dict(handlers)

    def handler(self, op: Operation) -> H:
        try:
            return self._handlers[type(op)]
        except KeyError:
            raise TypeError(f"{self.name}: not an operation: {op!r}") from None


def _replay_consent(w: OrientationWizard, state: State, op: RecordConsent) -> State:
    if not op.scope or ConsentScope.IDENTITY.value not in op.scope:
        raise ValidationError("scope", "le consentement doit couvrir au moins l'identité pour orienter.",
                              "Périmètre")
    for x in op.scope:
        ConsentScope(x)
    if op.given_on > w.snapshot.today:
        raise ValidationError("given_on", "cette date est dans le futur.", "Date du consentement")
    agency = w.agency(op.agency_id)
    c = ConsentInfo(f"pending-{len(w.operations)}", PartnerKind.AGENCY, agency.name,
                    tuple(ConsentScope(x) for x in op.scope), op.given_on, agency.id)
    return replace(state, consents=(*state.consents, c))


def _replay_offer(w: OrientationWizard, state: State, op: UseOffer) -> State:
    barrier = next((b for b in state.barriers if b.id == op.barrier_id), None)
    if barrier is None:
        raise ValidationError("barrier_id", "frein inconnu sur ce dossier.", "Frein")
    offer = next((o for o in w.snapshot.offers if o.code == op.offer_code), None)
    if offer is None or offer.barrier is not barrier.type:
        raise ValidationError("offer_code", "cette offre ne correspond pas à ce frein.", "Offre")
    if op.offer_code in barrier.offers_used:
        raise ValidationError("offer_code", "cette offre est déjà mobilisée pour ce frein.", "Offre")
    check_free_text("comment", "Commentaire", op.comment, max_length=500)
    status = BarrierStatus.IN_PROGRESS if barrier.status is BarrierStatus.IDENTIFIED else barrier.status
    new = replace(barrier, status=status, offers_used=(*barrier.offers_used, op.offer_code))
    return replace(state, barriers=tuple(new if b.id == barrier.id else b for b in state.barriers))


def _replay_barrier(w: OrientationWizard, state: State, op: AddBarrier) -> State:
    try:
        kind = BarrierType(op.type)
    except ValueError:
        raise ValidationError("type", "type de frein inconnu.", "Type de frein") from None
    if any(b.type is kind and b.status.is_open for b in state.barriers):
        raise ValidationError("type", "ce frein est déjà ouvert sur ce dossier.", "Type de frein")
    b = BarrierInfo(f"pending-{len(w.operations)}", kind, BarrierStatus.IDENTIFIED)
    return replace(state, barriers=(*state.barriers, b))


def _replay_register(w: OrientationWizard, state: State, op: Register) -> State:
    today = w.snapshot.today
    x = w.session(op.session_id)
    if any(r.session_id == x.id and r.status is not RegistrationStatus.WITHDRAWN for r in state.registrations):
        raise ValidationError("session_id", "la personne est déjà inscrite à cette session.", "Session")
    if x.end_date < today:
        raise ValidationError("session_id", "cette session est terminée.", "Session")
    seats = x.seats_left - state.taken.get(x.id, 0)
    status = RegistrationStatus.REGISTERED if seats > 0 else RegistrationStatus.WAITING
    reg = RegistrationInfo(x.id, status, x.kind, x.title, x.start_date, x.end_date)
    notes = state.notes
    pathway = state.pathway
    stage = session_rules.STAGE_OF_KIND.get(x.kind)
    if stage is not None:
        try:
            actions = session_rules.registration_actions(pathway, stage, x.start_date, x.end_date, x.id, today,
                                                         waiting=status is RegistrationStatus.WAITING)
            pathway = P.apply_all(pathway, actions, today)
        except (P.TransitionRefused, ValidationError) as exc:
            notes += (f"Le parcours ne suivra pas cette inscription : {exc.message}",)
    taken = dict(state.taken)
    if status is RegistrationStatus.REGISTERED:
        taken[x.id] = taken.get(x.id, 0) + 1
    return replace(state, pathway=pathway, registrations=(*state.registrations, reg), taken=taken, notes=notes)


def _replay_attendance(w: OrientationWizard, state: State, op: RecordAttendance) -> State:
    today = w.snapshot.today
    att = Attendance.parse(op.attendance)
    reg = next((r for r in state.registrations if r.session_id == op.session_id
                and r.status is RegistrationStatus.REGISTERED), None)
    if reg is None:
        raise ValidationError("session_id", "la personne n'est pas inscrite à cette session.", "Session")
    if reg.start_date > today:
        raise ValidationError("attendance", "la session n'a pas encore commencé.", "Présence")
    actions = session_rules.attendance_actions(state.pathway, op.session_id, att.value, reg.start_date,
                                               reg.end_date, today)
    pathway = P.apply_all(state.pathway, actions, today)
    new = replace(reg, attendance=att.value)
    return replace(state, pathway=pathway, registrations=tuple(new if r is reg else r for r in state.registrations))


def _replay_step(w: OrientationWizard, state: State, op: StepChange) -> State:
    return replace(state, pathway=P.apply(state.pathway, op.action, w.snapshot.today))


def _replay_refer(w: OrientationWizard, state: State, op: Refer) -> State:
    today = w.snapshot.today
    agency = w.agency(op.agency_id)
    try:
        ReferralScheme.parse(op.scheme)
    except ValueError:
        raise ValidationError("scheme", "dispositif inconnu.", "Dispositif") from None
    unknown = [t for t in op.trades if w.snapshot.trades and t not in w.snapshot.trades]
    if unknown:
        raise ValidationError("trades", "métier inconnu.", "Métiers visés")
    check_free_text("barriers_summary", "Synthèse des freins", op.barriers_summary, max_length=1000)
    w._consent_for(state, agency)
    status = ReferralStatus.SENT if op.send else ReferralStatus.DRAFT
    ref = ReferralInfo(f"pending-{len(w.operations)}", "(à attribuer)", status, today, agency.name)
    pathway = state.pathway
    notes = state.notes
    try:
        pathway = P.apply_all(pathway, referral_rules.pathway_follow(pathway, status, today), today)
    except (P.TransitionRefused, ValidationError) as exc:
        notes += (f"Le parcours ne suivra pas cette orientation : {exc.message}",)
    return replace(state, pathway=pathway, referrals=(*state.referrals, ref), notes=notes)


Replayer = Callable[["OrientationWizard", State, Any], State]

REPLAY: OperationTable[Replayer] = OperationTable("replay", {
    RecordConsent: _replay_consent,
    UseOffer: _replay_offer,
    AddBarrier: _replay_barrier,
    Register: _replay_register,
    RecordAttendance: _replay_attendance,
    StepChange: _replay_step,
    Refer: _replay_refer,
})


class OrientationWizard:
    """One guided orientation of one file. Pages call the methods; nothing here touches storage."""

    def __init__(self, snapshot: Snapshot, operations: Sequence[Operation] = ()) -> None:
        self.snapshot = snapshot
        self._ops: list[Operation] = []
        self._state = self._initial_state()
        for op in operations:
            self.add(op)
        self.page = self.first_page()

    # --- replay ---

    def _initial_state(self) -> State:
        s = self.snapshot
        return State(s.pathway, s.consents, s.barriers, s.registrations, s.referrals)

    def _apply(self, state: State, op: Operation) -> State:
        return REPLAY.handler(op)(self, state, op)

    def _consent_for(self, state: State, agency: AgencyInfo) -> ConsentInfo:
        today = self.snapshot.today
        matching = [c for c in state.consents if c.partner_kind is PartnerKind.AGENCY
                    and (c.partner_id == agency.id if c.partner_id else c.partner_name.casefold() == agency.name.casefold())]
        valid = [c for c in matching if c.valid_on(today)]
        usable = [c for c in valid if ConsentScope.IDENTITY in c.scope]
        if usable:
            return usable[-1]
        raise ConsentRequired(consent_missing_message(agency.name, withdrawn=bool(matching) and not valid,
                                                      no_identity=bool(valid)),
                              partner_id=agency.id, partner_name=agency.name)

    # --- operations ---

    @property
    def state(self) -> State:
        return self._state

    @property
    def operations(self) -> list[Operation]:
        return list(self._ops)

    @property
    def dirty(self) -> bool:
        return bool(self._ops)

    def add(self, op: Operation) -> State:
        """Validate ``op`` against the current state and keep it; raises French errors."""
        self._state = self._apply(self._state, op)
        self._ops.append(op)
        return self._state

    def add_all(self, ops: Sequence[Operation]) -> State:
        """Keep all of ``ops`` or none: validated in order against the current state; on a
        refusal nothing is kept and the error is raised (e.g. the step then the referral)."""
        state, kept = self._state, len(self._ops)
        try:
            for op in ops:
                state = self._apply(state, op)
                self._ops.append(op)  # the next one is checked with this one pending
        except Exception:
            del self._ops[kept:]
            raise
        self._state = state
        return state

    def undo(self) -> Operation | None:
        """Remove the last pending operation (replaying the others from the snapshot)."""
        if not self._ops:
            return None
        last = self._ops.pop()
        state = self._initial_state()
        kept, self._ops = self._ops, []
        for op in kept:
            state = self._apply(state, op)
            self._ops.append(op)
        self._state = state
        return last

    def passed_steps(self) -> list[P.Step]:
        """The steps saving will mark as passed (sautées): jumped over by a proposal, or skipped."""
        before = self.snapshot.pathway.steps
        out = []
        for i, st in enumerate(self._state.pathway.steps):
            if st.status is not StepStatus.SKIPPED:
                continue
            if i < len(before) and before[i].status is StepStatus.SKIPPED:
                continue
            out.append(st)
        return out

    def pending(self) -> list[str]:
        """French descriptions of what saving will do, in order (summary page, undo list)."""
        return [op.describe(self) for op in self._ops]

    def to_dict(self) -> dict[str, Any]:
        """Pending operations and page, JSON-safe (a draft survives a crash or a lock)."""
        return {"page": self.page.value, "operations": [op.to_dict() for op in self._ops]}

    @classmethod
    def from_dict(cls, snapshot: Snapshot, data: dict[str, Any]) -> OrientationWizard:
        w = cls(snapshot, [Operation.from_dict(d) for d in data.get("operations", [])])
        w.page = Page(data.get("page", w.page.value))
        return w

    # --- lookups ---

    def session(self, session_id: str) -> SessionInfo:
        for x in self.snapshot.sessions:
            if x.id == session_id:
                return x
        raise ValidationError("session_id", "session inconnue.", "Session")

    def agency(self, agency_id: str) -> AgencyInfo:
        for a in self.snapshot.agencies:
            if a.id == agency_id:
                return a
        raise ValidationError("agency_id", "agence inconnue de l'annuaire.", "Agence")

    def offer_name(self, code: str) -> str:
        return next((o.name for o in self.snapshot.offers if o.code == code), code)

    # --- pages ---

    def first_page(self) -> Page:
        for p in PAGES:
            if self.page_status(p) is PageStatus.TODO:
                return p
        return Page.SUMMARY

    def next(self) -> Page:
        i = PAGES.index(self.page)
        self.page = PAGES[min(i + 1, len(PAGES) - 1)]
        return self.page

    def back(self) -> Page:
        i = PAGES.index(self.page)
        self.page = PAGES[max(i - 1, 0)]
        return self.page

    def go(self, page: Page | str) -> Page:
        self.page = Page(page)
        return self.page

    def _agency_consents(self) -> list[ConsentInfo]:
        today = self.snapshot.today
        return [c for c in self._state.consents if c.partner_kind is PartnerKind.AGENCY and c.valid_on(today)
                and ConsentScope.IDENTITY in c.scope]

    def _session_stage(self) -> Stage | None:
        """The stage a session would serve now (the open step's, or the next one)."""
        p = self._state.pathway
        o = p.open_step
        stage = o.stage if o is not None else P.next_stage(p)
        return stage if stage in session_rules.KIND_OF_STAGE else None

    def _unrecorded_attendance(self) -> list[RegistrationInfo]:
        today = self.snapshot.today
        return [r for r in self._state.registrations if r.status is RegistrationStatus.REGISTERED
                and r.attendance is None and r.start_date <= today]

    def page_status(self, page: Page | str) -> PageStatus:
        page = Page(page)
        st = self._state
        if page is Page.CONSENT:
            return PageStatus.DONE if self._agency_consents() else PageStatus.TODO
        if page is Page.BARRIERS:
            open_with_offers = [b for b in st.barriers if b.status.is_open and not b.offers_used
                                and any(o.barrier is b.type for o in self.snapshot.offers)]
            return PageStatus.TODO if open_with_offers else (PageStatus.DONE if st.barriers else PageStatus.NOT_NEEDED)
        if page is Page.SESSION:
            if st.pathway.is_closed:
                return PageStatus.NOT_NEEDED
            stage = self._session_stage()
            if stage is None:
                return PageStatus.NOT_NEEDED
            kind = session_rules.KIND_OF_STAGE[stage]
            booked = [r for r in st.registrations if r.session_kind is kind and r.status is not RegistrationStatus.WITHDRAWN
                      and r.end_date >= self.snapshot.today]
            return PageStatus.DONE if booked else PageStatus.TODO
        if page is Page.ATTENDANCE:
            return PageStatus.TODO if self._unrecorded_attendance() else PageStatus.NOT_NEEDED
        if page is Page.REFERRAL:
            if any(not r.status.is_final for r in st.referrals):
                return PageStatus.DONE
            p = st.pathway
            ready = not p.is_closed and ((p.frontier.order >= Stage.PREP_COURSE.order
                                         and Stage.PREP_COURSE in p.stages_done()) or p.frontier is Stage.AGENCY)
            return PageStatus.TODO if ready else PageStatus.NOT_NEEDED
        if page is Page.CLOSE:
            return PageStatus.DONE if st.pathway.is_closed else PageStatus.NOT_NEEDED
        return PageStatus.TODO if self._ops else PageStatus.NOT_NEEDED

    def page_hint(self, page: Page | str) -> str:
        """What the page is about now, in French."""
        page = Page(page)
        status = self.page_status(page)
        if page is Page.CONSENT:
            if status is PageStatus.DONE:
                stored = sorted({c.partner_name for c in self._agency_consents() if not is_pending(c.id)})
                noted = sorted({c.partner_name for c in self._agency_consents() if is_pending(c.id)} - set(stored))
                parts = []
                if stored:
                    parts.append(f"Consentement enregistré pour : {', '.join(stored)}.")
                if noted:
                    parts.append(f"Consentement noté pour : {', '.join(noted)} ; il sera enregistré à la fin, avec "
                                 "« Enregistrer ».")
                return " ".join(parts)
            return ("Aucun consentement au partage des données avec une agence d'emploi : recueillez l'accord de la "
                    "personne (au moins son identité) avant toute orientation.")
        if page is Page.BARRIERS:
            if status is PageStatus.NOT_NEEDED:
                return "Aucun frein périphérique repéré sur ce dossier."
            return ("Des freins ouverts ont des offres possibles : proposez-les." if status is PageStatus.TODO
                    else "Les freins ouverts ont déjà une action en cours.")
        if page is Page.SESSION:
            stage = self._session_stage()
            if status is PageStatus.NOT_NEEDED:
                return "Pas de session à choisir à cette étape du parcours."
            if status is PageStatus.DONE:
                return "La personne est déjà inscrite à une session pour cette étape."
            if stage is None:  # not reached: the page is then not needed
                return "Pas de session à choisir à cette étape du parcours."
            return f"Choisissez une session « {session_rules.KIND_OF_STAGE[stage].label} » puis inscrivez la personne."
        if page is Page.ATTENDANCE:
            missing = self._unrecorded_attendance()
            return (f"Notez la présence à « {missing[0].session_title} »." if missing
                    else "Aucune présence à noter.")
        if page is Page.REFERRAL:
            if status is PageStatus.DONE:
                return "Une orientation est en cours."
            if status is PageStatus.NOT_NEEDED:
                return "L'orientation vers une agence vient après le SAS préparatoire (ou une étape passée)."
            return ("Choisissez l'agence, le dispositif et les métiers visés." if self._agency_consents()
                    else "Recueillez d'abord le consentement (étape « Consentement »).")
        if page is Page.CLOSE:
            return ("Le parcours est clôturé." if status is PageStatus.DONE
                    else "Clôturez le parcours quand il se termine, avec une catégorie de sortie.")
        return "Vérifiez les actions puis enregistrez." if self._ops else "Aucune modification à enregistrer."

    # --- page data ---

    def barrier_review(self) -> list[dict[str, Any]]:
        out = []
        for b in self._state.barriers:
            offers = [o for o in self.snapshot.offers if o.barrier is b.type]
            out.append({"barrier_id": b.id, "type": b.type.value, "type_label": b.type.label,
                        "status": b.status.value, "status_label": b.status.label,
                        "offers": [{"code": o.code, "name": o.name, "used": o.code in b.offers_used} for o in offers]})
        return out

    def default_filter(self) -> SessionFilter:
        stage = self._session_stage()
        return SessionFilter(kind=session_rules.KIND_OF_STAGE.get(stage) if stage else None,
                             date_from=self.snapshot.today)

    def session_choices(self, flt: SessionFilter | None = None) -> list[dict[str, Any]]:
        """Sessions matching the filter, nearest then soonest, with seats left after pending
        registrations and how far they are."""
        flt = flt or self.default_filter()
        snap = self.snapshot
        taken = {r.session_id for r in self._state.registrations if r.status is not RegistrationStatus.WITHDRAWN}
        rows: list[dict[str, Any]] = []
        for x in snap.sessions:
            if flt.kind is not None and x.kind is not SessionKind(flt.kind):
                continue
            if x.start_date < (flt.date_from or snap.today) or (flt.date_to and x.start_date > flt.date_to):
                continue
            prox = geo.proximity(snap.commune_insee, snap.territory, x.commune_insee, x.territory)
            if flt.territory == ALL_TERRITORIES:
                pass
            elif flt.territory is not None:
                if x.territory != flt.territory:
                    continue
            elif prox > geo.Proximity.NEIGHBOURING:
                continue
            if flt.chantier and x.chantier != flt.chantier:
                continue
            if flt.trade and flt.trade not in x.trades:
                continue
            seats = x.seats_left - self._state.taken.get(x.id, 0)
            if flt.with_seats and seats <= 0:
                continue
            rows.append({"id": x.id, "title": x.title, "kind": x.kind.value, "kind_label": x.kind.label,
                         "start_date": x.start_date, "end_date": x.end_date, "territory": x.territory,
                         "territory_name": x.territory_name, "place": x.place, "seats_left": max(0, seats),
                         "chantier": x.chantier, "trades": list(x.trades), "proximity": prox.name.lower(),
                         "proximity_label": prox.label, "far": geo.probably_far(None, prox),
                         "registered": x.id in taken,
                         "holidays": [w["message"] for w in session_rules.schedule_warnings(x.start_date, x.end_date)
                                      if w["kind"] == "holiday"]})
        rows.sort(key=lambda r: (geo.Proximity[r["proximity"].upper()] > geo.Proximity.SAME_TERRITORY,
                                 r["start_date"], r["title"]))
        return rows

    def agency_choices(self, territory: str | None = None, trade: str | None = None) -> list[dict[str, Any]]:
        terr = territory if territory is not None else self.snapshot.territory
        consents = {c.partner_id for c in self._agency_consents()}
        stored = {c.partner_id for c in self._agency_consents() if not is_pending(c.id)}
        rows = [{"id": a.id, "name": a.name, "territory": a.territory, "trades": list(a.trades),
                 "consent": a.id in consents, "consent_pending": a.id in consents and a.id not in stored}
                for a in self.snapshot.agencies
                if (not terr or a.territory == terr) and (not trade or trade in a.trades)]
        rows.sort(key=lambda r: (not r["consent"], r["name"]))
        return rows

    # --- page actions (each a pending operation) ---

    def record_consent(self, agency_id: str, scope: Sequence[str], given_on: date | None = None) -> State:
        agency = self.agency(agency_id)
        return self.add(RecordConsent(agency.id, agency.name, tuple(scope), given_on or self.snapshot.today))

    def add_barrier(self, type_: BarrierType | str) -> State:
        return self.add(AddBarrier(BarrierType(type_).value))

    def use_offer(self, barrier_id: str, offer_code: str, comment: str = "") -> State:
        return self.add(UseOffer(barrier_id, offer_code, comment))

    def register(self, session_id: str) -> State:
        return self.add(Register(session_id))

    def record_attendance(self, session_id: str, attendance: str) -> State:
        return self.add(RecordAttendance(session_id, Attendance.parse(attendance).value))

    def pathway_action(self, action: P.Action) -> State:
        return self.add(StepChange(action))

    def refer(self, agency_id: str, scheme: str, trades: Sequence[str] = (), barriers_summary: str = "",
              send: bool = True, skip_reason: StepReason | str | None = None) -> State:
        """Refer to an agency; with ``skip_reason``, first propose the agency step over the stages
        passed (both kept, or neither)."""
        refer = Refer(agency_id, ReferralScheme.parse(scheme).value, tuple(trades), barriers_summary, send)
        if skip_reason:
            propose = StepChange(P.Propose(Stage.AGENCY, self.snapshot.today, StepReason(skip_reason)))
            return self.add_all([propose, refer])
        return self.add(refer)

    def close(self, outcome: OutcomeCategory | str, on: date | None = None, detail: str = "",
              end_status: StepStatus | str | None = None, end_reason: str | None = None) -> State:
        return self.add(StepChange(P.Close(OutcomeCategory.parse(outcome), on or self.snapshot.today, detail,
                                           StepStatus(end_status) if end_status else None, end_reason)))
