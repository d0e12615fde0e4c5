"""Retention of beneficiary files (durée de conservation): the setting's range, the cut-off date
and which files a purge may take. Pure rules; the vault side is ``storage.services.retention``.

A file is purged (its personal data removed) when its last contact is older than the setting.
The last contact is the latest of: the file's « dernier contact », its spotting date, the actual
dates of its pathway steps, the sessions it attended and the last status change of its referrals
(any of them means someone dealt with the person). A file old by that measure but with something
still running (an open pathway step, a referral not in a final status, a registration to a session
still to come) is listed apart, « à vérifier »: it is never purged unless chosen explicitly.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from conseiller_app.domain.settings import RETENTION

SETTING = RETENTION.key
DEFAULT_MONTHS = RETENTION.default
MONTHS_RANGE = (RETENTION.low, RETENTION.high)
LABEL = RETENTION.label

TO_PURGE = "a_purger"
TO_CHECK = "a_verifier"
KIND_LABELS = {TO_PURGE: "À purger", TO_CHECK: "À vérifier"}


def check_months(value: object) -> int:
    """The setting as an int, or a French ``ValidationError`` outside 1–36 months."""
    return RETENTION.check(value)


def months_or_default(raw: str | None) -> int:
    """The stored setting, falling back on the default when it is missing or damaged."""
    return RETENTION.or_default(raw)


def subtract_months(day: date, months: int) -> date:
    month0 = day.month - 1 - months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cutoff(today: date, months: int) -> date:
    """Files whose last contact is strictly before this day are past their retention."""
    return subtract_months(today, months)


def last_contact(dates: list[date | None]) -> date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


@dataclass
class Review:
    """What the conseiller needs to decide about one file past its retention."""

    kind: str  # a_purger | a_verifier
    reasons: list[str] = field(default_factory=list)


def review(last: date, today: date, *, open_steps: list[str], open_referrals: list[str],
           future_sessions: list[date]) -> Review:
    """Classify a file past its retention. ``open_steps``/``open_referrals`` are French labels."""
    months = (today.year - last.year) * 12 + today.month - last.month - (today.day < last.day)
    checks = []  # what is still running comes first: it is what the conseiller must look at
    if open_steps:
        checks.append("Étape en cours : " + ", ".join(open_steps))
    if open_referrals:
        checks.append("Orientation en cours : " + ", ".join(open_referrals))
    if future_sessions:
        checks.append("Inscrit·e à une session le " + ", ".join(f"{d:%d/%m/%Y}" for d in sorted(future_sessions)))
    return Review(
        TO_CHECK if checks else TO_PURGE, [*checks, f"Sans contact depuis le {last:%d/%m/%Y} ({months} mois)"]
    )
