"""The conseiller's own card: edited in Paramètres, checked whole, printed on the fiche de liaison."""

from __future__ import annotations

import pytest

from conseiller_app.domain.errors import ValidationErrors
from conseiller_app.storage.services import beneficiaries, followup, owner, referrals
from conseiller_app.storage.services.owner import OwnerCard

ARRAS = "6a1f0c2e-0000-4000-8000-000000000001"


def test_the_card_is_checked_whole_then_saved_and_printed_on_the_referral_form(ctx):
    assert owner.get(ctx) == OwnerCard(name="Marie Dupont", territory="arrageois", office="MDS Arras",
                                       phone="", email="")
    with pytest.raises(ValidationErrors) as exc:
        owner.update(ctx, {"name": "", "territory": "nulle-part", "office": "MDS Arras", "phone": "12",
                           "email": "pas-un-email"})
    assert set(exc.value.by_field()) == {"name", "territory", "phone", "email"}
    assert owner.get(ctx).name == "Marie Dupont"  # nothing written
    card = owner.update(ctx, {"name": "Marie Dupont-Leroy", "territory": "lens_lievin", "office": "MDS Lens",
                              "phone": "03 21 21 62 62", "email": "marie.dupont@exemple.fr"})
    assert card == OwnerCard(name="Marie Dupont-Leroy", territory="lens_lievin", office="MDS Lens",
                             phone="03 21 21 62 62", email="marie.dupont@exemple.fr")
    assert ctx.actor["name"] == "Marie Dupont-Leroy"

    bid = beneficiaries.create(ctx, {"last_name": "Martin", "first_name": "Léa", "birth_date": "1991-05-17",
                                     "commune": "Arras", "public": "rsa"})
    followup.record_consent(ctx, bid, partner_kind="agence", partner_name="", partner_id=ARRAS, scope=["identite"])
    ref = referrals.create(ctx, bid, ARRAS, "mission").reference
    printed = referrals.form_data(ctx, ref)["conseiller"]
    assert (printed["phone"], printed["email"]) == ("03 21 21 62 62", "marie.dupont@exemple.fr")
