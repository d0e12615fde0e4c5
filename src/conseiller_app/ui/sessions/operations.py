"""Operations of the Ateliers page, run on the database worker (``worker.submit(op, ...)`` calls
``op(ctx, ...)``). Each composes services and returns plain data: no widget, no ORM object."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from conseiller_app.domain.text import fold
from conseiller_app.storage.services import reference, search, sessions


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


def search_people(ctx, text: str, limit: int = 30) -> list[dict]:
    """Files matching a name (registration, referral): id, names, age, commune, territory."""
    return search.search(ctx, text, limit=limit)


def register(ctx, session_id: str, beneficiary_id: str) -> dict[str, Any]:
    out = sessions.register(ctx, session_id, beneficiary_id)
    out["session"] = sessions.get(ctx, session_id)
    return out


def withdraw(ctx, session_id: str, beneficiary_id: str) -> dict[str, Any]:
    out = sessions.withdraw(ctx, session_id, beneficiary_id)
    out["session"] = sessions.get(ctx, session_id)
    return out
