"""Operations of the Ateliers page, run on the database worker (``worker.submit(op, ...)`` calls
``op(ctx, ...)``). Each composes services and returns their typed results: no widget, no ORM
object."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from conseiller_app.domain import facts as fact_rules
from conseiller_app.domain.enums import SessionKind
from conseiller_app.domain.errors import NotFound, ValidationError
from conseiller_app.domain.text import fold
from conseiller_app.storage.services import facts, reference, search, sessions
from conseiller_app.ui.widgets.funding_box import FundingChanges, apply_funding, check_changes


@dataclass(frozen=True)
class SessionQuery:
    """The filters of the sessions list and calendar."""

    kind: str | None = None
    territory: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    chantier: str | None = None
    trade: str | None = None
    with_seats: bool = False

    def filters(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, False)}


def environment(ctx) -> dict[str, Any]:
    """What the page needs once per opened vault: clock, conseiller, reference lists."""
    return {
        "today": ctx.today,
        "actor": dict(ctx.actor),
        "territories": reference.territories(ctx),
        "communes": reference.communes(ctx),
        "chantiers": reference.chantiers(ctx),
        "trades": sorted(reference.trades(ctx), key=lambda t: fold(t["name"])),
        "agencies": reference.agencies(ctx),  # SPOTT's agencies, « positionné par l'agence »
    }


def session_ids(ctx, query: SessionQuery) -> list[str]:
    return sessions.session_ids(ctx, **query.filters())


def session_rows(ctx, ids: list[str]) -> dict[str, sessions.SessionRow]:
    return sessions.rows(ctx, ids)


def month_sessions(ctx, query: SessionQuery, first: date, last: date) -> list[sessions.SessionRow]:
    """The sessions overlapping a month (calendar view), with the list's other filters."""
    filters = query.filters()
    filters.update(date_from=first, date_to=last)
    return sessions.list_sessions(ctx, **filters)


def search_people(ctx, text: str, limit: int = 30) -> list[search.FileRow]:
    """Files matching a name (registration, referral): id, names, age, commune, territory."""
    return search.search(ctx, text, limit=limit)


@dataclass(frozen=True)
class SessionSaved:
    """A session created or edited: its id, the people promoted from the waiting list (a larger
    capacity), French warnings (dates, SPOTT details or funding not saved), funding lines written."""

    id: str
    promoted: tuple[sessions.Promoted, ...] = ()
    warnings: tuple[str, ...] = ()
    version: int | None = None
    funding_changed: int = 0


@dataclass(frozen=True)
class RegisterResult:
    """A registration with the session as it now is."""

    registration: sessions.Registered
    pathway_note: str | None
    session: sessions.SessionDetail

    @property
    def status(self) -> str:
        return self.registration.status

    @property
    def position(self) -> int | None:
        return self.registration.position


@dataclass(frozen=True)
class WithdrawResult:
    """A withdrawal with the session as it now is."""

    promoted: tuple[sessions.Promoted, ...]
    pathway_note: str | None
    session: sessions.SessionDetail


def save_session(ctx, session_id: str | None, data: dict[str, Any], expected_version: int | None = None,
                 spott: dict[str, Any] | None = None, funding: FundingChanges | None = None) -> SessionSaved:
    """Create (``session_id`` None) or edit a session, with its SPOTT details (``spott``, SPOTT
    sessions only) and its funding lines. Everything is checked before the first write; a write
    refused afterwards (an agency removed from the directory meanwhile) is reported in the
    result's ``warnings``, the session itself being saved."""
    if spott is not None:
        if not data.get("chantier"):
            raise ValidationError("chantier", "précisez le chantier du SPOTT (CSNE, ERBM ou autre).", "Chantier")
        fact_rules.check_spott(spott, ctx.today())
    check_changes(ctx, "session", funding)
    if session_id is None:
        created = sessions.create(ctx, data)
        out = SessionSaved(created.id, warnings=created.warnings)
    else:
        updated = sessions.update(ctx, session_id, data, expected_version=expected_version)
        out = SessionSaved(session_id, updated.promoted, updated.warnings, updated.version)
    try:
        if spott is not None and data.get("kind") == SessionKind.SPOTT.value:
            facts.set_spott(ctx, out.id, spott)
        out = replace(out, funding_changed=apply_funding(ctx, "session", out.id, funding))
    except (ValidationError, NotFound) as exc:
        out = replace(out, warnings=(*out.warnings, "session enregistrée, mais les informations SPOTT ou les "
                                     f"financements ne l'ont pas été ({exc})."))
    return out


def register(ctx, session_id: str, beneficiary_id: str, positioned_by: str | None = None) -> RegisterResult:
    """Register a person; ``positioned_by``: the agency that positioned them on this preparatory
    action (indicator 2), recorded on the registration."""
    out = sessions.register(ctx, session_id, beneficiary_id)
    pathway_note = out.pathway_note
    if positioned_by:
        try:
            facts.set_positioning(ctx, session_id, beneficiary_id, positioned_by)
        except (ValidationError, NotFound) as exc:
            note = f"L'agence qui l'a positionné·e n'a pas été enregistrée ({exc})."
            pathway_note = " ".join(x for x in (pathway_note, note) if x)
    return RegisterResult(out, pathway_note, sessions.get(ctx, session_id))


def withdraw(ctx, session_id: str, beneficiary_id: str) -> WithdrawResult:
    out = sessions.withdraw(ctx, session_id, beneficiary_id)
    return WithdrawResult(out.promoted, out.pathway_note, sessions.get(ctx, session_id))


def set_positioning(ctx, session_id: str, beneficiary_id: str, agency_id: str | None) -> sessions.SessionDetail:
    """Change (``agency_id``) or clear (None) the agency that positioned a registered person on
    this preparatory action (indicator 2), as ``conseiller positioning set`` does (audited,
    journaled); returns the session as it now is."""
    facts.set_positioning(ctx, session_id, beneficiary_id, agency_id)
    return sessions.get(ctx, session_id)
