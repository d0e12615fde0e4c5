"""Ateliers and sessions: create and edit them, register beneficiaries (waiting list when full,
first in first promoted), take attendance one tap at a time, add walk-ins, and let each
registration move the person's pathway when it can.

In-transaction API for the other services: ``load_session_in``, ``register_in``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from conseiller_app.domain import beneficiary as file_rules
from conseiller_app.domain import sessions as rules
from conseiller_app.domain.enums import (
    Attendance,
    FileStatus,
    FundingTarget,
    Organiser,
    Prescriber,
    Public,
    RegistrationStatus,
    SessionKind,
    Stage,
)
from conseiller_app.domain.errors import DuplicateFile, NotFound, ValidationError
from conseiller_app.domain.pathway import Pathway, TransitionRefused
from conseiller_app.domain.text import fold
from conseiller_app.storage import models as m
from conseiller_app.storage.journal import audit
from conseiller_app.storage.services import pathway as pathway_service
from conseiller_app.storage.services.beneficiaries import commune_resolver, duplicates_in, reindex, sort_name
from conseiller_app.storage.services.beneficiaries import load_in as load_file
from conseiller_app.storage.services.context import Context

REG = RegistrationStatus


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A session as the lists show it, with its seats; ``warnings``: public holidays and weekends
    in its dates (French). ``fpett_validated_on``, ``opco``, ``agencies``: the SPOTT details
    (``facts.set_spott``)."""

    id: str
    kind: str
    kind_label: str
    title: str
    start_date: date
    end_date: date
    place: str
    commune_insee: str | None
    commune_name: str
    territory: str
    territory_name: str
    organiser: str
    organiser_label: str
    organiser_name: str
    capacity: int
    chantier: str | None
    chantier_name: str
    trades: tuple[str, ...]
    trade_names: tuple[str, ...]
    registered: int
    waiting: int
    seats_left: int
    warnings: tuple[str, ...]
    start_time: str | None
    end_time: str | None
    fpett_validated_on: date | None
    opco: str | None
    agencies: tuple[str, ...]
    version: int


@dataclass(frozen=True, slots=True)
class Participant:
    """A registration of a session (registered, waiting or withdrawn)."""

    registration_id: str
    beneficiary_id: str
    last_name: str
    first_name: str
    sort_name: str
    status: str
    status_label: str
    attendance: str | None
    attendance_label: str
    walk_in: bool
    to_complete: bool
    registered_at: datetime
    position: int | None
    version: int
    #: The agency that positioned the person on this preparatory action (indicator 2,
    #: ``facts.set_positioning``) and its name in the directory ("" when none).
    positioned_by_agency_id: str | None = None
    positioned_by_agency_name: str = ""


@dataclass(frozen=True, slots=True)
class SessionDetail(SessionRow):
    """A session with its participants (registered, then the waiting list in order);
    ``agency_names``: the names of the SPOTT ``agencies`` (same order); ``funding_cents`` and
    ``funding_lines``: the total and the number of the session's funding lines (``facts.add_funding``)."""

    participants: tuple[Participant, ...]
    agency_names: tuple[str, ...]
    funding_cents: int
    funding_lines: int


@dataclass(frozen=True, slots=True)
class AttendanceSheet(SessionDetail):
    """What the attendance sheet prints: the registered participants only, and the conseiller."""

    conseiller: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SessionCreated:
    """A new session; ``warnings``: public holidays and weekends in its dates, in French
    (scheduling on them is allowed, the page shows the warning)."""

    id: str
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Promoted:
    """Someone moved from the waiting list to a freed seat."""

    beneficiary_id: str
    registration_id: str
    pathway_note: str | None


