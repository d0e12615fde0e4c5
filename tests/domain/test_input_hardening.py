"""Input that looked valid and was not: digits of other scripts in the CAF number, names made of
invisible letters or of stacked accents, an office with control characters, territories typed
loosely."""

from __future__ import annotations

import pytest

from conseiller_app.domain.errors import ValidationError
from conseiller_app.domain.validation import clean_caf_number, clean_label, clean_name
from conseiller_app.storage.models import Conseiller
from conseiller_app.storage.profile import create_owner


@pytest.mark.parametrize("typed", ["١٢٣٤٥٦٧", "۱۲۳۴۵۶۷", "１２３４５６７", "123 4567"])
def test_caf_numbers_in_other_digits_are_stored_in_ascii(typed):
    assert clean_caf_number(typed) == "1234567"


@pytest.mark.parametrize("name", ["\u3164", "\u3164\u3164\u3164", "A\u3164", "\uffa0", "e" + "\u0301" * 12,
                                  "Zal" + "\u0300\u0301\u0302\u0303\u0304" + "go"])
def test_invisible_or_overloaded_names_are_refused(name):
    with pytest.raises(ValidationError):
        clean_name("last_name", "Nom", name)


@pytest.mark.parametrize("name", ["Nguyễn", "Nguye\u0302\u0303n", "Łukasz", "N'Diaye", "Đorđević"])
def test_real_names_still_pass(name):
    assert clean_name("last_name", "Nom", name)


@pytest.mark.parametrize("office", ["MDS\x1b[2J", "MDS\rFaux", "MDS \u202eSARRA", "<script>alert(1)</script>",
                                    "x" * 121, "MDS\u200b"])
def test_offices_with_control_bidi_or_markup_are_refused(office):
    with pytest.raises(ValidationError):
        clean_label("office", "Lieu d'accueil", office)


@pytest.mark.parametrize("office", ["MDS d'Arras", "Maison du Département Solidarité (Lens) n° 2", ""])
def test_ordinary_offices_pass(office):
    assert clean_label("office", "Lieu d'accueil", office) == office


@pytest.mark.parametrize("typed", ["lens_lievin", "lens-lievin", "LENS LIEVIN", "Lens-Liévin", " lens liévin "])
def test_territories_match_loosely(vault, typed):
    with vault.session() as s:
        owner = create_owner(s, name="Paul Martin", territory=typed)
        assert owner.territory == "lens_lievin"
        s.rollback()


def test_create_owner_refuses_a_hostile_office(vault):
    with vault.session() as s, pytest.raises(ValidationError):
        create_owner(s, name="Paul Martin", territory="arrageois", office="\x1b[31mMDS")
    assert Conseiller
