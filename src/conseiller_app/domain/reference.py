"""Reference data (territories, communes, trades, schemes, chantiers, offers, agencies) read
from the files shipped in ``resources/reference`` or received from the central office."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conseiller_app.domain.text import fold


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    postal_codes: tuple[str, ...]
    population: int
    epci: str
    territory: str  # territory code


@dataclass
class ReferenceData:
    version: str
    territories: dict[str, str]  # code -> name
    communes: dict[str, Commune]  # insee -> commune
    chantiers: list[dict[str, Any]]
    trades: list[dict[str, Any]]
    schemes: list[dict[str, Any]]
    offers: list[dict[str, Any]]
    agencies: list[dict[str, Any]]
    #: AKTIV compétences envelope allocated by AKTO, by calendar year, in cents (article 5-1,
    #: indicator 7). Sent by the central office; empty until it knows the amounts.
    aktiv_envelopes: dict[int, int] = field(default_factory=dict)
    _by_name: dict[str, list[Commune]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for c in self.communes.values():
            self._by_name.setdefault(fold(c.name).replace("-", " ").replace("'", " "), []).append(c)

    def find_commune(self, text: str) -> list[Commune]:
        """Communes matching an INSEE code, a postal code or a name (accents and case ignored)."""
        text = (text or "").strip()
        if text in self.communes:
            return [self.communes[text]]
        if text.isdigit() and len(text) == 5:
            return [c for c in self.communes.values() if text in c.postal_codes]
        key = fold(text).replace("-", " ").replace("'", " ")
        return list(self._by_name.get(key, []))


def _territory_code(name: str, territories: dict[str, str]) -> str:
    wanted = fold(name.strip())
    for code, label in territories.items():
        if fold(label) == wanted:
            return code
    # The shipped table proposes "Artois-Lys Romane" for the Artois territory.
    if wanted.startswith("artois"):
        return "artois"
    raise ValueError(f"unknown territory in reference data: {name!r}")


def load_reference(directory: Path) -> ReferenceData:
    meta = json.loads((directory / "reference.json").read_text(encoding="utf-8"))
    territories = {t["code"]: t["name"] for t in meta["territories"]}
    communes: dict[str, Commune] = {}
    with (directory / "communes-62.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            communes[row["code_insee"]] = Commune(
                insee=row["code_insee"],
                name=row["nom"],
                postal_codes=tuple(p for p in row["codes_postaux"].split() if p),
                population=int(row["population"] or 0),
                epci=row["epci"],
                territory=_territory_code(row["territoire_propose"], territories),
            )
    return ReferenceData(
        version=meta["version"],
        territories=territories,
        communes=communes,
        chantiers=meta["chantiers"],
        trades=meta["trades"],
        schemes=meta["schemes"],
        offers=meta["offers"],
        agencies=meta["agencies"],
        aktiv_envelopes=envelopes_from_json(meta.get("aktiv_envelopes", [])),
    )


def envelopes_from_json(items: list[dict[str, Any]]) -> dict[int, int]:
    """``[{"year": 2025, "amount_cents": 123}]`` → ``{2025: 123}`` (checked: ints, one per year)."""
    out: dict[int, int] = {}
    for item in items:
        year, amount = item["year"], item["amount_cents"]
        if not (isinstance(year, int) and isinstance(amount, int) and amount >= 0) or year in out:
            raise ValueError("aktiv_envelopes")
        out[year] = amount
    return out


def envelopes_to_json(envelopes: dict[int, int]) -> list[dict[str, int]]:
    return [{"year": y, "amount_cents": a} for y, a in sorted(envelopes.items())]
