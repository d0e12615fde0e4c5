"""The vault owner's own card (Paramètres › Conseiller·ère): name, territory, office, phone and
e-mail. The phone and e-mail are printed on the fiche de liaison so the agency can call back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from conseiller_app.domain import validation as v
from conseiller_app.domain.errors import ValidationError, ValidationErrors
from conseiller_app.storage import models as m
from conseiller_app.storage.journal import audit
from conseiller_app.storage.profile import owner
from conseiller_app.storage.services.context import Context

LABELS = {"name": "Nom", "territory": "Territoire", "office": "Bureau", "phone": "Téléphone", "email": "E-mail"}


@dataclass(frozen=True)
class OwnerCard:
    """The conseiller's card as shown in Paramètres (the phone formatted, empty texts for unset)."""

    name: str
    territory: str
    office: str
    phone: str
    email: str


def get(ctx: Context) -> OwnerCard:
    with ctx.vault.session() as s:
        o = owner(s)
        return OwnerCard(name=o.name, territory=o.territory, office=o.office or "", phone=v.format_phone(o.phone),
                         email=o.email or "")


def update(ctx: Context, data: dict[str, Any]) -> OwnerCard:
    """Check every field first (all errors at once, nothing written on any), then save them and
    refresh ``ctx.actor`` so the next documents carry the new card."""
    errors: list[ValidationError] = []
    clean: dict[str, Any] = {}

    def check(field: str, fn: Callable[[Any], Any]) -> None:
        try:
            clean[field] = fn(data.get(field))
        except ValidationError as exc:
            errors.append(ValidationError(field, exc.message, LABELS[field]))

    check("name", lambda x: v.clean_name("name", LABELS["name"], x))
    check("office", lambda x: v.check_free_text("office", LABELS["office"], x, max_length=120).strip())
    check("phone", v.clean_phone)
    check("email", v.clean_email)
    with ctx.vault.session() as s:
        territories = set(s.scalars(select(m.Territory.code)))
        if data.get("territory") not in territories:
            errors.append(ValidationError("territory", "choisissez votre territoire dans la liste.", "Territoire"))
        if errors:
            raise ValidationErrors(errors)
        o = owner(s)
        changed = sorted(f for f in ("name", "office", "phone", "email") if getattr(o, f) != clean[f])
        if o.territory != data["territory"]:
            changed.append("territory")
        o.name, o.office, o.phone, o.email = clean["name"], clean["office"], clean["phone"], clean["email"]
        o.territory = data["territory"]
        if changed:
            audit(s, ctx.actor_id, "profile_updated", "conseiller", o.id, None, {"fields": changed})
    ctx.actor.update(name=clean["name"], territory=data["territory"], office=clean["office"])
    return get(ctx)
