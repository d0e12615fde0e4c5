"""Validation of a beneficiary file's fields (pure): every invalid field is reported at once,
each with a French message; nothing is written by the caller unless all pass."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from conseiller_app.domain import validation
from conseiller_app.domain.enums import Labelled, Nationality, Prescriber, Public
from conseiller_app.domain.errors import ValidationError, ValidationErrors

LABELS = {
    "last_name": "Nom",
    "first_name": "Prénom",
    "birth_date": "Date de naissance",
    "public": "Public",
    "commune": "Commune",
    "phone": "Téléphone",
    "email": "E-mail",
    "address": "Adresse",
    "caf_number": "N° allocataire CAF",
    "france_travail_id": "Identifiant France Travail",
    "prescriber": "Prescripteur",
    "spotting_date": "Date de repérage",
    "nationality": "Nationalité",
    "rqth": "Reconnaissance RQTH",
    "notes": "Notes",
    "last_contact": "Dernier contact",
}
FIELDS = tuple(LABELS)
REQUIRED = ("last_name", "first_name", "birth_date", "public", "commune")


def _enum(field: str, enum_cls: type[Labelled], value: Any) -> str:
    if value in (None, ""):
        raise ValidationError(field, "ce champ est obligatoire.", LABELS[field])
    try:
        return enum_cls.parse(value).value
    except ValueError:
        allowed = ", ".join(m.label for m in enum_cls)
        raise ValidationError(field, f"valeur inconnue ; choix possibles : {allowed}.", LABELS[field]) from None


def validate(
    data: Mapping[str, Any],
    *,
    today: date,
    resolve_commune: Callable[[str], list[str]],
    partial: bool = False,
) -> dict[str, Any]:
    """Return the cleaned fields of ``data``; raise ``ValidationErrors`` listing every bad field.

    ``resolve_commune`` maps an INSEE code, postal code or name to matching INSEE codes.
    With ``partial``, only the fields present are checked (an update).
    """
    errors: list[ValidationError] = []
    out: dict[str, Any] = {}

    def check(field: str, fn: Callable[[Any], Any]) -> None:
        if partial and field not in data:
            return
        try:
            out[field] = fn(data.get(field))
        except ValidationError as exc:
            errors.append(exc)

    unknown = set(data) - set(FIELDS)
    for field in sorted(unknown):
        errors.append(ValidationError(field, "champ inconnu.", field))

    check("last_name", lambda x: validation.clean_name("last_name", LABELS["last_name"], x))
    check("first_name", lambda x: validation.clean_name("first_name", LABELS["first_name"], x))

    def birth(x: Any) -> date:
        d = validation.parse_date("birth_date", LABELS["birth_date"], x)
        return validation.check_birth_date(d, today)

    check("birth_date", birth)
    check("public", lambda x: _enum("public", Public, x))

    def commune(x: Any) -> str:
        text = (x or "").strip() if isinstance(x, str) else x
        if not text:
            raise ValidationError("commune", "ce champ est obligatoire.", LABELS["commune"])
        found = resolve_commune(text)
        if not found:
            raise ValidationError("commune", "commune inconnue dans le Pas-de-Calais (nom ou code INSEE).", LABELS["commune"])
        if len(found) > 1:
            raise ValidationError(
                "commune", f"{len(found)} communes correspondent : précisez avec le code INSEE.", LABELS["commune"]
            )
        return found[0]

    check("commune", commune)
    check("phone", validation.clean_phone)
    check("email", validation.clean_email)
    check("address", lambda x: validation.check_free_text("address", LABELS["address"], x, max_length=200))
    check("caf_number", validation.clean_caf_number)
    check("france_travail_id", validation.clean_france_travail_id)
    check("prescriber", lambda x: _enum("prescriber", Prescriber, x or Prescriber.UNKNOWN.value))

    def spotting(x: Any) -> date | None:
        d = validation.parse_date("spotting_date", LABELS["spotting_date"], x, required=False) or today
        return validation.check_event_date("spotting_date", LABELS["spotting_date"], d, today)

    check("spotting_date", spotting)

    def last_contact(x: Any) -> date | None:
        d = validation.parse_date("last_contact", LABELS["last_contact"], x, required=False)
        return validation.check_event_date("last_contact", LABELS["last_contact"], d, today)

    check("last_contact", last_contact)
    check("nationality", lambda x: None if x in (None, "") else _enum("nationality", Nationality, x))
    check("rqth", lambda x: bool(x) and str(x).lower() not in ("0", "false", "non", "no"))
    check("notes", lambda x: validation.check_free_text("notes", LABELS["notes"], x))

    if (not errors and out.get("public") == Public.JEUNE.value and "birth_date" in out
            and validation.age_on(out["birth_date"], today) >= 26):
        errors.append(ValidationError(
            "public", "le public « jeune » concerne les moins de 26 ans : vérifiez la date de naissance ou le public.",
            LABELS["public"]))
    if errors:
        raise ValidationErrors(errors)
    return out


@dataclass(frozen=True)
class Duplicate:
    """An existing file that looks like the one about to be created, and why (French)."""

    id: str
    last_name: str
    first_name: str
    birth_date: date | None
    caf_number: str | None
    commune_name: str
    reason: str


def is_under_26(birth_date: date, today: date) -> bool:
    return validation.age_on(birth_date, today) < 26
