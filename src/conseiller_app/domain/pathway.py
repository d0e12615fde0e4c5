"""The pathway (parcours) of one person as a state machine (pure, no storage).

A pathway is the sequence of its steps (étapes) in creation order. The machine keeps these
rules (see shared/domain.md):

* stages follow their usual order; a stage may be repeated (a second atelier after an absence),
  a stage is skipped only with a reason, and going back to an earlier stage happens only by an
  explicit réorientation;
* at most one step is open (proposée, planifiée, en cours or suspendue) and it is the last one;
* a step that ends without being done (abandonnée, non réalisée, réorientée, passée) or is
  suspended carries a reason from a list;
* the pathway is closed by a *sortie* step that always carries an outcome category; only post-exit
  follow-ups (suivi à 3, 6, 12 mois) come after it, unless a réorientation reopens the pathway.

Every change is an :class:`Action` (a small immutable command). :func:`apply` returns a new
:class:`Pathway` or raises :class:`TransitionRefused` with a French explanation; the pathway given
is never modified, so a caller (the orientation wizard) can undo by replaying fewer actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from enum import Enum, StrEnum
from typing import Any, ClassVar, TypeVar

from conseiller_app.domain import validation
from conseiller_app.domain.enums import Funder, OutcomeCategory, Stage, StepReason, StepStatus
from conseiller_app.domain.errors import AppError, ValidationError


class TransitionRefused(AppError):
    """An action the pathway's rules do not allow now; ``message`` says why and what to do."""

    exit_code = 4

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


# --- vocabulary ------------------------------------------------------------------------------

#: Stages a conseiller proposes as ordinary steps (repérage is recorded with the file, the sortie
#: by closing, the follow-ups after it).
ORDINARY_STAGES: tuple[Stage, ...] = tuple(s for s in Stage if s not in (Stage.SPOTTING, Stage.EXIT, Stage.FOLLOW_UP))
FOLLOW_UP_MONTHS: tuple[int, ...] = (3, 6, 12)
EARLIEST = date(2015, 1, 1)

S = StepStatus
R = StepReason

#: The reasons a conseiller may choose for each status that needs one.
REASONS: dict[StepStatus, tuple[StepReason, ...]] = {
    S.NOT_DONE: (R.ABSENT, R.REFUSAL, R.CANCELLED, R.HEALTH, R.FAMILY, R.MOBILITY, R.FOUND_JOB, R.LOST_CONTACT,
                 R.OTHER),
    S.ABANDONED: (R.REFUSAL, R.HEALTH, R.FAMILY, R.MOBILITY, R.PROJECT_CHANGED, R.FOUND_JOB, R.LOST_CONTACT,
                  R.OTHER),
    S.REDIRECTED: (R.PROJECT_CHANGED, R.REFUSAL, R.HEALTH, R.FAMILY, R.MOBILITY, R.FOUND_JOB, R.ALREADY_EXPERIENCED,
                   R.OTHER),
    S.SKIPPED: (R.ALREADY_EXPERIENCED, R.FOUND_JOB, R.PROJECT_CHANGED, R.REFUSAL, R.CANCELLED, R.OTHER),
    S.SUSPENDED: (R.HEALTH, R.FAMILY, R.MOBILITY, R.LOST_CONTACT, R.FOUND_JOB, R.OTHER),
}
assert all(st.needs_reason for st in REASONS) and all(st in REASONS for st in StepStatus if st.needs_reason)


class ActionKind(StrEnum):
    PROPOSE = "propose"
    PLAN = "plan"
    UNPLAN = "unplan"
    START = "start"
    COMPLETE = "complete"
    NOT_DONE = "not_done"
    ABANDON = "abandon"
    SKIP = "skip"
    SUSPEND = "suspend"
    RESUME = "resume"
    REORIENT = "reorient"
    CLOSE = "close"
    SET_DETAILS = "set_details"


#: What each action does to the open step, by its status. ``RESUME`` goes back to the status the
#: step's dates show (en cours if it started, planifiée if it has planned dates, else proposée).
STEP_TRANSITIONS: dict[StepStatus, dict[ActionKind, StepStatus | None]] = {
    S.PROPOSED: {ActionKind.PLAN: S.PLANNED, ActionKind.START: S.IN_PROGRESS, ActionKind.COMPLETE: S.DONE,
                 ActionKind.NOT_DONE: S.NOT_DONE, ActionKind.SKIP: S.SKIPPED, ActionKind.SUSPEND: S.SUSPENDED,
                 ActionKind.REORIENT: S.REDIRECTED},
    S.PLANNED: {ActionKind.PLAN: S.PLANNED, ActionKind.UNPLAN: S.PROPOSED, ActionKind.START: S.IN_PROGRESS,
                ActionKind.COMPLETE: S.DONE, ActionKind.NOT_DONE: S.NOT_DONE, ActionKind.SUSPEND: S.SUSPENDED,
                ActionKind.REORIENT: S.REDIRECTED},
    S.IN_PROGRESS: {ActionKind.COMPLETE: S.DONE, ActionKind.ABANDON: S.ABANDONED, ActionKind.SUSPEND: S.SUSPENDED,
                    ActionKind.REORIENT: S.REDIRECTED},
    # Ending a suspended step: non réalisée if it never started, abandonnée if it had.
    S.SUSPENDED: {ActionKind.RESUME: None, ActionKind.NOT_DONE: S.NOT_DONE, ActionKind.ABANDON: S.ABANDONED,
                  ActionKind.REORIENT: S.REDIRECTED},
    S.DONE: {}, S.ABANDONED: {}, S.NOT_DONE: {}, S.REDIRECTED: {}, S.SKIPPED: {},
}
assert set(STEP_TRANSITIONS) == set(StepStatus)

