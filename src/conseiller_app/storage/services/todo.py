"""The conseiller's "à faire" list for the dashboard: follow-ups due and referrals without news.

Read-only; covers the vault owner's caseload (files whose référent is the owner).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from conseiller_app.domain.enums import FileStatus, ReferralStatus, Stage
from conseiller_app.domain.referral import AWAITING_AGENCY, NO_NEWS_DAYS
from conseiller_app.storage import models
from conseiller_app.storage.services.context import Context

FOLLOWUP_DAYS = 30
REFERRAL_SILENCE_DAYS = NO_NEWS_DAYS
# Referral statuses where the next move is the agency's: no news means someone should call
# (the same list as the referral rules' "no news for 30 days" flag).
WAITING_STATUSES = tuple(s.value for s in AWAITING_AGENCY)
# A closed pathway needs no regular contact (post-exit checks have their own schedule).
_NO_FOLLOWUP_STAGES = (Stage.EXIT.value, Stage.FOLLOW_UP.value)


@dataclass(frozen=True, slots=True)
class FollowupDue:
    """A file of the caseload without contact for too long."""

    beneficiary_id: str
    name: str
    stage_label: str
    last_contact: date
    days: int


@dataclass(frozen=True, slots=True)
class StaleReferral:
    """A referral awaiting the agency without news for too long."""

    referral_id: str
    reference: str
    status_label: str
    status_date: date
    days: int
    beneficiary_id: str
    name: str
    agency: str


@dataclass(frozen=True, slots=True)
class Todo:
    """The dashboard's "à faire" lists; ``files_total`` 0 is a new vault (the first steps shown)."""

    today: date
    followup_days: int
    referral_days: int
    followups: tuple[FollowupDue, ...]
    followups_total: int
    referrals: tuple[StaleReferral, ...]
    referrals_total: int
    referrals_everyone_total: int
    files_total: int


def followups_due(ctx: Context, days: int = FOLLOWUP_DAYS, limit: int = 50) -> tuple[list[FollowupDue], int]:
    """Active files of the owner's caseload with no contact for ``days`` days, oldest first.

    Returns (rows, total); a file never contacted counts from its spotting date.
    """
    b = models.Beneficiary
    today = ctx.today()
    cutoff = today - timedelta(days=days)
    last_seen = func.coalesce(b.last_contact, b.spotting_date)
    where = (
        b.referent_id == ctx.actor_id,
        b.status == FileStatus.ACTIVE.value,
        b.deleted_at.is_(None),
        b.current_stage.not_in(_NO_FOLLOWUP_STAGES),
        last_seen <= cutoff,
    )
    with ctx.vault.session() as s:
        total = s.scalar(select(func.count()).select_from(b).where(*where)) or 0
        stmt = (select(b.id, b.last_name, b.first_name, b.current_stage, last_seen)
                .where(*where).order_by(last_seen.asc(), b.sort_name.asc()).limit(limit))
        rows = [FollowupDue(beneficiary_id=r[0], name=f"{r[1].upper()} {r[2]}", stage_label=Stage(r[3]).label,
                            last_contact=r[4], days=(today - r[4]).days)
                for r in s.execute(stmt)]
    return rows, total


def stale_referrals(ctx: Context, days: int = REFERRAL_SILENCE_DAYS,
                    limit: int = 50) -> tuple[list[StaleReferral], int]:
    """Referrals of the owner's caseload awaiting the agency with no status change for ``days`` days."""
    r, b, a = models.Referral, models.Beneficiary, models.Agency
    today = ctx.today()
    cutoff = today - timedelta(days=days)
    where = (
        b.referent_id == ctx.actor_id,
        r.status.in_(WAITING_STATUSES),
        r.status_date <= cutoff,
        r.deleted_at.is_(None),
        b.deleted_at.is_(None),
    )
    base = select(r.id).join(b, b.id == r.beneficiary_id).where(*where)
    with ctx.vault.session() as s:
        total = s.scalar(select(func.count()).select_from(base.subquery())) or 0
        stmt = (
            select(r.id, r.reference, r.status, r.status_date, b.id, b.last_name, b.first_name, a.name)
            .join(b, b.id == r.beneficiary_id)
            .join(a, a.id == r.agency_id)
            .where(*where)
            .order_by(r.status_date.asc(), r.reference.asc())
            .limit(limit)
        )
        rows = [StaleReferral(referral_id=x[0], reference=x[1], status_label=ReferralStatus(x[2]).label,
                              status_date=x[3], days=(today - x[3]).days, beneficiary_id=x[4],
                              name=f"{x[5].upper()} {x[6]}", agency=x[7])
                for x in s.execute(stmt)]
    return rows, total


def stale_referrals_everyone(ctx: Context, days: int = REFERRAL_SILENCE_DAYS) -> int:
    """How many referrals of the whole vault (every référent) wait for news: the Orientations
    page's count, so that the dashboard can say why its own (the caseload's) differs."""
    r, b = models.Referral, models.Beneficiary
    cutoff = ctx.today() - timedelta(days=days)
    with ctx.vault.session() as s:
        return s.scalar(select(func.count()).select_from(r).join(b, b.id == r.beneficiary_id).where(
            r.status.in_(WAITING_STATUSES), r.status_date <= cutoff, r.deleted_at.is_(None),
            b.deleted_at.is_(None))) or 0


def todo(ctx: Context, limit: int = 50) -> Todo:
    """Everything the dashboard's "à faire" list shows, in one call (one worker round trip)."""
    followups, followups_total = followups_due(ctx, limit=limit)
    referrals, referrals_total = stale_referrals(ctx, limit=limit)
    everyone = stale_referrals_everyone(ctx)
    with ctx.vault.session() as s:
        files = s.scalar(select(func.count()).select_from(models.Beneficiary).where(models.Beneficiary.deleted_at.is_(None))) or 0
    return Todo(today=ctx.today(), followup_days=FOLLOWUP_DAYS, referral_days=REFERRAL_SILENCE_DAYS,
                followups=tuple(followups), followups_total=followups_total, referrals=tuple(referrals),
                referrals_total=referrals_total, referrals_everyone_total=everyone, files_total=files)

