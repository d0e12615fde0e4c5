"""Display formats for dates, counts and the audit journal, in French."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import QLocale

_FRENCH = QLocale(QLocale.Language.French, QLocale.Country.France)


def fr_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def fr_local_datetime(utc_naive: datetime | None) -> str:
    """Journal timestamps are stored in UTC without zone; show them in local time."""
    if utc_naive is None:
        return ""
    local = utc_naive.replace(tzinfo=UTC).astimezone()
    return local.strftime("%d/%m/%Y %H:%M")


def fr_number(n: int) -> str:
    return _FRENCH.toString(n)


def display_name(last_name: str | None, first_name: str | None) -> str:
    """« DUPONT Jean », the usual way files are titled in French social services."""
    last = (last_name or "").strip().upper()
    first = (first_name or "").strip()
    return f"{last} {first}".strip()