_VERBS = {
    ActionKind.PLAN: "planifier", ActionKind.UNPLAN: "annuler la planification de", ActionKind.START: "démarrer",
    ActionKind.COMPLETE: "marquer comme réalisée", ActionKind.NOT_DONE: "marquer comme non réalisée",
    ActionKind.ABANDON: "marquer comme abandonnée", ActionKind.SKIP: "passer", ActionKind.SUSPEND: "suspendre",
    ActionKind.RESUME: "reprendre", ActionKind.REORIENT: "réorienter",
}
_HINTS = {
    (S.PROPOSED, ActionKind.ABANDON): "elle n'a pas commencé : choisissez plutôt « non réalisée ».",
    (S.PLANNED, ActionKind.ABANDON): "elle n'a pas commencé : choisissez plutôt « non réalisée ».",
    (S.IN_PROGRESS, ActionKind.NOT_DONE): "elle a commencé : choisissez plutôt « abandonnée ».",
    (S.IN_PROGRESS, ActionKind.SKIP): "elle a commencé : elle ne peut plus être passée.",
    (S.PLANNED, ActionKind.SKIP): "la personne y est inscrite : annulez d'abord l'inscription ou marquez "
                                   "l'étape « non réalisée ».",
    (S.PROPOSED, ActionKind.UNPLAN): "elle n'est pas planifiée.",
    (S.IN_PROGRESS, ActionKind.UNPLAN): "elle a déjà commencé.",
    (S.IN_PROGRESS, ActionKind.PLAN): "elle a déjà commencé.",
    (S.IN_PROGRESS, ActionKind.START): "elle est déjà en cours.",
    (S.SUSPENDED, ActionKind.SUSPEND): "elle l'est déjà.",
}


def _step_refusal(status: StepStatus, kind: ActionKind, stage: Stage) -> TransitionRefused:
    verb = _VERBS.get(kind, kind.value)
    start = f"Impossible de {verb} l'étape « {stage.label} » ({status.label.lower()})"
    if not STEP_TRANSITIONS[status]:
        hint = ("elle est terminée et ne change plus. Pour revenir en arrière, utilisez la réorientation.")
    elif status is S.SUSPENDED:
        hint = _HINTS.get((status, kind), "le parcours est suspendu : reprenez-le d'abord.")
    elif kind is ActionKind.RESUME:
        hint = "elle n'est pas suspendue."
    else:
        hint = _HINTS.get((status, kind), "cette action ne s'applique pas à une étape dans cet état.")
    return TransitionRefused(f"{start} : {hint}", code=f"{status.value}:{kind.value}")


# --- steps and pathways ----------------------------------------------------------------------


_E = TypeVar("_E", bound=Enum)


def _enum_or_none(enum_cls: type[_E], value: object) -> _E | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, enum_cls) else enum_cls(value)


@dataclass(frozen=True)
class Step:
    """One step (étape). ``id`` is None until the storage gives it one."""

    stage: Stage
    status: StepStatus
    id: str | None = None
    reason: StepReason | None = None
    comment: str = ""
    proposed_on: date | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    session_id: str | None = None
    scheme: str | None = None
    funder: str | None = None
    funded_amount_cents: int | None = None
    outcome: OutcomeCategory | None = None
    outcome_detail: str = ""

    RECORD_FIELDS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Step:
        """From a stored row (plain values); unknown keys are ignored."""
        data: dict[str, Any] = {k: record.get(k) for k in cls.RECORD_FIELDS if k in record}
        data["stage"] = Stage(record["stage"])
        data["status"] = StepStatus(record["status"])
        data["reason"] = _enum_or_none(StepReason, record.get("reason"))
        data["outcome"] = _enum_or_none(OutcomeCategory, record.get("outcome"))
        data["comment"] = record.get("comment") or ""
        data["outcome_detail"] = record.get("outcome_detail") or ""
        return cls(**data)

    def to_record(self) -> dict[str, Any]:
        """Plain values, as the storage keeps them."""
        out = {k: getattr(self, k) for k in self.RECORD_FIELDS}
        for k in ("stage", "status", "reason", "outcome"):
            out[k] = out[k].value if out[k] is not None else None
        return out

    @property
    def started(self) -> bool:
        return self.actual_start is not None

    @property
    def label(self) -> str:
        return self.stage.label


