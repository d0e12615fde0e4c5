"""Rules of referrals (orientations vers une agence d'emploi), pure: status transitions with
their dates and reasons, the consent a referral needs, what a printed form may show under the
consent's scope, and the human reference (``OR-2026-K3QF-000123``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from conseiller_app.domain import pathway as P
from conseiller_app.domain import validation
from conseiller_app.domain.enums import ConsentScope, PartnerKind, ReferralStatus, RefusalReason, Stage, StepStatus
from conseiller_app.domain.errors import AppError, ValidationError
from conseiller_app.domain.text import fold

RS = ReferralStatus
NO_NEWS_DAYS = 30
#: Statuses where the next move is the agency's: no news for 30 days gets flagged.
AWAITING_AGENCY = (RS.SENT, RS.RECEIVED, RS.INTERVIEW, RS.POSITIONED)

TRANSITIONS: dict[ReferralStatus, tuple[ReferralStatus, ...]] = {
    RS.DRAFT: (RS.SENT, RS.NO_FOLLOW_UP),
    RS.SENT: (RS.RECEIVED, RS.INTERVIEW, RS.POSITIONED, RS.REFUSED, RS.NO_FOLLOW_UP),
    RS.RECEIVED: (RS.INTERVIEW, RS.POSITIONED, RS.REFUSED, RS.NO_FOLLOW_UP),
    RS.INTERVIEW: (RS.POSITIONED, RS.REFUSED, RS.NO_FOLLOW_UP),
    RS.POSITIONED: (RS.IN_TRAINING, RS.IN_MISSION, RS.CLOSED, RS.REFUSED, RS.NO_FOLLOW_UP),
    RS.IN_TRAINING: (RS.IN_MISSION, RS.CLOSED),
    RS.IN_MISSION: (RS.IN_TRAINING, RS.CLOSED),
    RS.CLOSED: (),
    RS.REFUSED: (),
    RS.NO_FOLLOW_UP: (),
}
assert set(TRANSITIONS) == set(ReferralStatus)


#: Statuses that mean the agency took the person on: its step (positionnement) is done.
AGENCY_STEP_DONE = (RS.POSITIONED, RS.IN_TRAINING, RS.IN_MISSION)


def pathway_follow(pathway: P.Pathway, status: ReferralStatus, on: date) -> list[P.Action]:
    """The pathway actions a referral moving to ``status`` on ``on`` brings (the one rule, used by
    the referral service and the guided orientation):

    - sent: the agency step is proposed when no step is open, and started (when it was proposed
      or planned);
    - positioned, in training or in mission: the open agency step is done (started first if
      needed);
    - otherwise nothing.

    The caller applies them and reports a refusal as a French note: the referral stands either way.
    """
    o = pathway.open_step
    if status is RS.SENT:
        if o is None:
            return [P.Propose(Stage.AGENCY, on), P.Start(on)]
        if o.stage is Stage.AGENCY and o.status in (StepStatus.PROPOSED, StepStatus.PLANNED):
            return [P.Start(on)]
        return []
    if status in AGENCY_STEP_DONE and o is not None and o.stage is Stage.AGENCY and o.status.is_active:
        return ([P.Start(on)] if o.status is not StepStatus.IN_PROGRESS else []) + [P.Complete(on)]
    return []


class ConsentRequired(AppError):
    """A referral to a partner without the person's recorded consent. Carries what the page needs
    to offer recording it (partner kind, id and name)."""

    exit_code = 4

    def __init__(self, message: str, *, partner_id: str | None, partner_name: str,
                 partner_kind: PartnerKind = PartnerKind.AGENCY) -> None:
        super().__init__(message)
        self.partner_id = partner_id
        self.partner_name = partner_name
        self.partner_kind = partner_kind


def consent_missing_message(agency_name: str, *, withdrawn: bool = False, no_identity: bool = False) -> str:
    if withdrawn:
        start = f"La personne a retiré son consentement au partage de ses données avec « {agency_name} »"
    elif no_identity:
        start = (f"Le consentement enregistré pour « {agency_name} » ne couvre pas l'identité de la personne, "
                 "indispensable à une orientation")
    else:
        start = (f"Aucun consentement de la personne au partage de ses données avec « {agency_name} » n'est "
                 "enregistré")
    return (f"{start} : l'orientation ne peut pas être faite. Recueillez son accord (au moins « Identité »), "
            f"enregistrez-le dans l'onglet « Consentements » du dossier avec le partenaire « {agency_name} », "
            "puis recommencez.")


@dataclass(frozen=True)
class ConsentView:
    id: str
    partner_kind: str
    partner_id: str | None
    partner_name: str
    scope: tuple[str, ...]
    given_on: date
    withdrawn_on: date | None = None

    def valid_on(self, day: date) -> bool:
        return self.given_on <= day and (self.withdrawn_on is None or self.withdrawn_on > day)


def consent_matches(c: ConsentView, agency_id: str, agency_name: str) -> bool:
    """A consent for this agency: recorded with its id, or (typed by hand) with its name."""
    if c.partner_kind != PartnerKind.AGENCY.value:
        return False
    if c.partner_id:
        return c.partner_id == agency_id
    return fold(c.partner_name.strip()) == fold(agency_name.strip())


def find_consent(consents: Iterable[ConsentView], agency_id: str, agency_name: str, today: date) -> ConsentView:
    """The consent covering a referral to this agency today; raise ``ConsentRequired`` otherwise."""
    matching = [c for c in consents if consent_matches(c, agency_id, agency_name)]
    valid = [c for c in matching if c.valid_on(today)]
    usable = [c for c in valid if ConsentScope.IDENTITY.value in c.scope]
    if usable:
        return max(usable, key=lambda c: (c.given_on, c.id))
    raise ConsentRequired(
        consent_missing_message(agency_name, withdrawn=bool(matching) and not valid,
                                no_identity=bool(valid)),
        partner_id=agency_id, partner_name=agency_name)


def consent_state(consent: ConsentView | None, today: date) -> str:
    """``valid``, ``withdrawn`` or ``missing`` (for lists and the JSON output)."""
    if consent is None:
        return "missing"
    return "valid" if consent.valid_on(today) else "withdrawn"


CONSENT_STATE_LABELS = {"valid": "Consentement valide", "withdrawn": "Consentement retiré",
                        "missing": "Pas de consentement"}


def check_transition(current: ReferralStatus, new: ReferralStatus, *, on: date, last_date: date, today: date,
                     refusal_reason: str | None, result: str | None) -> dict[str, Any]:
    """Validate a status change; return the fields to write. French errors."""
    if new not in TRANSITIONS[current]:
        if current.is_final:
            raise ValidationError("status", f"l'orientation est « {current.label.lower()} » : elle ne change plus. "
                                  "Créez une nouvelle orientation si besoin.", "Statut")
        allowed = ", ".join(f"« {s.label} »" for s in TRANSITIONS[current])
        raise ValidationError("status", f"après « {current.label} », le statut peut devenir : {allowed}.", "Statut")
    if on > today:
        raise ValidationError("status_date", "cette date est dans le futur.", "Date du statut")
    if on < last_date:
        raise ValidationError("status_date", f"la date précède celle du statut actuel ({last_date:%d/%m/%Y}).",
                              "Date du statut")
    out: dict[str, Any] = {"status": new.value, "status_date": on, "refusal_reason": None}
    if new is RS.REFUSED:
        if not refusal_reason:
            raise ValidationError("refusal_reason", "indiquez le motif du refus.", "Motif du refus")
        try:
            out["refusal_reason"] = RefusalReason.parse(refusal_reason).value
        except ValueError:
            raise ValidationError("refusal_reason", "motif de refus inconnu.", "Motif du refus") from None
    if new is RS.CLOSED:
        text = validation.check_free_text("result", "Résultat", result, max_length=200)
        if not text:
            raise ValidationError("result", "indiquez le résultat de l'orientation pour la clôturer.", "Résultat")
        out["result"] = text
    elif result:
        out["result"] = validation.check_free_text("result", "Résultat", result, max_length=200)
    return out


def is_stale(status: ReferralStatus, status_date: date, today: date, days: int = NO_NEWS_DAYS) -> bool:
    return status in AWAITING_AGENCY and (today - status_date).days >= days


# --- references ------------------------------------------------------------------------------

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_RE = re.compile(r"^OR-(\d{4})-([0-9A-HJKMNP-TV-Z]{4})-(\d{6})$")


def device_code(device_id: str) -> str:
    """Four Crockford base-32 characters derived from the vault's device id: references made on
    different devices never collide on their sequence number."""
    n = int.from_bytes(hashlib.sha256(device_id.encode("utf-8")).digest()[:4], "big")
    return "".join(_CROCKFORD[(n >> (5 * i)) & 31] for i in range(3, -1, -1))


def make_reference(year: int, device: str, seq: int) -> str:
    if not 1 <= seq <= 999_999:
        raise ValueError("sequence out of range")
    return f"OR-{year:04d}-{device}-{seq:06d}"


def parse_reference(text: str) -> tuple[int, str, int] | None:
    m = REFERENCE_RE.match((text or "").strip().upper())
    return (int(m.group(1)), m.group(2), int(m.group(3))) if m else None


def normalise_reference(text: str) -> str:
    return (text or "").strip().upper()


# --- what the printed form may show ----------------------------------------------------------

#: The person's fields each consent scope allows to share (nothing else is ever printed).
SCOPE_FIELDS: dict[ConsentScope, tuple[str, ...]] = {
    ConsentScope.IDENTITY: ("last_name", "first_name", "birth_date"),
    ConsentScope.CONTACT: ("phone", "email", "address", "postal_code", "commune_name"),
    ConsentScope.PATHWAY: ("public_label", "steps"),
    ConsentScope.BARRIERS: ("barriers", "barriers_summary"),
}


def limit_to_scope(person: Mapping[str, Any], scope: Iterable[str]) -> dict[str, Any]:
    """Keep only the fields the consent's scope covers."""
    allowed: set[str] = set()
    for s in scope:
        allowed.update(SCOPE_FIELDS.get(ConsentScope(s), ()))
    return {k: val for k, val in person.items() if k in allowed}
