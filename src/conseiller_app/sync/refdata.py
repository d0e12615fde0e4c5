"""Reference data (``domain.reference.ReferenceData``) as the JSON that travels in bundles."""

from __future__ import annotations

from typing import Any

from conseiller_app.domain.reference import Commune, ReferenceData, envelopes_from_json, envelopes_to_json


def label(version: int) -> str:
    """The version text stored in the vault's settings for a release of the central office."""
    return f"siege-{version}"


def to_json(data: ReferenceData, version: int) -> dict[str, Any]:
    return {
        "version": version,
        "label": label(version),
        "territories": dict(data.territories),
        "communes": [
            {"insee": c.insee, "name": c.name, "postal_codes": list(c.postal_codes), "population": c.population,
             "epci": c.epci, "territory": c.territory}
            for c in sorted(data.communes.values(), key=lambda c: c.insee)
        ],
        "chantiers": list(data.chantiers),
        "trades": list(data.trades),
        "schemes": list(data.schemes),
        "offers": list(data.offers),
        "agencies": list(data.agencies),
        "aktiv_envelopes": envelopes_to_json(data.aktiv_envelopes),
    }


def from_json(doc: dict[str, Any]) -> ReferenceData:
    communes = {
        c["insee"]: Commune(insee=c["insee"], name=c["name"], postal_codes=tuple(c["postal_codes"]),
                            population=c["population"], epci=c["epci"], territory=c["territory"])
        for c in doc["communes"]
    }
    return ReferenceData(
        version=doc["label"],
        territories=dict(doc["territories"]),
        communes=communes,
        chantiers=list(doc["chantiers"]),
        trades=list(doc["trades"]),
        schemes=list(doc["schemes"]),
        offers=list(doc["offers"]),
        agencies=list(doc["agencies"]),
        aktiv_envelopes=envelopes_from_json(doc.get("aktiv_envelopes", [])),  # absent before release 0007
    )