Step.RECORD_FIELDS = tuple(f.name for f in fields(Step))


class PathwayState(StrEnum):
    WAITING = "en_attente"  # no open step: the next one is to be proposed
    ACTIVE = "active"
    SUSPENDED = "suspendu"
    CLOSED = "cloture"


PATHWAY_STATE_LABELS = {
    PathwayState.WAITING: "En attente de la prochaine étape",
    PathwayState.ACTIVE: "En cours",
    PathwayState.SUSPENDED: "Suspendu",
    PathwayState.CLOSED: "Clôturé (sortie)",
}


@dataclass(frozen=True)
class Pathway:
    """The steps of one person's pathway, in creation order."""

    steps: tuple[Step, ...] = ()

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> Pathway:
        return cls(tuple(Step.from_record(r) for r in records))

    @classmethod
    def new(cls, spotted_on: date) -> Pathway:
        """A new file's pathway: the repérage, done on the spotting date."""
        return cls((Step(Stage.SPOTTING, S.DONE, proposed_on=spotted_on, actual_start=spotted_on,
                         actual_end=spotted_on),))

    # --- derived state ---

    @property
    def open_index(self) -> int | None:
        for i in range(len(self.steps) - 1, -1, -1):
            if self.steps[i].status.is_open:
                return i
        return None

    @property
    def open_step(self) -> Step | None:
        i = self.open_index
        return None if i is None else self.steps[i]

    @property
    def exit_step(self) -> Step | None:
        """The sortie closing the pathway, if it is closed."""
        for s in reversed(self.steps):
            if s.stage is Stage.FOLLOW_UP:
                continue
            return s if (s.stage is Stage.EXIT and s.status is S.DONE) else None
        return None

    @property
    def is_closed(self) -> bool:
        return self.exit_step is not None

    @property
    def is_suspended(self) -> bool:
        o = self.open_step
        return o is not None and o.status is S.SUSPENDED

    @property
    def state(self) -> PathwayState:
        if self.is_closed and (self.open_step is None or self.open_step.stage is Stage.FOLLOW_UP):
            return PathwayState.CLOSED
        if self.is_suspended:
            return PathwayState.SUSPENDED
        return PathwayState.ACTIVE if self.open_step is not None else PathwayState.WAITING

    @property
    def outcome(self) -> OutcomeCategory | None:
        e = self.exit_step
        return e.outcome if e else None

    @property
    def frontier(self) -> Stage:
        """The furthest stage of the current run of steps (the stage of the last one, follow-ups aside)."""
        for s in reversed(self.steps):
            if s.stage is not Stage.FOLLOW_UP:
                return s.stage
        return Stage.SPOTTING

    @property
    def current_stage(self) -> Stage:
        """Where the person stands, as kept in ``Beneficiary.current_stage``: the last step's stage."""
        return self.steps[-1].stage if self.steps else Stage.SPOTTING

    def stages_done(self) -> set[Stage]:
        return {s.stage for s in self.steps if s.status is S.DONE}

    def last_of(self, stage: Stage) -> Step | None:
        for s in reversed(self.steps):
            if s.stage is stage:
                return s
        return None

    def follow_ups_done(self) -> int:
        """Post-exit checks done since the last sortie."""
        n = 0
        for s in reversed(self.steps):
            if s.stage is Stage.EXIT:
                break
            if s.stage is Stage.FOLLOW_UP and s.status is S.DONE:
                n += 1
        return n

    def gaps_to(self, stage: Stage) -> list[Stage]:
        """Stages between the frontier and ``stage`` that proposing ``stage`` would skip."""
        lo = self.frontier.order
        return [s for s in ORDINARY_STAGES if lo < s.order < stage.order]

    # --- convenience ---

    def apply(self, action: Action, today: date) -> Pathway:
        return apply(self, action, today)


# --- actions ---------------------------------------------------------------------------------


def _on(field_name: str, label: str, value: date | None, today: date, *, allow_future: bool = False) -> date:
    if value is None:
        raise ValidationError(field_name, "la date est obligatoire.", label)
    if value < EARLIEST:
        raise ValidationError(field_name, "date trop ancienne : vérifiez l'année.", label)
    if not allow_future and value > today:
        raise ValidationError(field_name, "cette date est dans le futur.", label)
    return value


def _reason_for(status: StepStatus, reason: StepReason | str | None) -> StepReason:
    allowed = REASONS[status]
    if reason in (None, ""):
        raise ValidationError("reason", f"choisissez un motif ({', '.join(r.label for r in allowed)}).", "Motif")
    try:
        r = reason if isinstance(reason, StepReason) else StepReason.parse(reason)
    except ValueError:
        raise ValidationError("reason", "motif inconnu.", "Motif") from None
    if r not in allowed:
        raise ValidationError(
            "reason", f"« {r.label} » ne convient pas ici ; motifs possibles : {', '.join(x.label for x in allowed)}.",
            "Motif")
    return r


