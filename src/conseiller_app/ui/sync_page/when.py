"""Dates of the synchronisation as a conseiller reads them: stored in UTC, shown in local time,
with how long ago in days (counted from the services' 'today')."""

from __future__ import annotations

from datetime import UTC, date, datetime


def local(value: datetime) -> datetime:
    """A naive UTC timestamp of the vault, in this computer's time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone()


def stamp(value: datetime | None) -> str:
    """« 28/11/2026 14:05 », or empty."""
    return local(value).strftime("%d/%m/%Y %H:%M") if value else ""


def days_ago(value: datetime | None, today: date) -> int | None:
    return (today - local(value).date()).days if value else None
