"""Rules of ateliers and sessions (pure): validation of a session's fields, French public
holidays and weekends when scheduling, seats and the waiting list (first in, first promoted)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from conseiller_app.domain import validation
from conseiller_app.domain.enums import Organiser, RegistrationStatus, SessionKind, Stage
from conseiller_app.domain.errors import ValidationError, ValidationErrors

if TYPE_CHECKING:
    from conseiller_app.domain.enums import Labelled
    from conseiller_app.domain.pathway import Action, Pathway

#: The pathway stage a session kind serves (an information collective serves none).
STAGE_OF_KIND: dict[SessionKind, Stage] = {
    SessionKind.AWARENESS: Stage.AWARENESS,
    SessionKind.TASTER: Stage.TASTER,
    SessionKind.PREP_COURSE: Stage.PREP_COURSE,
    SessionKind.SPOTT: Stage.TRAINING,  # inter-agency training (convention 4-2), not a preparatory action
}
KIND_OF_STAGE = {stage: kind for kind, stage in STAGE_OF_KIND.items()}

MAX_CAPACITY = 200
MAX_DAYS = 120

LABELS = {
    "kind": "Type de session",
    "title": "Intitulé",
    "start_date": "Début",
    "end_date": "Fin",
    "place": "Lieu",
    "commune": "Commune",
    "territory": "Territoire",
    "organiser": "Organisateur",
    "organiser_name": "Nom de l'organisateur",
    "capacity": "Capacité",
    "chantier": "Chantier",
    "trades": "Métiers visés",
    "start_time": "Heure de début",
    "end_time": "Heure de fin",
}
NOON = "12:30"  # a day that starts before and ends after it has a morning and an afternoon
FIELDS = tuple(LABELS)


def _easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar; anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=32)
def _holidays(year: int) -> dict[date, str]:
    """The eleven public holidays of metropolitan France (as from 2008: Whit Monday was a working
    day from 2005 to 2007), with the names of the ``holidays`` package (checked against it in the
    tests). Computed here: importing that package took a
    fifth of a second of the application's start (its calendar marks holidays when built)."""
    easter = _easter(year)
    days: dict[date, list[str]] = {}
    for day, name in (
        (date(year, 1, 1), "Jour de l'an"),
        (easter + timedelta(days=1), "Lundi de Pâques"),
        (date(year, 5, 1), "Fête du Travail"),
        (date(year, 5, 8), "Fête de la Victoire"),
        (easter + timedelta(days=39), "Ascension"),
        (easter + timedelta(days=50), "Lundi de Pentecôte"),
        (date(year, 7, 14), "Fête nationale"),
        (date(year, 8, 15), "Assomption"),
        (date(year, 11, 1), "Toussaint"),
        (date(year, 11, 11), "Armistice"),
        (date(year, 12, 25), "Noël"),
    ):
        days.setdefault(day, []).append(name)
    return {day: "; ".join(sorted(names)) for day, names in days.items()}  # Ascension on 1 May: both


def holiday_name(day: date) -> str | None:
    """The French public holiday on ``day`` (metropolitan France), or None."""
    return _holidays(day.year).get(day)