def _comment(text: str | None, current: str = "") -> str:
    clean = validation.check_free_text("comment", "Commentaire", text, max_length=500)
    return clean or current


@dataclass(frozen=True)
class Action:
    """A change to a pathway. Subclasses define ``kind`` and ``describe()``."""

    kind: ClassVar[ActionKind]

    def describe(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value}
        for f in fields(self):
            val = getattr(self, f.name)
            if isinstance(val, StrEnum):
                val = val.value
            elif isinstance(val, date):
                val = val.isoformat()
            out[f.name] = val
        return out

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Action:
        cls = ACTION_CLASSES[ActionKind(data["kind"])]
        kwargs = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            val = data[f.name]
            if isinstance(val, str) and f.name in _DATE_FIELDS:
                val = date.fromisoformat(val)
            kwargs[f.name] = val
        return cls(**kwargs)


_DATE_FIELDS = {"on", "start", "end"}


@dataclass(frozen=True)
class Propose(Action):
    """Propose a step at ``stage``; stages jumped over are recorded as passed with ``skip_reason``."""

    stage: Stage
    on: date
    skip_reason: StepReason | None = None
    comment: str = ""
    kind: ClassVar[ActionKind] = ActionKind.PROPOSE

    def describe(self) -> str:
        return f"Proposer l'étape « {Stage(self.stage).label} »"


@dataclass(frozen=True)
class Plan(Action):
    """Plan the open step (planifiée, inscrit): dates and, for a session, its id. Also reschedules."""

    start: date
    end: date | None = None
    session_id: str | None = None
    kind: ClassVar[ActionKind] = ActionKind.PLAN

    def describe(self) -> str:
        return f"Planifier l'étape au {self.start:%d/%m/%Y}"


@dataclass(frozen=True)
class Unplan(Action):
    """Back from planifiée to proposée (unregistered from a session)."""

    kind: ClassVar[ActionKind] = ActionKind.UNPLAN

    def describe(self) -> str:
        return "Annuler la planification de l'étape"


@dataclass(frozen=True)
class Start(Action):
    on: date
    kind: ClassVar[ActionKind] = ActionKind.START

    def describe(self) -> str:
        return f"Démarrer l'étape le {self.on:%d/%m/%Y}"


@dataclass(frozen=True)
class Complete(Action):
    on: date
    kind: ClassVar[ActionKind] = ActionKind.COMPLETE

    def describe(self) -> str:
        return f"Marquer l'étape réalisée le {self.on:%d/%m/%Y}"


def _label(kind: type[StepReason] | type[OutcomeCategory], value: str | None) -> str:
    """A chosen value's label (an action described before it was checked may lack it)."""
    return kind(value).label if value else "à choisir"


@dataclass(frozen=True)
class NotDone(Action):
    reason: StepReason | None  # None when none was chosen: refused with a French message by apply()
    comment: str = ""
    kind: ClassVar[ActionKind] = ActionKind.NOT_DONE

    def describe(self) -> str:
        return f"Étape non réalisée ({_label(StepReason, self.reason)})"


@dataclass(frozen=True)
class Abandon(Action):
    reason: StepReason | None  # None when none was chosen: refused with a French message by apply()
    on: date
    comment: str = ""
    kind: ClassVar[ActionKind] = ActionKind.ABANDON

    def describe(self) -> str:
        return f"Étape abandonnée ({_label(StepReason, self.reason)})"


@dataclass(frozen=True)
class Skip(Action):
    """Pass the proposed step (étape passée) with a reason."""

    reason: StepReason | None  # None when none was chosen: refused with a French message by apply()
    comment: str = ""
    kind: ClassVar[ActionKind] = ActionKind.SKIP

    def describe(self) -> str:
        return f"Passer l'étape ({_label(StepReason, self.reason)})"


@dataclass(frozen=True)
class Suspend(Action):
    reason: StepReason | None  # None when none was chosen: refused with a French message by apply()
    comment: str = ""
    kind: ClassVar[ActionKind] = ActionKind.SUSPEND

    def describe(self) -> str:
        return f"Suspendre le parcours ({_label(StepReason, self.reason)})"


@dataclass(frozen=True)
class Resume(Action):
    kind: ClassVar[ActionKind] = ActionKind.RESUME

    def describe(self) -> str:
        return "Reprendre le parcours"


@dataclass(frozen=True)
class Reorient(Action):
    """Réorientation: end the open step (réorientée) and propose ``stage``, earlier ones included.
    Also reopens a closed pathway."""

    stage: Stage
    reason: StepReason | None  # None when none was chosen: refused with a French message by apply()
    on: date
    comment: str = ""
    kind: ClassVar[ActionKind] = ActionKind.REORIENT

    def describe(self) -> str:
        return f"Réorienter vers « {Stage(self.stage).label} » ({_label(StepReason, self.reason)})"


