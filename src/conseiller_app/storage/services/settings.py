"""The vault's settings (retention, idle-lock delay, the conseiller's territory): reading them all
at once and changing one, with the rules of ``domain.settings``. Used by the settings page (through
``ui.vault_ops``) and by ``conseiller settings show|set``."""

from __future__ import annotations

from dataclasses import dataclass

from conseiller_app.domain import settings as rules
from conseiller_app.domain.errors import UsageError
from conseiller_app.storage import models
from conseiller_app.storage.journal import audit
from conseiller_app.storage.profile import get_setting, owner, set_setting, territory_code
from conseiller_app.storage.services.context import Context


@dataclass(frozen=True)
class Settings:
    """Every setting, as the vault holds it (defaults for those never set)."""

    retention_months: int
    idle_lock_minutes: int
    territory: str  # code, e.g. "arrageois"
    territory_name: str

    def value(self, key: str) -> int | str:
        """A setting by its key (one of ``domain.settings.KEYS``)."""
        values: dict[str, int | str] = {rules.RETENTION.key: self.retention_months,
                                        rules.IDLE_LOCK.key: self.idle_lock_minutes, rules.TERRITORY: self.territory}
        return values[key]


def read(ctx: Context) -> Settings:
    with ctx.vault.session() as s:
        me = owner(s)
        territory = s.get(models.Territory, me.territory)
        return Settings(
            retention_months=rules.RETENTION.or_default(get_setting(s, rules.RETENTION.key)),
            idle_lock_minutes=rules.IDLE_LOCK.or_default(get_setting(s, rules.IDLE_LOCK.key)),
            territory=me.territory,
            territory_name=territory.name if territory else me.territory,
        )


def check_key(key: str) -> None:
    """Refuse an unknown setting's name (before anything is opened or written)."""
    if key not in rules.KEYS:
        raise UsageError(f"Paramètre inconnu : {key}. Paramètres modifiables : {', '.join(rules.KEYS)}.")


def set_int(ctx: Context, key: str, value: object) -> int:
    """Save a numeric setting; raises a French ``ValidationError`` outside its range."""
    check_key(key)
    rule = rules.INT_SETTINGS[key]
    number = rule.check(value)
    with ctx.vault.session() as s:
        set_setting(s, key, str(number))
    return number


def set_territory(ctx: Context, value: str) -> str:
    """Move the conseiller to another territory (code or name); returns its code. The change
    travels to the central office with the next bundle, as any change of the conseiller."""
    with ctx.vault.session() as s:
        code = territory_code(s, value)
        me = owner(s)
        if me.territory != code:
            me.territory = code
            audit(s, ctx.actor_id, "update", "conseiller", me.id, details={"fields": ["territory"]})
    ctx.actor["territory"] = code
    return code


def set_value(ctx: Context, key: str, value: str) -> int | str:
    """Change one setting by its key, as typed on the command line."""
    check_key(key)
    if key == rules.TERRITORY:
        return set_territory(ctx, value)
    return set_int(ctx, key, value)
