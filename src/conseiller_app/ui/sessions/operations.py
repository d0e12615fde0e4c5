"""Operations of the Ateliers page, run on the database worker (``worker.submit(op, ...)`` calls
``op(ctx, ...)``). Each composes services and returns plain data: no widget, no ORM object."""

from __future__ import annotations

from dataclasses import asdict, dataclass
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


def session_rows(ctx, ids: list[str]) -> dict[str, dict]:
    return sessions.rows(ctx, ids)


def month_sessions(ctx, query: SessionQuery, first: date, last: date) -> list[dict]:
    """The sessions overlapping a month (calendar view), with the list's other filters."""
    filters = query.filters()
    filters.update(date_from=first, date_to=last)
    return sessions.list_sessions(ctx, **filters)


def search_people(ctx, text: str, limit: int = 30) -> list[search.FileRow]:
    """Files matching a name (registration, referral): id, names, age, commune, territory."""
    return search.search(ctx, text, limit=limit)


def save_session(ctx, session_id: str | None, data: dict[str, Any], expected_version: int | None = None,
                 spott: dict[str, Any] | None = None, funding: FundingChanges | None = None) -> dict[str, Any]:
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
        out = sessions.create(ctx, data)
        session_id = out["id"]
    else:
        out = dict(sessions.update(ctx, session_id, data, expected_version=expected_version), id=session_id)
    try:
        if spott is not None and data.get("kind") == SessionKind.SPOTT.value:
            facts.set_spott(ctx, session_id, spott)
        out["funding_changed"] = apply_funding(ctx, "session", session_id, funding)
    except (ValidationError, NotFound) as exc:
        out["warnings"] = [*out.get("warnings", []),
                           f"session enregistrée, mais les informations SPOTT ou les financements ne l'ont pas été "
                           f"({exc})."]
    return out


def register(ctx, session_id: str, beneficiary_id: str, positioned_by: str | None = None) -> dict[str, Any]:
    """Register a person; ``positioned_by``: the agency that positioned them on this preparatory
    action (indicator 2), recorded on the registration."""
    out = sessions.register(ctx, session_id, beneficiary_id)
    if positioned_by:
        try:
            facts.set_positioning(ctx, session_id, beneficiary_id, positioned_by)
        except (ValidationError, NotFound) as exc:
            note = f"L'agence qui l'a positionné·e n'a pas été enregistrée ({exc})."
            out["pathway_note"] = " ".join(x for x in (out.get("pathway_note"), note) if x)
    out["session"] = sessions.get(ctx, session_id)
    return out


def withdraw(ctx, session_id: str, beneficiary_id: str) -> dict[str, Any]:
    out = sessions.withdraw(ctx, session_id, beneficiary_id)
    out["session"] = sessions.get(ctx, session_id)
    return out