@dataclass(frozen=True)
class Close(Action):
    """Sortie: close the pathway with an outcome. An open step must be ended by ``end_status``
    (réalisée, abandonnée or non réalisée) and, unless réalisée, ``end_reason``."""

    outcome: OutcomeCategory | None  # idem
    on: date
    detail: str = ""
    end_status: StepStatus | None = None
    end_reason: StepReason | str | None = None  # a stored value too (checked by _reason_for)
    kind: ClassVar[ActionKind] = ActionKind.CLOSE

    def describe(self) -> str:
        return f"Clôturer le parcours : {_label(OutcomeCategory, self.outcome)}"


@dataclass(frozen=True)
class SetDetails(Action):
    """Funding and comment of the step at ``index`` (amounts are often known after the step)."""

    index: int
    scheme: str | None = None
    funder: Funder | None = None
    amount_cents: int | None = None
    comment: str | None = None
    kind: ClassVar[ActionKind] = ActionKind.SET_DETAILS

    def describe(self) -> str:
        return "Compléter l'étape (financement, commentaire)"


ACTION_CLASSES: dict[ActionKind, type[Action]] = {
    c.kind: c for c in (Propose, Plan, Unplan, Start, Complete, NotDone, Abandon, Skip, Suspend, Resume, Reorient,
                        Close, SetDetails)
}
assert set(ACTION_CLASSES) == set(ActionKind)


# --- the machine -----------------------------------------------------------------------------


def _replace_open(p: Pathway, new: Step) -> Pathway:
    i = p.open_index
    assert i is not None
    return Pathway((*p.steps[:i], new, *p.steps[i + 1:]))


def _require_open(p: Pathway, kind: ActionKind) -> Step:
    o = p.open_step
    if o is None:
        if p.is_closed:
            raise TransitionRefused("Le parcours est clôturé : aucune étape n'est en cours.", code="closed")
        raise TransitionRefused("Aucune étape n'est en cours : proposez d'abord une étape.", code="no_open_step")
    target = STEP_TRANSITIONS[o.status].get(kind, "missing")
    if target == "missing":
        raise _step_refusal(o.status, kind, o.stage)
    return o


def _end_open(p: Pathway, status: StepStatus, reason: StepReason | str | None, on: date | None,
              comment: str | None, today: date) -> Pathway:
    """End the open step with ``status`` (réalisée, non réalisée, abandonnée, passée, réorientée)."""
    kind = {S.DONE: ActionKind.COMPLETE, S.NOT_DONE: ActionKind.NOT_DONE, S.ABANDONED: ActionKind.ABANDON,
            S.SKIPPED: ActionKind.SKIP, S.REDIRECTED: ActionKind.REORIENT}[status]
    o = _require_open(p, kind)
    if o.status is S.SUSPENDED:
        if status is S.NOT_DONE and o.started:
            raise TransitionRefused(f"L'étape « {o.stage.label} » avait commencé : choisissez plutôt « abandonnée ».",
                                    code="suspendue:not_done_started")
        if status is S.ABANDONED and not o.started:
            raise TransitionRefused(f"L'étape « {o.stage.label} » n'avait pas commencé : choisissez plutôt "
                                    "« non réalisée ».", code="suspendue:abandon_not_started")
    changes: dict[str, Any] = {"status": status, "comment": _comment(comment, o.comment)}
    if status is S.DONE:
        end = _on("on", "Date de réalisation", on, today)
        start = o.actual_start or end
        if end < start:
            raise ValidationError("on", "la fin ne peut pas précéder le début de l'étape.", "Date de réalisation")
        changes.update(actual_start=start, actual_end=end, reason=None)
    else:
        changes["reason"] = _reason_for(status, reason)
        if o.started:
            end = _on("on", "Date de fin", on or today, today)
            if o.actual_start is not None and end < o.actual_start:
                raise ValidationError("on", "la fin ne peut pas précéder le début de l'étape.", "Date de fin")
            changes["actual_end"] = end
    return _replace_open(p, replace(o, **changes))


