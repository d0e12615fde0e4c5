"""Pure rules: search folding, passphrase policy, reference data."""

from __future__ import annotations

from datetime import date

import pytest

from conseiller_app.domain.errors import PassphraseTooWeak, ValidationError
from conseiller_app.domain.reference import load_reference
from conseiller_app.domain.text import fold, query_tokens, search_tokens
from conseiller_app.domain.validation import check_passphrase, parse_date, passphrase_strength
from conseiller_app.resources import reference_dir


def test_fold_strips_accents_ligatures_and_case():
    assert fold("Lefèvre") == "lefevre"
    assert fold("ŒUVRARD") == "oeuvrard"
    assert fold("Çağlar") == "caglar"


def test_tokens_join_apostrophes_and_hyphens():
    assert search_tokens("N'Diaye", "Jean-Pierre") == ["n", "diaye", "ndiaye", "jean", "pierre", "jeanpierre"]
    assert query_tokens("  n’dia  JEAN-p ") == ["ndia", "jeanp"]


@pytest.mark.parametrize("weak", ["", "court", "motdepasse123", "azertyuiopqsd", "aaaaaaaaaaaaaaaa"])
def test_weak_passphrases_are_refused_with_reasons(weak):
    with pytest.raises(PassphraseTooWeak) as err:
        check_passphrase(weak)
    assert err.value.reasons and all(r.endswith(".") for r in err.value.reasons)


def test_strong_passphrase_is_accepted():
    assert check_passphrase("cheval agrafe batterie correcte 7") >= 3
    assert passphrase_strength("") == 0


def test_dates_accept_french_and_iso_forms():
    assert parse_date("d", "D", "05/03/2001") == date(2001, 3, 5)
    assert parse_date("d", "D", "2001-03-05") == date(2001, 3, 5)
    with pytest.raises(ValidationError):
        parse_date("d", "D", "29/02/2023")


def test_shipped_reference_data_is_complete():
    ref = load_reference(reference_dir())
    assert len(ref.communes) == 887
    assert len(ref.territories) == 8
    assert set(ref.territories) == {c.territory for c in ref.communes.values()}
    assert {t["rome"] for t in ref.trades} >= {"F1302", "F1701", "F1703", "H2913", "F1611"}
    assert {s["funder"] for s in ref.schemes} >= {"departement", "fpett", "akto", "fastt"}
    assert all(a["illustrative"] and "fictive" in a["name"] for a in ref.agencies)
    assert all(a["commune"] in ref.communes for a in ref.agencies)
    assert [c.name for c in ref.find_commune("hénin beaumont")] == ["Hénin-Beaumont"]
