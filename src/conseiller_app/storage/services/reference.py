"""Read-only access to the reference data for forms and filters."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import select

from conseiller_app.storage import models
from conseiller_app.storage.services.context import Context


class CommuneRef(TypedDict):
    insee: str
    name: str
    postal_codes: str  # space-separated
    territory: str


class OfferRef(TypedDict):
    code: str
    name: str
    barrier: str


class AgencyRef(TypedDict):
    id: str
    name: str
    territory: str | None
    trades: list[str]
    illustrative: bool


class TradeRef(TypedDict):
    code: str
    name: str
    rome: str
    chantier: str


def territories(ctx: Context) -> list[tuple[str, str]]:
    with ctx.vault.session() as s:
        return [(t.code, t.name) for t in s.scalars(select(models.Territory).order_by(models.Territory.name))]


def communes(ctx: Context) -> list[CommuneRef]:
    c = models.Commune
    with ctx.vault.session() as s:  # columns, not 887 ORM objects: asked for at every unlock
        return [
            {"insee": insee, "name": name, "postal_codes": postal_codes, "territory": territory}
            for insee, name, postal_codes, territory in s.execute(
                select(c.insee, c.name, c.postal_codes, c.territory).order_by(c.search_name))
        ]


def conseillers(ctx: Context) -> list[tuple[str, str]]:
    with ctx.vault.session() as s:
        return [(c.id, c.name) for c in s.scalars(select(models.Conseiller).where(models.Conseiller.deleted_at.is_(None))
                                                  .order_by(models.Conseiller.name))]


def offers(ctx: Context) -> list[OfferRef]:
    with ctx.vault.session() as s:
        return [{"code": o.code, "name": o.name, "barrier": o.barrier} for o in s.scalars(select(models.Offer))]


def agencies(ctx: Context) -> list[AgencyRef]:
    with ctx.vault.session() as s:
        return [
            {"id": a.id, "name": a.name, "territory": a.territory, "trades": list(a.trades), "illustrative": a.illustrative}
            for a in s.scalars(select(models.Agency).where(models.Agency.deleted_at.is_(None)).order_by(models.Agency.name))
        ]


def chantiers(ctx: Context) -> list[tuple[str, str]]:
    """(code, name) of the grands chantiers (CSNE, ERBM, other)."""
    with ctx.vault.session() as s:
        return [(c.code, c.name) for c in s.scalars(select(models.Chantier).order_by(models.Chantier.name))]


def trades(ctx: Context) -> list[TradeRef]:
    """Trades (métiers) with their ROME code and chantier, by name."""
    with ctx.vault.session() as s:
        return [{"code": t.code, "name": t.name, "rome": t.rome, "chantier": t.chantier}
                for t in s.scalars(select(models.Trade).order_by(models.Trade.name))]