def _propose(p: Pathway, a: Propose, today: date) -> Pathway:
    stage = Stage(a.stage)
    on = _on("on", "Date de proposition", a.on, today)
    o = p.open_step
    if stage is Stage.SPOTTING:
        raise TransitionRefused("Le repérage est enregistré à la création du dossier : il ne se propose pas.",
                                code="spotting")
    if stage is Stage.EXIT:
        raise TransitionRefused("Pour terminer le parcours, utilisez « Clôturer » avec une catégorie de sortie.",
                                code="exit")
    if o is not None:
        if o.status is S.SUSPENDED:
            raise TransitionRefused("Le parcours est suspendu : reprenez-le d'abord.", code="suspended")
        raise TransitionRefused(
            f"L'étape « {o.stage.label} » est encore {o.status.label.lower()} : indiquez d'abord comment elle se "
            "termine, ou utilisez la réorientation.", code="open_step")
    if stage is Stage.FOLLOW_UP:
        if not p.is_closed:
            raise TransitionRefused("Le suivi post-sortie vient après la sortie : clôturez d'abord le parcours.",
                                    code="follow_up_before_exit")
        return Pathway((*p.steps, Step(stage, S.PROPOSED, proposed_on=on, comment=_comment(a.comment))))
    if p.is_closed:
        raise TransitionRefused("Le parcours est clôturé : pour reprendre l'accompagnement, utilisez la réorientation.",
                                code="closed")
    if stage.order < p.frontier.order:
        raise TransitionRefused(
            f"« {stage.label} » précède l'étape atteinte (« {p.frontier.label} ») : revenir en arrière se fait par "
            "une réorientation, avec son motif.", code="backwards")
    gaps = p.gaps_to(stage)
    steps = p.steps
    if gaps:
        if a.skip_reason in (None, ""):
            names = ", ".join(f"« {g.label} »" for g in gaps)
            raise TransitionRefused(
                f"Proposer « {stage.label} » passe {'l’étape' if len(gaps) == 1 else 'les étapes'} {names} : "
                "indiquez le motif (par exemple « Expérience déjà acquise »).", code="skip_needs_reason")
        reason = _reason_for(S.SKIPPED, a.skip_reason)
        steps += tuple(Step(g, S.SKIPPED, reason=reason, proposed_on=on) for g in gaps)
    return Pathway((*steps, Step(stage, S.PROPOSED, proposed_on=on, comment=_comment(a.comment))))


def _plan(p: Pathway, a: Plan, today: date) -> Pathway:
    o = _require_open(p, ActionKind.PLAN)
    start = _on("start", "Début prévu", a.start, today, allow_future=True)
    if a.end is not None and a.end < start:
        raise ValidationError("end", "la fin prévue précède le début.", "Fin prévue")
    return _replace_open(p, replace(o, status=S.PLANNED, planned_start=start, planned_end=a.end,
                                    session_id=a.session_id))


def _unplan(p: Pathway, a: Unplan, today: date) -> Pathway:
    o = _require_open(p, ActionKind.UNPLAN)
    return _replace_open(p, replace(o, status=S.PROPOSED, planned_start=None, planned_end=None, session_id=None))


def _start(p: Pathway, a: Start, today: date) -> Pathway:
    o = _require_open(p, ActionKind.START)
    on = _on("on", "Date de début", a.on, today)
    return _replace_open(p, replace(o, status=S.IN_PROGRESS, actual_start=on))


def _suspend(p: Pathway, a: Suspend, today: date) -> Pathway:
    o = _require_open(p, ActionKind.SUSPEND)
    if o.stage is Stage.FOLLOW_UP:
        raise TransitionRefused("Le parcours est clôturé : un suivi post-sortie ne se suspend pas.",
                                code="follow_up_suspend")
    reason = _reason_for(S.SUSPENDED, a.reason)
    return _replace_open(p, replace(o, status=S.SUSPENDED, reason=reason, comment=_comment(a.comment, o.comment)))


def resumed_status(step: Step) -> StepStatus:
    """The status a suspended step returns to, read from its dates."""
    if step.started:
        return S.IN_PROGRESS
    return S.PLANNED if step.planned_start is not None else S.PROPOSED


def _resume(p: Pathway, a: Resume, today: date) -> Pathway:
    o = _require_open(p, ActionKind.RESUME)
    return _replace_open(p, replace(o, status=resumed_status(o), reason=None))


def _reorient(p: Pathway, a: Reorient, today: date) -> Pathway:
    stage = Stage(a.stage)
    if stage not in ORDINARY_STAGES:
        raise TransitionRefused(f"On ne réoriente pas vers « {stage.label} » : choisissez une étape du parcours "
                                "(atelier, découverte, SAS, agence, formation, emploi).", code="reorient_target")
    on = _on("on", "Date de réorientation", a.on, today)
    reason = _reason_for(S.REDIRECTED, a.reason)
    if p.open_step is not None:
        p = _end_open(p, S.REDIRECTED, reason, on, a.comment, today)
    return Pathway((*p.steps, Step(stage, S.PROPOSED, proposed_on=on)))


