"""Search of beneficiary files: accent- and case-insensitive prefix search on names, commune
and CAF number, filters, sorting; ids first, rows on demand (for lazy lists)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, intersect, select

from conseiller_app.domain.enums import BarrierStatus, FileStatus, Public, Stage
from conseiller_app.domain.text import query_tokens
from conseiller_app.domain.validation import age_on
from conseiller_app.storage import models as m
from conseiller_app.storage.services.context import Context

SORT_KEYS = ("name", "age", "commune", "stage", "last_contact")
_STAGE_ORDER = case({s.value: s.order for s in Stage}, value=m.Beneficiary.current_stage, else_=0)


@dataclass(frozen=True)
class Filters:
    territory: str | None = None
    public: str | None = None
    stage: str | None = None
    barrier_type: str | None = None  # an open barrier of this type
    referent_id: str | None = None
    include_archived: bool = False


@dataclass(frozen=True)
class Query:
    text: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: str = "name"
    descending: bool = False


def _upper_bound(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _statement(q: Query):
    b = m.Beneficiary
    stmt = select(b.id).where(b.deleted_at.is_(None))
    f = q.filters
    if not f.include_archived:
        stmt = stmt.where(b.status == FileStatus.ACTIVE.value)
    tokens = query_tokens(q.text)
    if tokens:
        t = m.BeneficiaryToken
        subs = [select(t.beneficiary_id).where(t.token >= tok, t.token < _upper_bound(tok)) for tok in tokens]
        matching = subs[0] if len(subs) == 1 else intersect(*subs)
        stmt = stmt.where(b.id.in_(matching))
    needs_commune = f.territory or q.sort == "commune"
    if needs_commune:
        stmt = stmt.join(m.Commune, m.Commune.insee == b.commune_insee)
    if f.territory:
        stmt = stmt.where(m.Commune.territory == f.territory)
    if f.public:
        stmt = stmt.where(b.public == f.public)
    if f.stage:
        stmt = stmt.where(b.current_stage == f.stage)
    if f.referent_id:
        stmt = stmt.where(b.referent_id == f.referent_id)
    if f.barrier_type:
        open_statuses = [s.value for s in BarrierStatus if s.is_open]
        stmt = stmt.where(exists().where(and_(
            m.Barrier.beneficiary_id == b.id, m.Barrier.type == f.barrier_type,
            m.Barrier.status.in_(open_statuses), m.Barrier.deleted_at.is_(None),
        )))
    key = {
        "name": b.sort_name,
        "age": b.birth_date,
        "commune": m.Commune.name if needs_commune else b.commune_insee,
        "stage": _STAGE_ORDER,
        "last_contact": b.last_contact,
    }[q.sort if q.sort in SORT_KEYS else "name"]
    # Age ascending means youngest first, i.e. the latest birth date first.
    descending = q.descending != (q.sort == "age")
    order = [key.desc() if descending else key.asc()]
    if q.sort != "name":
        order.append(b.sort_name.asc())
    return stmt.order_by(*order)


def ids_statement(q: Query, limit: int | None = None):
    """The statement :func:`search_ids` runs (public for the benchmarks' raw-SQL baseline)."""
    stmt = _statement(q)
    if limit:
        stmt = stmt.limit(limit)
    return stmt


def search_ids(ctx: Context, q: Query, limit: int | None = None) -> list[str]:
    with ctx.vault.session() as s:
        return list(s.scalars(ids_statement(q, limit)))


ROW_FIELDS = ("id", "last_name", "first_name", "age", "public", "public_label", "commune_name", "territory",
              "stage", "stage_label", "last_contact", "caf_number", "to_complete", "status")


def rows_statement(ids: list[str]):
    """The statement :func:`rows` runs (public for the benchmarks' raw-SQL baseline)."""
    b = m.Beneficiary
    return (
        select(b.id, b.last_name, b.first_name, b.birth_date, b.public, m.Commune.name, m.Commune.territory,
               b.current_stage, b.last_contact, b.caf_number, b.to_complete, b.status)
        .join(m.Commune, m.Commune.insee == b.commune_insee)
        .where(b.id.in_(ids))
    )


def rows(ctx: Context, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The list columns of the given files, keyed by id (order is the caller's)."""
    if not ids:
        return {}
    today: date = ctx.today()
    out = {}
    with ctx.vault.session() as s:
        for r in s.execute(rows_statement(ids)):
            out[r[0]] = {
                "id": r[0], "last_name": r[1], "first_name": r[2], "age": age_on(r[3], today),
                "public": r[4], "public_label": Public(r[4]).label, "commune_name": r[5], "territory": r[6],
                "stage": r[7], "stage_label": Stage(r[7]).label, "last_contact": r[8], "caf_number": r[9],
                "to_complete": r[10], "status": r[11],
            }
    return out


def search(ctx: Context, text: str, limit: int = 50, filters: Filters | None = None) -> list[dict[str, Any]]:
    """Convenience for the CLI: the first ``limit`` matching rows in name order."""
    ids = search_ids(ctx, Query(text=text, filters=filters or Filters()), limit=limit)
    found = rows(ctx, ids)
    return [found[i] for i in ids if i in found]
