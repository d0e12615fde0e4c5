"""Read-only access to the reference data for forms and filters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from conseiller_app.storage import models as m
from conseiller_app.storage.services.context import Context


def territories(ctx: Context) -> list[tuple[str, str]]:
    with ctx.vault.session() as s:
        return [(t.code, t.name) for t in s.scalars(select(m.Territory).order_by(m.Territory.name))]


def communes(ctx: Context) -> list[dict[str, Any]]:
    c = m.Commune
    with ctx.vault.session() as s:  # columns, not 887 ORM objects: asked for at every unlock
        return [
            {"insee": insee, "name": name, "postal_codes": postal_codes, "territory": territory}
            for insee, name, postal_codes, territory in s.execute(
                select(c.insee, c.name, c.postal_codes, c.territory).order_by(c.search_name))
        ]


def conseillers(ctx: Context) -> list[tuple[str, str]]:
    with ctx.vault.session() as s:
        return [(c.id, c.name) for c in s.scalars(select(m.Conseiller).where(m.Conseiller.deleted_at.is_(None))
                                                  .order_by(m.Conseiller.name))]


def offers(ctx: Context) -> list[dict[str, Any]]:
    with ctx.vault.session() as s:
        return [{"code": o.code, "name": o.name, "barrier": o.barrier} for o in s.scalars(select(m.Offer))]


def agencies(ctx: Context) -> list[dict[str, Any]]:
    with ctx.vault.session() as s:
        return [
            {
                "id": a.id,
                "name": a.name,
                "territory": a.territory,
                "trades": list(a.trades),
                "illustrative": a.illustrative,
            }
            for a in s.scalars(select(m.Agency).where(m.Agency.deleted_at.is_(None)).order_by(m.Agency.name))
        ]


def chantiers(ctx: Context) -> list[tuple[str, str]]:
    """(code, name) of the grands chantiers (CSNE, ERBM, other)."""
    with ctx.vault.session() as s:
        return [(c.code, c.name) for c in s.scalars(select(m.Chantier).order_by(m.Chantier.name))]


def trades(ctx: Context) -> list[dict[str, Any]]:
    """Trades (métiers) with their ROME code and chantier, by name."""
    with ctx.vault.session() as s:
        return [{"code": t.code, "name": t.name, "rome": t.rome, "chantier": t.chantier}
                for t in s.scalars(select(m.Trade).order_by(m.Trade.name))]