def _close(p: Pathway, a: Close, today: date) -> Pathway:
    if p.is_closed:
        raise TransitionRefused("Le parcours est déjà clôturé. Pour le rouvrir, utilisez la réorientation.",
                                code="already_closed")
    if a.outcome in (None, ""):
        raise ValidationError("outcome", "choisissez la catégorie de sortie : elle est obligatoire pour clôturer.",
                              "Catégorie de sortie")
    try:
        outcome = OutcomeCategory.parse(a.outcome)
    except ValueError:
        raise ValidationError("outcome", "catégorie de sortie inconnue.", "Catégorie de sortie") from None
    on = _on("on", "Date de sortie", a.on, today)
    detail = validation.check_free_text("detail", "Précision", a.detail, max_length=120)
    o = p.open_step
    if o is not None:
        if a.end_status in (None, ""):
            raise TransitionRefused(
                f"L'étape « {o.stage.label} » est encore {o.status.label.lower()} : indiquez comment elle se termine "
                "(réalisée, abandonnée ou non réalisée) avant de clôturer.", code="close_open_step")
        end_status = StepStatus(a.end_status)
        if end_status not in (S.DONE, S.ABANDONED, S.NOT_DONE):
            raise ValidationError("end_status", "une étape se termine réalisée, abandonnée ou non réalisée.",
                                  "Fin de l'étape en cours")
        if end_status is S.DONE and o.status is S.SUSPENDED:
            raise TransitionRefused("Une étape suspendue ne peut pas être marquée réalisée : reprenez-la d'abord, "
                                    "ou choisissez « abandonnée » / « non réalisée ».", code="close_suspended_done")
        p = _end_open(p, end_status, a.end_reason, on, None, today)
    last_dates = [d for s in p.steps for d in (s.actual_end, s.actual_start) if d is not None]
    if last_dates and on < max(last_dates):
        raise ValidationError("on", "la sortie ne peut pas précéder la fin de la dernière étape.", "Date de sortie")
    return Pathway(
        (
            *p.steps,
            Step(
                Stage.EXIT,
                S.DONE,
                proposed_on=on,
                actual_start=on,
                actual_end=on,
                outcome=outcome,
                outcome_detail=detail,
            ),
        )
    )


def _set_details(p: Pathway, a: SetDetails, today: date) -> Pathway:
    if not 0 <= a.index < len(p.steps):
        raise TransitionRefused("Cette étape n'existe pas dans le parcours.", code="no_step")
    st = p.steps[a.index]
    if st.stage in (Stage.EXIT, Stage.SPOTTING):
        raise TransitionRefused(f"L'étape « {st.stage.label} » n'a pas de financement.", code="details_stage")
    changes: dict[str, Any] = {}
    if a.scheme is not None:
        code = a.scheme.strip()
        if len(code) > 40:
            raise ValidationError("scheme", "code de dispositif trop long.", "Dispositif")
        changes["scheme"] = code or None
    if a.funder is not None:
        try:
            changes["funder"] = Funder.parse(a.funder).value if a.funder else None
        except ValueError:
            raise ValidationError("funder", "financeur inconnu.", "Financeur") from None
    if a.amount_cents is not None:
        if not isinstance(a.amount_cents, int) or a.amount_cents < 0 or a.amount_cents > 10_000_000:
            raise ValidationError("amount_cents", "montant entre 0 et 100 000 €.", "Montant")
        changes["funded_amount_cents"] = a.amount_cents
    if a.comment is not None:
        changes["comment"] = validation.check_free_text("comment", "Commentaire", a.comment, max_length=500)
    steps = list(p.steps)
    steps[a.index] = replace(st, **changes)
    return Pathway(tuple(steps))


def _complete(p: Pathway, a: Complete, today: date) -> Pathway:
    o = _require_open(p, ActionKind.COMPLETE)
    if o.status is S.SUSPENDED:  # pragma: no cover - refused by the table
        raise _step_refusal(o.status, ActionKind.COMPLETE, o.stage)
    return _end_open(p, S.DONE, None, a.on, None, today)


_HANDLERS: dict[ActionKind, Callable[[Pathway, Any, date], Pathway]] = {
    ActionKind.PROPOSE: _propose,
    ActionKind.PLAN: _plan,
    ActionKind.UNPLAN: _unplan,
    ActionKind.START: _start,
    ActionKind.COMPLETE: _complete,
    ActionKind.NOT_DONE: lambda p, a, t: _end_open(p, S.NOT_DONE, a.reason, None, a.comment, t),
    ActionKind.ABANDON: lambda p, a, t: _end_open(p, S.ABANDONED, a.reason, a.on, a.comment, t),
    ActionKind.SKIP: lambda p, a, t: _end_open(p, S.SKIPPED, a.reason, None, a.comment, t),
    ActionKind.SUSPEND: _suspend,
    ActionKind.RESUME: _resume,
    ActionKind.REORIENT: _reorient,
    ActionKind.CLOSE: _close,
    ActionKind.SET_DETAILS: _set_details,
}


def apply(pathway: Pathway, action: Action, today: date) -> Pathway:
    """The pathway after ``action``; raises ``TransitionRefused`` or ``ValidationError`` (French)."""
    return _HANDLERS[action.kind](pathway, action, today)


def apply_all(pathway: Pathway, actions: Sequence[Action], today: date) -> Pathway:
    for a in actions:
        pathway = apply(pathway, a, today)
    return pathway


# --- what the pages show ---------------------------------------------------------------------


