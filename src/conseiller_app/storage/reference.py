"""Loads reference data (shipped, or later received from the central office) into the vault."""

from __future__ import annotations

import json

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from conseiller_app.domain.reference import ReferenceData, envelopes_from_json, envelopes_to_json, load_reference
from conseiller_app.domain.text import fold
from conseiller_app.resources import reference_dir
from conseiller_app.storage import models
from conseiller_app.storage.profile import get_setting, set_setting

REFERENCE_VERSION_KEY = "reference_version"
AKTIV_ENVELOPES_KEY = "aktiv_envelopes"


def load_shipped(session: Session) -> ReferenceData:
    data = load_reference(reference_dir())
    replace_reference(session, data)
    return data


def replace_reference(session: Session, data: ReferenceData) -> None:
    """Replace territories, communes, chantiers, trades, schemes and offers; upsert agencies."""
    # Sessions point to chantiers: chantiers are upserted, never deleted.
    for model in (models.Offer, models.Scheme, models.Trade):
        session.execute(delete(model))
    session.add_all(models.Territory(code=c, name=n) for c, n in data.territories.items()
                    if session.get(models.Territory, c) is None)
    for code, name in data.territories.items():
        territory = session.get(models.Territory, code)
        assert territory is not None  # added just above when missing
        territory.name = name
    session.flush()
    existing = {c.insee: c for c in session.scalars(select(models.Commune))}
    for c in data.communes.values():
        row = existing.get(c.insee) or models.Commune(insee=c.insee)
        row.name, row.search_name = c.name, fold(c.name)
        row.postal_codes, row.population = " ".join(c.postal_codes), c.population
        row.epci, row.territory = c.epci, c.territory
        session.add(row)
    for ch in data.chantiers:
        chantier = session.get(models.Chantier, ch["code"]) or models.Chantier(code=ch["code"])
        chantier.name, chantier.description = ch["name"], ch.get("description", "")
        session.add(chantier)
    session.flush()
    session.add_all(models.Trade(code=t["code"], name=t["name"], rome=t["rome"], chantier=t["chantier"]) for t in data.trades)
    session.add_all(models.Scheme(code=s["code"], name=s["name"], funder=s["funder"]) for s in data.schemes)
    session.add_all(models.Offer(code=o["code"], name=o["name"], barrier=o["barrier"]) for o in data.offers)
    for a in data.agencies:
        agency = session.get(models.Agency, a["id"]) or models.Agency(id=a["id"])
        agency.name, agency.network, agency.address = a["name"], a.get("network", ""), a.get("address", "")
        agency.commune_insee, agency.territory, agency.contact = a.get("commune"), a.get("territory"), a.get("contact", "")
        agency.trades, agency.illustrative = list(a.get("trades", [])), bool(a.get("illustrative", False))
        session.add(agency)
    set_setting(session, REFERENCE_VERSION_KEY, data.version)
    set_setting(session, AKTIV_ENVELOPES_KEY, json.dumps(envelopes_to_json(data.aktiv_envelopes)))


def aktiv_envelopes(session: Session) -> dict[int, int]:
    """The AKTIV compétences envelope by year (cents), as last received from the central office."""
    text = get_setting(session, AKTIV_ENVELOPES_KEY)
    return envelopes_from_json(json.loads(text)) if text else {}


def reference_version(session: Session) -> str | None:
    return get_setting(session, REFERENCE_VERSION_KEY)
