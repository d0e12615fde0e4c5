"""The vault's owner (the conseiller), its device identity and its settings."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from conseiller_app.domain.settings import INT_SETTINGS, match_territory
from conseiller_app.domain.validation import clean_label, clean_name
from conseiller_app.storage.models import Conseiller, Setting, Territory

DEMO_KEY = "demo"  # "1" in a vault filled by the demo generator: it never syncs
DEFAULTS = {key: str(rule.default) for key, rule in INT_SETTINGS.items()}


def get_setting(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return row.value if row else DEFAULTS.get(key)


def set_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def is_demo(session: Session) -> bool:
    """Whether this vault holds the demo generator's fictitious files."""
    return get_setting(session, DEMO_KEY) == "1"


def create_owner(session: Session, *, name: str, territory: str, office: str = "") -> Conseiller:
    name = clean_name("name", "Nom du conseiller", name)
    office = clean_label("office", "Lieu d'accueil", office)
    if session.get(Territory, territory) is None:
        territory = territory_code(session, territory)
    owner = Conseiller(name=name, territory=territory, office=office, is_owner=True)
    session.add(owner)
    set_setting(session, "device_id", str(uuid.uuid4()))
    session.flush()
    return owner


def territory_code(session: Session, value: str) -> str:
    """The code of the territory named ``value`` (code or name), or a French ``ValidationError``."""
    return match_territory(value, {t.code: t.name for t in session.scalars(select(Territory))})


def owner(session: Session) -> Conseiller:
    row = session.scalars(select(Conseiller).where(Conseiller.is_owner.is_(True))).first()
    if row is None:  # pragma: no cover - a vault always has its owner
        raise RuntimeError("vault without owner")
    return row
