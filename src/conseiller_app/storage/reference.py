"""Loads reference data (shipped, or later received from the central office) into the vault."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from conseiller_app.domain.reference import ReferenceData, load_reference
from conseiller_app.domain.text import fold
from conseiller_app.resources import reference_dir
from conseiller_app.storage import models as m
from conseiller_app.storage.profile import get_setting, set_setting

REFERENCE_VERSION_KEY = "reference_version"


def load_shipped(session: Session) -> ReferenceData:
    data = load_reference(reference_dir())
    replace_reference(session, data)
    return data


def replace_reference(session: Session, data: ReferenceData) -> None:
    """Replace territories, communes, chantiers, trades, schemes and offers; upsert agencies."""
    # Sessions point to chantiers: chantiers are upserted, never deleted.
    for model in (m.Offer, m.Scheme, m.Trade):
        session.execute(delete(model))
    session.add_all(m.Territory(code=c, name=n) for c, n in data.territories.items()
                    if session.get(m.Territory, c) is None)
    for code, name in data.territories.items():
        territory = session.get(m.Territory, code)
        assert territory is not None  # added just above
        territory.name = name
    session.flush()
    existing = {c.insee: c for c in session.scalars(select(m.Commune))}
    for commune in data.communes.values():
        row = existing.get(commune.insee) or m.Commune(insee=commune.insee)
        row.name, row.search_name = commune.name, fold(commune.name)
        row.postal_codes, row.population = " ".join(commune.postal_codes), commune.population
        row.epci, row.territory = commune.epci, commune.territory
        session.add(row)
    for c in data.chantiers:
        chantier = session.get(m.Chantier, c["code"]) or m.Chantier(code=c["code"])
        chantier.name, chantier.description = c["name"], c.get("description", "")
        session.add(chantier)
    session.flush()
    session.add_all(
        m.Trade(code=t["code"], name=t["name"], rome=t["rome"], chantier=t["chantier"]) for t in data.trades
    )
    session.add_all(m.Scheme(code=s["code"], name=s["name"], funder=s["funder"]) for s in data.schemes)
    session.add_all(m.Offer(code=o["code"], name=o["name"], barrier=o["barrier"]) for o in data.offers)
    for a in data.agencies:
        agency = session.get(m.Agency, a["id"]) or m.Agency(id=a["id"])
        agency.name, agency.network, agency.address = a["name"], a.get("network", ""), a.get("address", "")
        agency.commune_insee, agency.territory = a.get("commune"), a.get("territory")
        agency.contact = a.get("contact", "")
        agency.trades, agency.illustrative = list(a.get("trades", [])), bool(a.get("illustrative", False))
        session.add(agency)
    set_setting(session, REFERENCE_VERSION_KEY, data.version)


def reference_version(session: Session) -> str | None:
    return get_setting(session, REFERENCE_VERSION_KEY)