@dataclass(frozen=True, slots=True)
class SessionUpdated:
    version: int
    promoted: tuple[Promoted, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Registered:
    """A registration: its status, the waiting-list position, and a French ``pathway_note``
    when the pathway could not follow."""

    registration_id: str
    beneficiary_id: str
    status: str
    status_label: str
    position: int | None
    pathway_note: str | None


@dataclass(frozen=True, slots=True)
class Withdrawn:
    promoted: tuple[Promoted, ...]
    pathway_note: str | None


@dataclass(frozen=True, slots=True)
class AttendanceSet:
    registration_id: str
    attendance: str | None
    version: int


@dataclass(frozen=True, slots=True)
class ResultNote:
    beneficiary_id: str
    note: str


@dataclass(frozen=True, slots=True)
class PersonResult:
    """What :func:`record_results` did to one participant's pathway: ``outcome`` is ``updated``,
    ``unchanged`` (``detail`` says why), ``refused`` (``detail`` says why) or ``not_pointed``."""

    beneficiary_id: str
    last_name: str
    first_name: str
    attendance: str | None
    outcome: str
    detail: str


@dataclass(frozen=True, slots=True)
class ResultsRecorded:
    updated: int
    notes: tuple[ResultNote, ...]
    attendance_missing: int
    people: tuple[PersonResult, ...]


def _commune_territory_resolver(s: Session) -> Callable[[str], list[tuple[str, str]]]:
    names = commune_resolver(s)

    def resolve(text: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for insee in names(text):
            c = s.get(m.Commune, insee)
            if c is not None:
                out.append((c.insee, c.territory))
        return out

    return resolve


def _validate(s: Session, ctx: Context, data: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    return rules.validate(
        data, today=ctx.today(),
        territories=dict(s.execute(select(m.Territory.code, m.Territory.name)).all()),
        chantiers=s.scalars(select(m.Chantier.code)).all(),
        trades=s.scalars(select(m.Trade.code)).all(),
        resolve_commune=_commune_territory_resolver(s),
        current=current,
    )


def load_session_in(s: Session, session_id: str) -> m.AtelierSession:
    x = s.get(m.AtelierSession, session_id)
    if x is None or x.deleted_at is not None:
        raise NotFound("Cette session n'existe pas (ou plus).")
    return x


def _registrations(s: Session, session_id: str) -> list[m.Registration]:
    return list(s.scalars(select(m.Registration).where(m.Registration.session_id == session_id,
                                                       m.Registration.deleted_at.is_(None))))


def _seats(regs: list[m.Registration]) -> list[rules.Seat]:
    return [rules.Seat(r.id, REG(r.status), r.registered_at) for r in regs]


def _stage_of(x: m.AtelierSession) -> Stage | None:
    return rules.STAGE_OF_KIND.get(SessionKind(x.kind))


def _now() -> datetime:
    return m.utcnow()


# --- sessions ----------------------------------------------------------------------------------


def _warnings(x: m.AtelierSession) -> tuple[str, ...]:
    return tuple(w["message"] for w in rules.schedule_warnings(x.start_date, x.end_date))


def create(ctx: Context, data: dict[str, Any]) -> SessionCreated:
    """Create a session."""
    with ctx.vault.session() as s:
        clean = _validate(s, ctx, data)
        x = m.AtelierSession(**{"id": m.new_id(), "organiser_name": "", "place": "", "trades": [], **clean})
        s.add(x)
        s.flush()
        audit(s, ctx.actor_id, "session_created", "atelier_session", x.id, None, {"fields": sorted(clean)})
        return SessionCreated(x.id, _warnings(x))


def update(ctx: Context, session_id: str, data: dict[str, Any], expected_version: int | None = None) -> SessionUpdated:
    """Edit a session. A larger capacity promotes people from the waiting list; a capacity below
    the number registered is refused."""
    with ctx.vault.session() as s:
        x = load_session_in(s, session_id)
        if expected_version is not None and x.version != expected_version:
            raise ValidationError("version", "cette session a été modifiée entre-temps : rechargez-la.", "Session")
        current = {c: getattr(x, c) for c in ("kind", "title", "start_date", "end_date", "territory", "capacity",
                                              "start_time", "end_time")}
        clean = _validate(s, ctx, data, current=current)
        regs = _registrations(s, session_id)
        registered = sum(1 for r in regs if r.status == REG.REGISTERED.value)
        if "capacity" in clean and clean["capacity"] < registered:
            raise ValidationError("capacity", f"{registered} personnes sont inscrites : désinscrivez-en avant de "
                                  "réduire la capacité.", "Capacité")
        changed = [k for k, val in clean.items() if getattr(x, k) != val]
        for k in changed:
            setattr(x, k, clean[k])
        promoted = _promote(s, ctx, x, regs) if "capacity" in changed else ()
        s.flush()
        if changed:
            audit(s, ctx.actor_id, "session_updated", "atelier_session", x.id, None, {"fields": sorted(changed)})
        return SessionUpdated(x.version, promoted, _warnings(x))


def _session_fields(x: m.AtelierSession, counts: dict[str, int], names: dict[str, dict[str, str]]) -> dict[str, Any]:
    registered = counts.get(REG.REGISTERED.value, 0)
    return {
        "id": x.id, "kind": x.kind, "kind_label": SessionKind(x.kind).label, "title": x.title,
        "start_date": x.start_date, "end_date": x.end_date, "place": x.place, "commune_insee": x.commune_insee,
        "commune_name": names["commune"].get(x.commune_insee or "", ""), "territory": x.territory,
        "territory_name": names["territory"].get(x.territory, x.territory), "organiser": x.organiser,
        "organiser_label": Organiser(x.organiser).label, "organiser_name": x.organiser_name, "capacity": x.capacity,
        "chantier": x.chantier, "chantier_name": names["chantier"].get(x.chantier or "", ""),
        "trades": tuple(x.trades or ()), "trade_names": tuple(names["trade"].get(t, t) for t in x.trades or ()),
        "registered": registered, "waiting": counts.get(REG.WAITING.value, 0),
        "seats_left": max(0, x.capacity - registered),
        "warnings": _warnings(x),
        "start_time": x.start_time, "end_time": x.end_time,
        # SPOTT details (``facts.set_spott``): FPETT's prior validation, the OPCO, the agencies (ids).
        "fpett_validated_on": x.fpett_validated_on, "opco": x.opco, "agencies": tuple(x.agencies or ()),
        "version": x.version,
    }


def _names(s: Session, communes: set[str]) -> dict[str, dict[str, str]]:
    return {
        "territory": dict(s.execute(select(m.Territory.code, m.Territory.name)).all()),
        "chantier": dict(s.execute(select(m.Chantier.code, m.Chantier.name)).all()),
        "trade": dict(s.execute(select(m.Trade.code, m.Trade.name)).all()),
        "commune": dict(s.execute(select(m.Commune.insee, m.Commune.name).where(m.Commune.insee.in_(communes))).all())
        if communes else {},
    }


def _list_statement(columns: tuple[Any, ...], *, kind: str | None = None, territory: str | None = None,
                    date_from: date | None = None, date_to: date | None = None,
                    chantier: str | None = None) -> Select[*tuple[Any, ...]]:
    x = m.AtelierSession
    q = select(*columns).where(x.deleted_at.is_(None))
    if kind:
        q = q.where(x.kind == SessionKind.parse(kind).value)
    if territory:
        q = q.where(x.territory == territory)
    if date_from:
        q = q.where(x.end_date >= date_from)
    if date_to:
        q = q.where(x.start_date <= date_to)
    if chantier:
        q = q.where(x.chantier == chantier)
    return q.order_by(x.start_date, x.title, x.id)


def _counts(s: Session, ids: list[str]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for i in range(0, len(ids), 500):
        for sid, status, n in s.execute(
                select(m.Registration.session_id, m.Registration.status, func.count())
                .where(m.Registration.session_id.in_(ids[i:i + 500]), m.Registration.deleted_at.is_(None))
                .group_by(m.Registration.session_id, m.Registration.status)):
            counts.setdefault(sid, {})[status] = n
    return counts


def list_sessions(
    ctx: Context,
    *,
    kind: str | None = None,
    territory: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    with_seats: bool = False,
    chantier: str | None = None,
    trade: str | None = None,
    limit: int | None = None,
) -> list[SessionRow]:
    """Sessions in date order with their seats, filtered as the sessions page and the wizard need.
    The filters run on ids (seats counted from an index); rows are built only for what is returned."""
    ids = session_ids(ctx, kind=kind, territory=territory, date_from=date_from, date_to=date_to,
                      chantier=chantier, trade=trade, with_seats=with_seats)
    if limit:
        ids = ids[:limit]
    found = rows(ctx, ids)
    return [found[i] for i in ids if i in found]


def session_ids(ctx: Context, *, kind: str | None = None, territory: str | None = None,
                date_from: date | None = None, date_to: date | None = None, chantier: str | None = None,
                trade: str | None = None, with_seats: bool = False) -> list[str]:
    """The ids of :func:`list_sessions` in the same order, without their rows (lazy lists);
    rows come by pages with :func:`rows`."""
    x = m.AtelierSession
    q = _list_statement((x.id, x.trades, x.capacity), kind=kind, territory=territory, date_from=date_from,
                        date_to=date_to, chantier=chantier)
    with ctx.vault.session() as s:
        found = [(sid, cap) for sid, trades, cap in s.execute(q) if not trade or trade in (trades or [])]
        if not with_seats:
            return [sid for sid, _ in found]
        registered: dict[str, int] = {}
        ids = [sid for sid, _ in found]
        for i in range(0, len(ids), 500):  # read from ix_registration_seats alone
            registered.update(s.execute(
                select(m.Registration.session_id, func.count())
                .where(m.Registration.session_id.in_(ids[i:i + 500]), m.Registration.status == REG.REGISTERED.value,
                       m.Registration.deleted_at.is_(None))
                .group_by(m.Registration.session_id)).all())
        return [sid for sid, cap in found if registered.get(sid, 0) < cap]


def rows(ctx: Context, ids: list[str]) -> dict[str, SessionRow]:
    """The list rows (as :func:`list_sessions` gives them) of the given sessions, keyed by id."""
    if not ids:
        return {}
    with ctx.vault.session() as s:
        found = [x for i in range(0, len(ids), 500)
                 for x in s.scalars(select(m.AtelierSession).where(m.AtelierSession.id.in_(ids[i:i + 500])))]
        counts = _counts(s, [r.id for r in found])
        names = _names(s, {r.commune_insee for r in found if r.commune_insee})
        return {r.id: SessionRow(**_session_fields(r, counts.get(r.id, {}), names)) for r in found}


def get(ctx: Context, session_id: str) -> SessionDetail:
    """A session with its participants (registered, then the waiting list in order)."""
    with ctx.vault.session() as s:
        x = load_session_in(s, session_id)
        regs = _registrations(s, session_id)
        counts: dict[str, int] = {}
        for r in regs:
            counts[r.status] = counts.get(r.status, 0) + 1
        agencies = _agency_names(s, {*(x.agencies or ()), *(r.positioned_by_agency_id for r in regs)})
        cents, lines = s.execute(select(func.coalesce(func.sum(m.FundingLine.amount_cents), 0), func.count()).where(
            m.FundingLine.target_kind == FundingTarget.SESSION.value, m.FundingLine.target_id == x.id,
            m.FundingLine.deleted_at.is_(None))).one()
        return SessionDetail(**_session_fields(x, counts, _names(s, {x.commune_insee} if x.commune_insee else set())),
                             participants=tuple(_participants(s, regs, agencies)),
                             agency_names=tuple(agencies.get(a, a) for a in x.agencies or ()),
                             funding_cents=int(cents), funding_lines=int(lines))


def _agency_names(s: Session, ids: set[str | None]) -> dict[str, str]:
    """Directory names of agencies, removed ones included (a past positioning keeps its name)."""
    wanted = [i for i in ids if i]
    return dict(s.execute(select(m.Agency.id, m.Agency.name).where(m.Agency.id.in_(wanted))).all()) if wanted else {}


def _participants(s: Session, regs: list[m.Registration], agencies: dict[str, str] | None = None) -> list[Participant]:
    positions = rules.waiting_positions(_seats(regs))
    files = {b.id: b for b in s.scalars(select(m.Beneficiary).where(
        m.Beneficiary.id.in_([r.beneficiary_id for r in regs])))} if regs else {}
    if agencies is None:
        agencies = _agency_names(s, {r.positioned_by_agency_id for r in regs})
    out: list[Participant] = []
    for r in regs:
        b = files.get(r.beneficiary_id)
        out.append(Participant(
            registration_id=r.id, beneficiary_id=r.beneficiary_id,
            last_name=b.last_name if b else "", first_name=b.first_name if b else "",
            sort_name=b.sort_name if b else "", status=r.status, status_label=REG(r.status).label,
            attendance=r.attendance, attendance_label=Attendance(r.attendance).label if r.attendance else "",
            walk_in=r.walk_in, to_complete=bool(b.to_complete) if b else False,
            registered_at=r.registered_at, position=positions.get(r.id), version=r.version,
            positioned_by_agency_id=r.positioned_by_agency_id,
            positioned_by_agency_name=agencies.get(r.positioned_by_agency_id, "") if r.positioned_by_agency_id else "",
        ))
    order = {REG.REGISTERED.value: 0, REG.WAITING.value: 1, REG.WITHDRAWN.value: 2}
    out.sort(key=lambda p: (order[p.status], p.position or 0, p.sort_name))
    return out


def participants(ctx: Context, session_id: str, query: str = "") -> list[Participant]:
    """The attendance list (registered people only), filtered by a quick search on names."""
    with ctx.vault.session() as s:
        load_session_in(s, session_id)
        rows = [p for p in _participants(s, _registrations(s, session_id)) if p.status == REG.REGISTERED.value]
    words = fold(query).split()
    if words:
        rows = [p for p in rows if all(w in fold(f"{p.last_name} {p.first_name}") for w in words)]
    return rows


# --- registrations -----------------------------------------------------------------------------


def _pathway_follow(s: Session, ctx: Context, x: m.AtelierSession, beneficiary_id: str, *, waiting: bool) -> str | None:
    stage = _stage_of(x)
    if stage is None:
        return None
    pathway, _ = pathway_service.load(s, beneficiary_id)
    try:
        actions = rules.registration_actions(pathway, stage, x.start_date, x.end_date, x.id, ctx.today(),
                                             waiting=waiting)
    except TransitionRefused as exc:
        return f"Le parcours n'a pas été mis à jour : {exc.message}"
    return pathway_service.try_apply_in(s, ctx, beneficiary_id, actions, source="inscription")


def register_in(s: Session, ctx: Context, x: m.AtelierSession, beneficiary_id: str, *, walk_in: bool = False,
                attendance: str | None = None) -> Registered:
    """Register a person in the caller's transaction (also the guided orientation's commit)."""
    b = load_file(s, beneficiary_id)
    if b.status != FileStatus.ACTIVE.value:
        raise ValidationError("beneficiary", "ce dossier est archivé : réactivez-le avant de l'inscrire.", "Dossier")
    regs = _registrations(s, x.id)
    mine = next((r for r in regs if r.beneficiary_id == beneficiary_id), None)
    if mine is not None and mine.status != REG.WITHDRAWN.value:
        raise ValidationError("beneficiary", f"la personne est déjà {REG(mine.status).label.lower()} à cette session.",
                              "Inscription")
    registered = sum(1 for r in regs if r.status == REG.REGISTERED.value)
    # A walk-in is in the room: registered even beyond capacity.
    status = REG.REGISTERED if walk_in else rules.status_for_new(registered, x.capacity)
    if mine is None:
        mine = m.Registration(id=m.new_id(), session_id=x.id, beneficiary_id=beneficiary_id)
        s.add(mine)
    mine.status, mine.registered_at, mine.walk_in = status.value, _now(), walk_in
    mine.attendance = Attendance.parse(attendance).value if attendance else None
    s.flush()
    audit(s, ctx.actor_id, "session_registered", "registration", mine.id, beneficiary_id,
          {"status": status.value, "walk_in": walk_in, "session": x.id})
    note = _pathway_follow(s, ctx, x, beneficiary_id, waiting=status is REG.WAITING)
    position = rules.waiting_positions(_seats(_registrations(s, x.id))).get(mine.id)
    return Registered(mine.id, beneficiary_id, status.value, status.label, position, note)


def register(ctx: Context, session_id: str, beneficiary_id: str, *, walk_in: bool = False,
             attendance: str | None = None) -> Registered:
    """Register a person; on the waiting list when the session is full. Returns the status, the
    waiting-list position, and a French ``pathway_note`` when the pathway could not follow."""
    with ctx.vault.session() as s:
        x = load_session_in(s, session_id)
        return register_in(s, ctx, x, beneficiary_id, walk_in=walk_in, attendance=attendance)


def _promote(s: Session, ctx: Context, x: m.AtelierSession, regs: list[m.Registration]) -> tuple[Promoted, ...]:
    by_id = {r.id: r for r in regs}
    promoted = []
    for seat in rules.to_promote(_seats(regs), x.capacity):
        r = by_id[seat.id]
        r.status = REG.REGISTERED.value
        s.flush()
        audit(s, ctx.actor_id, "session_promoted", "registration", r.id, r.beneficiary_id, {"session": x.id})
        note = _pathway_follow(s, ctx, x, r.beneficiary_id, waiting=False)
        promoted.append(Promoted(r.beneficiary_id, r.id, note))
    return tuple(promoted)


def withdraw(ctx: Context, session_id: str, beneficiary_id: str) -> Withdrawn:
    """Unregister a person; the first on the waiting list takes the freed seat."""
    with ctx.vault.session() as s:
        x = load_session_in(s, session_id)
        regs = _registrations(s, session_id)
        mine = next((r for r in regs if r.beneficiary_id == beneficiary_id and r.status != REG.WITHDRAWN.value), None)
        if mine is None:
            raise ValidationError("beneficiary", "la personne n'est pas inscrite à cette session.", "Inscription")
        was = mine.status
        mine.status, mine.attendance = REG.WITHDRAWN.value, None
        s.flush()
        audit(s, ctx.actor_id, "session_withdrawn", "registration", mine.id, beneficiary_id,
              {"session": x.id, "was": was})
        pathway, _ = pathway_service.load(s, beneficiary_id)
        note = pathway_service.try_apply_in(s, ctx, beneficiary_id, rules.withdrawal_actions(pathway, x.id),
                                            source="desinscription")
        promoted = _promote(s, ctx, x, regs) if was == REG.REGISTERED.value else ()
        return Withdrawn(promoted, note)


def set_attendance(ctx: Context, registration_id: str, attendance: str | None) -> AttendanceSet:
    """One tap in attendance mode: présent, absent, excusé (or None to clear). Saved at once."""
    value = None
    if attendance:
        try:
            value = Attendance.parse(attendance).value
        except ValueError:
            raise ValidationError("attendance", "présent, absent ou excusé.", "Présence") from None
    with ctx.vault.session() as s:
        r = s.get(m.Registration, registration_id)
        if r is None or r.deleted_at is not None:
            raise NotFound("Cette inscription n'existe pas (ou plus).")
        if r.status != REG.REGISTERED.value:
            raise ValidationError("attendance", "seules les personnes inscrites (hors liste d'attente) sont pointées.",
                                  "Présence")
        if r.attendance != value:
            r.attendance = value
            s.flush()
            audit(s, ctx.actor_id, "attendance", "registration", r.id, r.beneficiary_id,
                  {"attendance": value, "session": r.session_id})
        return AttendanceSet(r.id, value, r.version)


def add_walk_in(ctx: Context, session_id: str, data: dict[str, Any], *, existing_id: str | None = None,
                create_anyway: bool = False) -> Registered:
    """A person who came without registration: a minimal file (name, first name, birth date;
    commune defaults to the session's), flagged « à compléter », registered and marked present,
    in one transaction. When a file with the same name and birth date exists, nothing is written
    and ``DuplicateFile`` lists it: the conseiller then registers that file (``existing_id``) or
    confirms that this is someone else (``create_anyway``)."""
    fields = {k: val for k, val in data.items() if k in ("last_name", "first_name", "birth_date", "commune",
                                                         "phone", "public")}
    with ctx.vault.session() as s:
        x = load_session_in(s, session_id)
        if existing_id:
            return register_in(s, ctx, x, existing_id, walk_in=True, attendance=Attendance.PRESENT.value)
        today = ctx.today()
        fields.setdefault("public", Public.AUTRE.value)
        if not fields.get("commune") and x.commune_insee:
            fields["commune"] = x.commune_insee
        clean = file_rules.validate(fields, today=today, resolve_commune=commune_resolver(s))
        if not create_anyway:
            matches = duplicates_in(s, {"last_name": clean["last_name"], "first_name": clean["first_name"],
                                        "birth_date": clean["birth_date"]})
            if matches:
                raise DuplicateFile(matches)
        spotted = min(x.start_date, today)
        b = m.Beneficiary(id=m.new_id(), referent_id=ctx.actor_id, status=FileStatus.ACTIVE.value,
                          current_stage=Stage.SPOTTING.value, to_complete=True, prescriber=Prescriber.UNKNOWN.value,
                          spotting_date=spotted, last_contact=today, last_name=clean["last_name"],
                          first_name=clean["first_name"], birth_date=clean["birth_date"], public=clean["public"],
                          commune_insee=clean["commune"], phone=clean.get("phone"))
        b.sort_name = sort_name(b.last_name, b.first_name)
        s.add(b)
        s.flush()
        first = Pathway.new(spotted).steps[0].to_record()
        first.pop("id")
        s.add(m.PathwayStep(id=m.new_id(), beneficiary_id=b.id, **first))
        reindex(s, b)
        audit(s, ctx.actor_id, "create", "beneficiary", b.id, b.id, {"fields": sorted(clean), "walk_in": True})
        return register_in(s, ctx, x, b.id, walk_in=True, attendance=Attendance.PRESENT.value)


def record_results(ctx: Context, session_id: str) -> ResultsRecorded:
    """After the session: move each participant's pathway by their attendance (présent → étape
    réalisée, absent → non réalisée, excusé → à reprogrammer). Safe to run again.

    ``people`` says, for every registered participant, what happened to their pathway
    (:class:`PersonResult`)."""
    with ctx.vault.session() as s:
        x = load_session_in(s, session_id)
        today = ctx.today()
        done, notes, people = 0, [], []
        for r in _registrations(s, session_id):
            if r.status != REG.REGISTERED.value:
                continue
            b = load_file(s, r.beneficiary_id)

            def person(outcome: str, detail: str, r: m.Registration = r, b: m.Beneficiary = b) -> PersonResult:
                return PersonResult(r.beneficiary_id, b.last_name, b.first_name, r.attendance, outcome, detail)

            if not r.attendance:
                people.append(person("not_pointed", "non pointé·e : parcours inchangé."))
                continue
            pathway, _ = pathway_service.load(s, r.beneficiary_id)
            actions = rules.attendance_actions(pathway, x.id, r.attendance, x.start_date, x.end_date, today)
            if not actions:
                people.append(person("unchanged", rules.attendance_unchanged_reason(
                    pathway, x.id, r.attendance, x.start_date, x.end_date, today)))
                continue
            note = pathway_service.try_apply_in(s, ctx, r.beneficiary_id, actions, source="presence")
            if note:
                notes.append(ResultNote(r.beneficiary_id, note))
                people.append(person("refused", note))
            else:
                done += 1
                people.append(person("updated", ""))
        missing = sum(1 for p in people if p.outcome == "not_pointed")
        return ResultsRecorded(done, tuple(notes), missing, tuple(people))


def sheet_data(ctx: Context, session_id: str) -> AttendanceSheet:
    """What the attendance sheet (feuille d'émargement) prints: the session and the registered
    participants' names only. The print is recorded in the audit journal."""
    data = get(ctx, session_id)
    registered = sorted((p for p in data.participants if p.status == REG.REGISTERED.value), key=lambda p: p.sort_name)
    with ctx.vault.session() as s:
        audit(s, ctx.actor_id, "print_attendance_sheet", "atelier_session", session_id, None,
              {"participants": len(registered)})
    fields = {f: getattr(data, f) for f in SessionDetail.__dataclass_fields__ if f != "participants"}
    return AttendanceSheet(**fields, participants=tuple(registered), conseiller=dict(ctx.actor))