def allowed_actions(p: Pathway) -> list[ActionKind]:
    """The actions that make sense now (buttons to enable); their parameters are still checked."""
    out: list[ActionKind] = []
    o = p.open_step
    if o is None:
        out.append(ActionKind.PROPOSE)
    else:
        out += [k for k in STEP_TRANSITIONS[o.status] if k is not ActionKind.REORIENT]
        if o.stage is Stage.FOLLOW_UP and ActionKind.SUSPEND in out:
            out.remove(ActionKind.SUSPEND)
        if o.status is S.SUSPENDED:
            out = [k for k in out if (k is not ActionKind.NOT_DONE or not o.started)
                   and (k is not ActionKind.ABANDON or o.started)]
    out.append(ActionKind.REORIENT)
    if not p.is_closed:
        out.append(ActionKind.CLOSE)
    return out


def proposable_stages(p: Pathway) -> list[tuple[Stage, list[Stage]]]:
    """Stages that can be proposed now, each with the stages it would skip (needing a reason)."""
    if p.open_step is not None:
        return []
    if p.is_closed:
        return [(Stage.FOLLOW_UP, [])]
    return [(s, p.gaps_to(s)) for s in ORDINARY_STAGES if s.order >= p.frontier.order]


def next_stage(p: Pathway) -> Stage | None:
    """The usual next stage after the frontier (None when closed or at the end)."""
    if p.is_closed:
        return None
    f = p.frontier
    last = p.last_of(f) if f is not Stage.SPOTTING else None
    if last is not None and last.status is not S.DONE and last.status is not S.SKIPPED and f in ORDINARY_STAGES:
        return f  # the stage was not done: the usual next move is to try it again
    later = [s for s in ORDINARY_STAGES if s.order > f.order]
    return later[0] if later else None


def summary(p: Pathway) -> dict[str, Any]:
    """Plain facts for the Parcours tab's header."""
    o = p.open_step
    return {
        "state": p.state.value,
        "state_label": PATHWAY_STATE_LABELS[p.state],
        "current_stage": p.current_stage.value,
        "current_stage_label": p.current_stage.label,
        "open_index": p.open_index,
        "open_stage": o.stage.value if o else None,
        "open_status": o.status.value if o else None,
        "outcome": p.outcome.value if p.outcome else None,
        "outcome_label": p.outcome.label if p.outcome else None,
        "allowed": [k.value for k in allowed_actions(p)],
        "proposable": [{"stage": s.value, "label": s.label, "skips": [g.value for g in gaps]}
                       for s, gaps in proposable_stages(p)],
        "next_stage": (ns.value if (ns := next_stage(p)) else None),
    }


# --- consistency (used by tests and as a guard before writing) ----------------------------------


def problems(p: Pathway) -> list[str]:
    """Inconsistencies of a pathway (empty when sound). Codes in English, for logs and tests."""
    out: list[str] = []
    open_idx = [i for i, s in enumerate(p.steps) if s.status.is_open]
    if len(open_idx) > 1:
        out.append("several_open_steps")
    if open_idx and open_idx[-1] != len(p.steps) - 1:
        out.append("open_step_not_last")
    by_stage: dict[Stage, int] = {}
    for i in open_idx:
        by_stage[p.steps[i].stage] = by_stage.get(p.steps[i].stage, 0) + 1
    if any(n > 1 for n in by_stage.values()):
        out.append("two_active_steps_same_stage")
    seen_exit = False
    for i, s in enumerate(p.steps):
        if s.status.needs_reason and s.reason is None:
            out.append(f"step_{i}_missing_reason")
        if s.status.needs_reason and s.reason is not None and s.reason not in REASONS[s.status]:
            out.append(f"step_{i}_reason_not_allowed")
        if not s.status.needs_reason and s.reason is not None:
            out.append(f"step_{i}_unexpected_reason")
        if s.stage is Stage.EXIT:
            if s.status is not S.DONE:
                out.append(f"step_{i}_exit_not_done")
            if s.outcome is None:
                out.append(f"step_{i}_closed_without_outcome")
            seen_exit = True
        elif s.outcome is not None:
            out.append(f"step_{i}_outcome_outside_exit")
        if s.stage is Stage.FOLLOW_UP and not seen_exit:
            out.append(f"step_{i}_follow_up_before_exit")
        if s.status is S.IN_PROGRESS and s.actual_start is None:
            out.append(f"step_{i}_in_progress_without_start")
        if s.status is S.DONE and s.actual_end is None:
            out.append(f"step_{i}_done_without_end")
        if s.status is S.PLANNED and s.planned_start is None:
            out.append(f"step_{i}_planned_without_date")
        if s.actual_start and s.actual_end and s.actual_end < s.actual_start:
            out.append(f"step_{i}_ends_before_start")
    o = p.open_step
    if p.is_closed and o is not None and o.stage is not Stage.FOLLOW_UP:
        out.append("open_step_after_exit")
    return out
