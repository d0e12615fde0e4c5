"""The vault's settings and their rules (range, default, French label). Pure rules; reading and
writing them is ``storage.services.settings``.

A stored value that is missing or damaged reads as the default: a setting never stops the vault
from opening. A value typed by the user outside its range is refused with a French message.
"""

from __future__ import annotations

from dataclasses import dataclass

from conseiller_app.domain.errors import ValidationError


@dataclass(frozen=True)
class IntSetting:
    """A whole number between ``low`` and ``high`` (in ``unit``), ``default`` when unset."""

    key: str
    label: str
    description: str
    unit: str
    low: int
    high: int
    default: int

    def check(self, value: object) -> int:
        """The value as an int, or a French ``ValidationError`` outside the range."""
        try:
            number = int(str(value).strip()) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or not self.low <= number <= self.high:
            raise ValidationError(self.key, f"choisissez un nombre de {self.unit} entre {self.low} et {self.high} "
                                            f"({self.default} {self.unit} par défaut).", self.label)
        return number

    def or_default(self, raw: str | None) -> int:
        """The stored value, falling back on the default when it is missing or damaged."""
        try:
            return self.check(raw)
        except ValidationError:
            return self.default


RETENTION = IntSetting("retention_months", "Durée de conservation",
                       "durée de conservation des dossiers, en mois", "mois", 1, 36, 24)
IDLE_LOCK = IntSetting("idle_lock_minutes", "Verrouillage automatique",
                       "délai avant le verrouillage automatique de l'application, en minutes", "minutes", 1, 60, 5)
INT_SETTINGS = {s.key: s for s in (RETENTION, IDLE_LOCK)}

TERRITORY = "territory"
TERRITORY_LABEL = "Territoire"
TERRITORY_DESCRIPTION = "territoire du conseiller (code ou nom, ex. arrageois, Lens-Liévin)"

# Every setting the command line shows and changes, in display order.
KEYS = (RETENTION.key, IDLE_LOCK.key, TERRITORY)
DESCRIPTIONS = {**{s.key: s.description for s in INT_SETTINGS.values()}, TERRITORY: TERRITORY_DESCRIPTION}


def match_territory(value: str, territories: dict[str, str]) -> str:
    """The territory code meant by ``value`` (a code or a name, case ignored) among ``territories``
    (code → name), or a French ``ValidationError``."""
    # Loosely: « lens-lievin », « LENS LIEVIN », « Lens-Liévin » are the same territory.
    from conseiller_app.domain.text import query_tokens

    wanted = "".join(query_tokens(value or ""))
    for code, name in territories.items():
        if wanted and wanted in ("".join(query_tokens(name)), "".join(query_tokens(code))):
            return code
    known = ", ".join(sorted(territories.values()))
    raise ValidationError(TERRITORY, f"territoire inconnu (possibles : {known}).", TERRITORY_LABEL)
