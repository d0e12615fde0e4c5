"""Validation of the facts the convention's indicators need (article 5-1): Point Conseils
Intérimaire, parcours prévention, funding lines, SPOTT session details, interest for the SAS.

Each ``check_*`` takes raw values (from a form or the command line), validates every field and
returns clean values, or raises :class:`ValidationError` naming the first wrong field in French.
Nothing is written before a check passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

from conseiller_app.domain import validation as v
from conseiller_app.domain.enums import (
    FUNDING_FUNDERS,
    Funder,
    FundingLine,
    FundingTarget,
    Labelled,
    PciHolder,
    PciRecommendation,
    PreventionStatus,
)
from conseiller_app.domain.errors import ValidationError

#: A single funding line above this is certainly a typo (a CDPI costs some ten thousand euros).
MAX_AMOUNT_CENTS = 1_000_000_00

LABELS = {
    "held_on": "Date du Point Conseils Intérimaire",
    "held_by": "Réalisé par",
    "agency_id": "Agence",
    "recommendations": "Préconisations",
    "status": "Statut du parcours prévention",
    "started_on": "Date de début",
    "completed_on": "Date de fin",
    "funder": "Financeur",
    "line": "Ligne de financement",
    "amount": "Montant",
    "granted_on": "Date du financement",
    "target_kind": "Objet financé",
    "target_id": "Objet financé",
    "fpett_validated_on": "Validation préalable par l'équipe du FPETT",
    "opco": "OPCO qui déploie",
    "agencies": "Agences d'emploi associées",
    "interested": "Intérêt pour le SAS",
    "recorded_on": "Date",
    "year": "Année",
}


_E = TypeVar("_E", bound=Labelled)


def _enum(enum_cls: type[_E], field: str, value: Any, allowed: Iterable[_E] | None = None) -> _E:
    try:
        member = enum_cls.parse(value)
    except ValueError:
        member = None
    choices = list(allowed) if allowed is not None else list(enum_cls)
    if member is None or member not in choices:
        names = ", ".join(f"{m.value}" for m in choices)
        raise ValidationError(field, f"valeur inconnue « {value} » (attendu : {names}).", LABELS.get(field))
    return member


def parse_euros(field: str, label: str, value: str | int | float | None) -> int:
    """An amount in euros as integer cents. Accepts « 1 234,50 », « 1234.5 », « 1 234 € »
    (spaces, non-breaking spaces and thin spaces as thousands separators)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(field, "ce champ est obligatoire.", label)
    if isinstance(value, bool):
        raise ValidationError(field, "montant invalide.", label)
    if isinstance(value, int):
        cents = value * 100
    else:
        text = str(value).strip().replace("€", "").replace("EUR", "")
        text = re.sub(r"[\s\u00a0\u202f]", "", text)
        m = re.fullmatch(r"(\d+)(?:[.,](\d{1,2}))?", text)
        if not m:
            raise ValidationError(field, "montant attendu en euros, par exemple « 1 234,50 ».", label)
        cents = int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0"))
    if cents <= 0:
        raise ValidationError(field, "le montant doit être positif.", label)
    if cents > MAX_AMOUNT_CENTS:
        raise ValidationError(field, "montant trop élevé pour une seule ligne : vérifiez la saisie.", label)
    return cents


def format_euros(cents: int | None) -> str:
    """« 1 234,50 € » (narrow no-break space between thousands, no-break space before €)."""
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    euros, c = divmod(abs(cents), 100)
    whole = f"{euros:,}".replace(",", "\u202f")
    return f"{sign}{whole},{c:02d}\u00a0€"


def _event_date(field: str, value: Any, today: date, *, required: bool = True) -> date | None:
    d = v.parse_date(field, LABELS[field], value, required=required)
    return v.check_event_date(field, LABELS[field], d, today)