def days_of(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def schedule_warnings(start: date, end: date) -> list[dict[str, Any]]:
    """Public holidays and weekend days inside a session's dates, each with a French message.
    For a session of more than one week, weekends are expected and not flagged."""
    out: list[dict[str, Any]] = []
    days = days_of(start, end)
    for d in days:
        name = holiday_name(d)
        if name:
            out.append({"date": d, "kind": "holiday", "name": name,
                        "message": f"Le {d:%d/%m/%Y} est un jour férié ({name})."})
        elif d.weekday() >= 5 and len(days) <= 7:
            day_name = "samedi" if d.weekday() == 5 else "dimanche"
            out.append({"date": d, "kind": "weekend", "name": day_name,
                        "message": f"Le {d:%d/%m/%Y} est un {day_name}."})
    return out


def _enum(field: str, enum_cls: type[Labelled], value: Any) -> str:
    if value in (None, ""):
        raise ValidationError(field, "ce champ est obligatoire.", LABELS[field])
    try:
        return enum_cls.parse(value).value
    except ValueError:
        allowed = ", ".join(m.label for m in enum_cls)
        raise ValidationError(field, f"valeur inconnue ; choix possibles : {allowed}.", LABELS[field]) from None


def validate(
    data: Mapping[str, Any],
    *,
    today: date,
    territories: Mapping[str, str],
    chantiers: Iterable[str],
    trades: Iterable[str],
    resolve_commune: Callable[[str], list[tuple[str, str]]],
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Clean a session's fields; raise ``ValidationErrors`` listing every bad one.

    ``resolve_commune`` maps a name or INSEE code to ``[(insee, territory)]``. With ``current``
    (an update), only the fields given are checked, against the current values for the others.
    """
    errors: list[ValidationError] = []
    out: dict[str, Any] = {}
    partial = current is not None
    chantiers, trades = set(chantiers), set(trades)

    def check(field: str, fn: Callable[[Any], Any]) -> None:
        if partial and field not in data:
            return
        try:
            out[field] = fn(data.get(field))
        except ValidationError as exc:
            errors.append(exc)

    for field in sorted(set(data) - set(FIELDS)):
        errors.append(ValidationError(field, "champ inconnu.", field))

    check("kind", lambda x: _enum("kind", SessionKind, x))

    def title(x: str | None) -> str:
        text = validation.check_free_text("title", LABELS["title"], x, max_length=160)
        if not text:
            raise ValidationError("title", "ce champ est obligatoire.", LABELS["title"])
        return text

    check("title", title)
    check("start_date", lambda x: validation.parse_date("start_date", LABELS["start_date"], x))
    check("end_date", lambda x: validation.parse_date("end_date", LABELS["end_date"], x, required=False))
    check("place", lambda x: validation.check_free_text("place", LABELS["place"], x, max_length=200))

    def commune(x: Any) -> tuple[str, str] | None:
        text = (x or "").strip() if isinstance(x, str) else x
        if not text:
            return None
        found = resolve_commune(text)
        if not found:
            raise ValidationError("commune", "commune inconnue dans le Pas-de-Calais (nom ou code INSEE).",
                                  LABELS["commune"])
        if len(found) > 1:
            raise ValidationError("commune", f"{len(found)} communes correspondent : précisez avec le code INSEE.",
                                  LABELS["commune"])
        return found[0]

    check("commune", commune)

    def territory(x: Any) -> str | None:
        if x in (None, ""):
            return None
        text = str(x).strip()
        if text in territories:
            return text
        for code, name in territories.items():
            if name.lower() == text.lower():
                return code
        raise ValidationError("territory", "territoire inconnu.", LABELS["territory"])

    check("territory", territory)
    check("organiser", lambda x: _enum("organiser", Organiser, x or Organiser.DEPARTEMENT.value))
    check("organiser_name", lambda x: validation.check_free_text("organiser_name", LABELS["organiser_name"], x, max_length=160))

    def capacity(x: Any) -> int:
        try:
            n = int(x)
        except (TypeError, ValueError):
            raise ValidationError("capacity", "nombre de places attendu.", LABELS["capacity"]) from None
        if not 1 <= n <= MAX_CAPACITY:
            raise ValidationError("capacity", f"entre 1 et {MAX_CAPACITY} places.", LABELS["capacity"])
        return n

    check("capacity", capacity)

    def chantier(x: Any) -> str | None:
        if x in (None, ""):
            return None
        if not isinstance(x, str) or x not in chantiers:
            raise ValidationError("chantier", "chantier inconnu.", LABELS["chantier"])
        return x

    check("chantier", chantier)

    def trade_list(x: Any) -> list[str]:
        items = list(x or [])
        unknown = [t for t in items if t not in trades]
        if unknown:
            raise ValidationError("trades", "métier inconnu.", LABELS["trades"])
        return list(dict.fromkeys(items))

    check("trades", trade_list)

    def hour(field: str) -> Callable[[Any], str | None]:
        def clean(x: Any) -> str | None:
            text = (x or "").strip().lower().replace("h", ":").rstrip(":") if isinstance(x, str) else x
            if not text:
                return None
            m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", text)
            if not m or int(m.group(1)) > 23 or int(m.group(2) or 0) > 59:
                raise ValidationError(field, "heure attendue au format HH:MM (ex. 09:00, 14h30).", LABELS[field])
            return f"{int(m.group(1)):02d}:{int(m.group(2) or 0):02d}"
        return clean

    check("start_time", hour("start_time"))
    check("end_time", hour("end_time"))

    # Cross-field rules, on the merged values.
    merged = dict(current or {})
    merged.update(out)
    if "commune" in out:
        c = out.pop("commune")
        out["commune_insee"] = c[0] if c else None
        if c and not merged.get("territory"):
            out["territory"] = c[1]
            merged["territory"] = c[1]
    start, end = merged.get("start_date"), merged.get("end_date")
    if isinstance(start, date):
        if start.year < 2015:
            errors.append(ValidationError("start_date", "date trop ancienne : vérifiez l'année.", LABELS["start_date"]))
        if end is None:
            out["end_date"] = end = start
        if end < start:
            errors.append(ValidationError("end_date", "la fin précède le début.", LABELS["end_date"]))
        elif (end - start).days >= MAX_DAYS:
            errors.append(ValidationError("end_date", f"une session dure {MAX_DAYS} jours au plus.", LABELS["end_date"]))
    if merged.get("start_time") and merged.get("end_time") and merged["end_time"] <= merged["start_time"]:
        errors.append(ValidationError("end_time", "l'heure de fin précède l'heure de début.", LABELS["end_time"]))
    if not partial and not merged.get("territory"):
        errors.append(ValidationError("territory", "indiquez le territoire ou la commune du lieu.", LABELS["territory"]))
    if errors:
        raise ValidationErrors(errors)
    return out


# --- seats and waiting list ------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """One registration as the seat rules see it."""

    id: str
    status: RegistrationStatus
    registered_at: datetime


def status_for_new(registered: int, capacity: int) -> RegistrationStatus:
    return RegistrationStatus.REGISTERED if registered < capacity else RegistrationStatus.WAITING


def waiting_order(seats: Iterable[Seat]) -> list[Seat]:
    """The waiting list, first in first."""
    return sorted((s for s in seats if s.status is RegistrationStatus.WAITING), key=lambda s: (s.registered_at, s.id))


def to_promote(seats: Iterable[Seat], capacity: int) -> list[Seat]:
    """Who leaves the waiting list now that seats are free (first in, first promoted)."""
    seats = list(seats)
    registered = sum(1 for s in seats if s.status is RegistrationStatus.REGISTERED)
    free = max(0, capacity - registered)
    return waiting_order(seats)[:free]


def waiting_positions(seats: Iterable[Seat]) -> dict[str, int]:
    return {s.id: i + 1 for i, s in enumerate(waiting_order(seats))}


# --- how a registration moves the pathway ----------------------------------------------------


def registration_actions(p: Pathway, stage: Stage, start: date, end: date, session_id: str, today: date, *,
                         waiting: bool = False) -> list[Action]:
    """Pathway actions that follow a registration: the stage's step is proposed if needed and,
    unless on the waiting list, planned on the session's dates. Raises ``TransitionRefused`` when
    the pathway cannot follow (another step open, stages to skip)."""
    from conseiller_app.domain import pathway as P

    o = p.open_step
    if o is not None and o.stage is stage and o.status in (P.S.PROPOSED, P.S.PLANNED):
        if waiting:
            return []
        if o.status is P.S.PLANNED and o.session_id == session_id:
            return []
        return [P.Plan(start, end, session_id)]
    if o is not None:
        raise P.TransitionRefused(
            f"l'étape « {o.stage.label} » est {o.status.label.lower()} ; mettez le parcours à jour dans l'onglet "
            "Parcours.", code="registration_other_step")
    actions: list[Action] = [P.Propose(stage, today)]
    if not waiting:
        actions.append(P.Plan(start, end, session_id))
    return actions


def withdrawal_actions(p: Pathway, session_id: str) -> list[Action]:
    """Unregistered: the step planned on this session goes back to proposée."""
    from conseiller_app.domain import pathway as P

    o = p.open_step
    if o is not None and o.status is P.S.PLANNED and o.session_id == session_id:
        return [P.Unplan()]
    return []


def attendance_actions(p: Pathway, session_id: str, attendance: str, start: date, end: date, today: date) -> list[Action]:
    """Pathway actions once a session's attendance is final: present → réalisée (or en cours while
    a multi-day session goes on), absent → non réalisée (absent), excusé → back to proposée so the
    person can join another session."""
    from conseiller_app.domain import pathway as P
    from conseiller_app.domain.enums import Attendance, StepReason

    o = p.open_step
    if o is None or o.session_id != session_id or not o.status.is_active:
        return []
    att = Attendance(attendance)
    if att is Attendance.PRESENT:
        actions: list[Action] = []
        if o.status is not P.S.IN_PROGRESS and start <= today:
            actions.append(P.Start(start))
        if end <= today:
            actions.append(P.Complete(end))
        return actions
    if o.status is P.S.IN_PROGRESS:
        return []  # left during a multi-day session: the conseiller decides (abandon, suspend)
    if att is Attendance.ABSENT:
        return [P.NotDone(StepReason.ABSENT)]
    return [P.Unplan()] if o.status is P.S.PLANNED else []


def attendance_unchanged_reason(p: Pathway, session_id: str, attendance: str, start: date, end: date, today: date) -> str:
    """Why ``attendance_actions`` has nothing to do for this person, in French, so that
    « Reporter les présences » says it per person instead of skipping them silently."""
    from conseiller_app.domain import pathway as P
    from conseiller_app.domain.enums import Attendance

    o = p.open_step
    att = Attendance(attendance)
    if o is not None and o.session_id == session_id and o.status.is_active:
        if att is Attendance.PRESENT and start > today:
            return "la session n'a pas encore commencé."
        if att is Attendance.PRESENT:
            return "la session n'est pas terminée : l'étape reste « En cours »."
        if o.status is P.S.IN_PROGRESS:
            return ("partie pendant une session de plusieurs jours : décidez dans l'onglet Parcours (abandon, "
                    "suspension).")
        return f"l'étape est déjà « {o.status.label} »."
    if att is Attendance.EXCUSED and o is not None and o.status is P.S.PROPOSED:
        return f"excusé·e : l'étape « {o.stage.label} » est à reprogrammer (proposée)."
    mine = [s for s in p.steps if s.session_id == session_id]
    if mine and not mine[-1].status.is_open:
        return f"déjà reporté (étape « {mine[-1].stage.label} » {mine[-1].status.label.lower()})."
    if o is None:
        return "son parcours n'a pas d'étape en cours (parcours clôturé ou sans étape ouverte)."
    return (f"son étape en cours (« {o.stage.label} », {o.status.label.lower()}) ne porte pas sur cette session : "
            "mettez le parcours à jour dans l'onglet Parcours si besoin.")
