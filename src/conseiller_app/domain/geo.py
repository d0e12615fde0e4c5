"""How far a session is from a person, without a map.

The shipped reference data has no commune coordinates (the INSEE/La Poste sources it comes from
carry none), so distance is estimated from the administrative layout: same commune, same
territory, neighbouring territory (the eight territories of the Pas-de-Calais that share a
border), or further. When coordinates become available (``coords``: INSEE → latitude, longitude,
e.g. published by the central office), :func:`distance_km` gives the great-circle distance and
the 25 km rule uses it instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import IntEnum

#: Territories sharing a border (symmetric). From the map of the Pas-de-Calais: the coast
#: (Calaisis, Boulonnais, Montreuillois-Ternois), the Audomarois inland, the mining basin
#: (Artois, Lens-Liévin, Hénin-Carvin) and the Arrageois to the south-east.
NEIGHBOURS: dict[str, frozenset[str]] = {}
_EDGES = [
    ("calaisis", "boulonnais"), ("calaisis", "audomarois"),
    ("boulonnais", "audomarois"), ("boulonnais", "montreuillois_ternois"),
    ("audomarois", "montreuillois_ternois"), ("audomarois", "artois"),
    ("montreuillois_ternois", "artois"), ("montreuillois_ternois", "arrageois"),
    ("artois", "lens_lievin"), ("artois", "arrageois"),
    ("lens_lievin", "henin_carvin"), ("lens_lievin", "arrageois"),
    ("henin_carvin", "arrageois"),
]
for _a, _b in _EDGES:
    NEIGHBOURS[_a] = NEIGHBOURS.get(_a, frozenset()) | {_b}
    NEIGHBOURS[_b] = NEIGHBOURS.get(_b, frozenset()) | {_a}

FAR_KM = 25.0


class Proximity(IntEnum):
    """Coarse distance classes, nearest first (their order sorts sessions)."""

    SAME_COMMUNE = 0
    SAME_TERRITORY = 1
    NEIGHBOURING = 2
    DISTANT = 3

    @property
    def label(self) -> str:
        return {
            Proximity.SAME_COMMUNE: "dans la commune de la personne",
            Proximity.SAME_TERRITORY: "dans son territoire",
            Proximity.NEIGHBOURING: "dans un territoire voisin",
            Proximity.DISTANT: "dans un territoire éloigné",
        }[self]


def proximity(home_commune: str | None, home_territory: str | None,
              place_commune: str | None, place_territory: str | None) -> Proximity:
    if home_commune and place_commune and home_commune == place_commune:
        return Proximity.SAME_COMMUNE
    if home_territory and place_territory == home_territory:
        return Proximity.SAME_TERRITORY
    if home_territory and place_territory in NEIGHBOURS.get(home_territory, ()):
        return Proximity.NEIGHBOURING
    return Proximity.DISTANT


def distance_km(a: str | None, b: str | None, coords: Mapping[str, tuple[float, float]]) -> float | None:
    """Great-circle distance between two communes' centres, or None when either is unknown."""
    if not a or not b:
        return None
    if a == b:
        return 0.0
    pa, pb = coords.get(a), coords.get(b)
    if pa is None or pb is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (*pa, *pb))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def probably_far(km: float | None, prox: Proximity) -> bool:
    """Beyond the 25 km a person without transport can manage: measured when coordinates are
    known, otherwise assumed for a session outside the person's territory."""
    if km is not None:
        return km > FAR_KM
    return prox >= Proximity.NEIGHBOURING