def check_pci(values: Mapping[str, Any], today: date) -> dict[str, Any]:
    """A Point Conseils Intérimaire: date, holder (FASTT or an agency), recommendations each
    with its follow-up (``followed``: True = mise en œuvre, False = non, None = pas encore)."""
    held_on = _event_date("held_on", values.get("held_on"), today)
    held_by = _enum(PciHolder, "held_by", values.get("held_by") or "fastt")
    agency_id = values.get("agency_id") or None
    if held_by is PciHolder.AGENCY and not agency_id:
        raise ValidationError("agency_id", "précisez l'agence qui a réalisé le diagnostic.", LABELS["agency_id"])
    recs: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in values.get("recommendations") or ():
        if isinstance(item, str):
            item = {"code": item, "followed": None}
        code = _enum(PciRecommendation, "recommendations", item.get("code")).value
        if code in seen:
            raise ValidationError("recommendations", f"préconisation « {PciRecommendation(code).label} » en double.",
                                  LABELS["recommendations"])
        followed = item.get("followed")
        if followed is not None and not isinstance(followed, bool):
            raise ValidationError("recommendations", "suivi attendu : mise en œuvre (oui), non, ou pas encore.",
                                  LABELS["recommendations"])
        seen.add(code)
        recs.append({"code": code, "followed": followed})
    return {"held_on": held_on, "held_by": held_by.value,
            "agency_id": agency_id if held_by is PciHolder.AGENCY else None, "recommendations": recs}


def check_prevention(values: Mapping[str, Any], today: date) -> dict[str, Any]:
    """A parcours prévention: started (date), completed (end date) or abandoned (end date)."""
    status = _enum(PreventionStatus, "status", values.get("status"))
    started = _event_date("started_on", values.get("started_on"), today)
    ended = _event_date("completed_on", values.get("completed_on"), today,
                        required=status is not PreventionStatus.STARTED)
    if status is PreventionStatus.STARTED:
        ended = None
    if ended is not None and started is not None and ended < started:
        raise ValidationError("completed_on", "la date de fin précède la date de début.", LABELS["completed_on"])
    return {"status": status.value, "started_on": started, "completed_on": ended}


def check_funding(values: Mapping[str, Any], today: date) -> dict[str, Any]:
    """One funding line: target, funder, line, amount (cents), date."""
    target = _enum(FundingTarget, "target_kind", values.get("target_kind"))
    target_id = (values.get("target_id") or "").strip()
    if not target_id:
        raise ValidationError("target_id", "précisez l'étape, la session ou l'orientation financée.",
                              LABELS["target_id"])
    funder = _enum(Funder, "funder", values.get("funder"), FUNDING_FUNDERS)
    line = _enum(FundingLine, "line", values.get("line"))
    amount = parse_euros("amount", LABELS["amount"], values.get("amount"))
    granted = _event_date("granted_on", values.get("granted_on"), today, required=True)
    return {"target_kind": target.value, "target_id": target_id, "funder": funder.value, "line": line.value,
            "amount_cents": amount, "granted_on": granted}


def check_spott(values: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The details of a SPOTT session: FPETT's prior validation date, the deploying OPCO, the
    agencies involved (ids). The chantier is the session's own field."""
    validated = _event_date("fpett_validated_on", values.get("fpett_validated_on"), today, required=False)
    opco = (values.get("opco") or "akto").strip().lower()
    if opco != "akto":
        raise ValidationError("opco", "les SPOTT sont déployés par l'OPCO AKTO (convention, article 4-3).",
                              LABELS["opco"])
    agencies = [str(a) for a in (values.get("agencies") or ()) if a]
    if len(set(agencies)) != len(agencies):
        raise ValidationError("agencies", "agence en double.", LABELS["agencies"])
    return {"fpett_validated_on": validated, "opco": opco, "agencies": agencies}


def check_sas_interest(values: Mapping[str, Any], today: date) -> dict[str, Any]:
    interested = values.get("interested")
    if isinstance(interested, str):
        text = interested.strip().lower()
        interested = {"oui": True, "o": True, "yes": True, "true": True, "1": True,
                      "non": False, "n": False, "no": False, "false": False, "0": False}.get(text, interested)
    if not isinstance(interested, bool):
        raise ValidationError("interested", "répondez oui ou non.", LABELS["interested"])
    recorded = _event_date("recorded_on", values.get("recorded_on") or today, today)
    return {"interested": interested, "recorded_on": recorded}


def check_envelope(year: Any, amount: Any) -> tuple[int, int]:
    """An AKTIV compétences envelope of a year (reference data of the central office)."""
    if not isinstance(year, int) or isinstance(year, bool) or not 2024 <= year <= 2035:
        raise ValidationError("year", "année invalide.", LABELS["year"])
    if isinstance(amount, int) and not isinstance(amount, bool) and amount >= 0:
        return year, amount
    raise ValidationError("amount", "montant en centimes attendu.", LABELS["amount"])
