"""Operations of the Orientations page, run on the database worker (``op(ctx, ...)``). Each
composes services and returns their typed results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from conseiller_app.domain.text import fold
from conseiller_app.storage.services import followup, reference, referrals

OPEN_ONLY = "__en_cours__"  # status filter value: every status that is not final


@dataclass(frozen=True)
class ReferralQuery:
    status: str | None = None
    agency_id: str | None = None
    territory: str | None = None
    scheme: str | None = None
    no_news_only: bool = False

    def filters(self) -> dict[str, Any]:
        out: dict[str, Any] = {"agency_id": self.agency_id, "territory": self.territory, "scheme": self.scheme,
                               "status": None if self.status == OPEN_ONLY else self.status}
        out = {k: v for k, v in out.items() if v is not None}
        if self.no_news_only:
            out["no_news_only"] = True
        if self.status == OPEN_ONLY:
            out["include_final"] = False
        return out


def environment(ctx) -> dict[str, Any]:
    return {
        "today": ctx.today,
        "actor": dict(ctx.actor),
        "territories": reference.territories(ctx),
        "agencies": referrals.agencies(ctx),
        "trades": sorted(reference.trades(ctx), key=lambda t: fold(t["name"])),
    }


def referral_ids(ctx, query: ReferralQuery) -> list[str]:
    return referrals.referral_ids(ctx, **query.filters())


def referral_rows(ctx, ids: list[str]) -> dict[str, referrals.ReferralRow]:
    return referrals.rows(ctx, ids)


def no_news_count(ctx) -> int:
    """How many referrals await news for 30 days or more (the view's tab says it)."""
    return len(referrals.referral_ids(ctx, no_news_only=True))


def create(ctx, beneficiary_id: str, agency_id: str, scheme: str, trades: list[str], barriers_summary: str,
           send: bool) -> referrals.ReferralCreated:
    """Raises ``ConsentRequired`` without a valid consent for this agency."""
    return referrals.create(ctx, beneficiary_id, agency_id, scheme, trades=trades, barriers_summary=barriers_summary,
                            send=send)


def record_consent(ctx, beneficiary_id: str, partner_kind: str, partner_name: str, partner_id: str | None,
                   scope: list[str], given_on: date) -> str:
    return followup.record_consent(ctx, beneficiary_id, partner_kind=partner_kind, partner_name=partner_name,
                                   partner_id=partner_id, scope=scope, given_on=given_on)


@dataclass(frozen=True)
class StatusResult:
    """A status change with the referral as it now is (the page shows it at once)."""

    change: referrals.StatusChanged
    row: referrals.ReferralDetail

    @property
    def pathway_note(self) -> str | None:
        return self.change.pathway_note


def set_status(ctx, referral_id: str, status: str, on: date, refusal_reason: str | None,
               result: str | None) -> StatusResult:
    out = referrals.set_status(ctx, referral_id, status, on=on, refusal_reason=refusal_reason, result=result)
    return StatusResult(out, referrals.get(ctx, referral_id))
