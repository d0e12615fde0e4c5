"""The search index behind the list: prefix keys read in list order, the ids kept in order through
the aggregate that joins them, the same answers from the index and from the general query, the
index kept by every writer (creation, rename, archive, sync import, demo), and old vaults
upgraded to it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conseiller_app.domain.text import prefix_key, prefix_keys
from conseiller_app.storage import models as m
from conseiller_app.storage.demo import generate
from conseiller_app.storage.services import beneficiaries, search
from conseiller_app.storage.vault import Vault

VALID = {"last_name": "Lefèvre", "first_name": "Jérôme", "birth_date": "1980-05-12", "commune": "Arras",
         "public": "rsa"}


def general(ctx, q: search.Query) -> list[str]:
    """The answer of the general statement (listing scan), without the index shortcut."""
    with ctx.vault.session() as s:
        return list(s.scalars(search._statement(q)))


def test_prefix_keys_of_words_not_of_numbers():
    assert prefix_keys(["ndiaye", "n", "62041", "1234567"]) == ["^n", "^nd", "^ndi"]
    assert prefix_key("ma") == "^ma" and prefix_key("mar") == "^mar"
    assert prefix_key("mart") is None and prefix_key("62") is None


@pytest.fixture
def filled(ctx, vault):
    generate(vault, 400, seed=3)
    return ctx


@pytest.mark.parametrize("typed", ["", "m", "ma", "mar", "mart", "l", "le", "lef", "n'd", "ndia", "a", "d", "s",
                                   "la b", "b la", "arr", "ar ma", "62", "620", "saint", "zz", "é"])
@pytest.mark.parametrize("descending", [False, True])
def test_index_and_general_query_agree_in_order(filled, typed, descending):
    q = search.Query(text=typed, descending=descending)
    assert search.search_ids(filled, q) == general(filled, q)


def test_ids_keep_their_order_through_the_aggregate(filled):
    # Inserted in another order than the list's (ids are time-ordered, names random).
    with filled.vault.session() as s:
        by_insertion = list(s.scalars(select(m.Beneficiary.id).where(m.Beneficiary.status == "actif")
                                      .order_by(m.Beneficiary.created_at, m.Beneficiary.id)))
    listed = search.search_ids(filled, search.Query())
    assert sorted(listed) == sorted(by_insertion) and listed != by_insertion
    with filled.vault.session() as s:
        names = [s.get(m.Beneficiary, i).sort_name for i in listed]
    assert names == sorted(names)


def test_same_order_on_the_standard_library_sqlite(filled, tmp_path):
    """The benchmarks' plain baseline runs the same SQL on Python's own (older) SQLite."""
    from conseiller_app.storage import cipher

    plain = tmp_path / "plain.db"
    with filled.vault.raw() as conn:
        conn.execute(f"ATTACH DATABASE {cipher.quote_literal(str(plain))} AS plain KEY ''")
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    other = sqlite3.connect(plain)
    for typed in ("", "m", "mart", "la b"):
        for hidden in (False, True):
            sql, params = search.ids_sql(search.Query(text=typed), hidden=hidden)
            assert (search.split_ids(other.execute(sql, params).fetchone()[0])
                    == search.search_ids(filled, search.Query(text=typed)))
    other.close()


def test_rows_as_the_list_shows_them(ctx):
    bid = beneficiaries.create(ctx, dict(VALID, caf_number="1234567"))
    [row] = search.search(ctx, "lefevre")
    assert row == search.FileRow(id=bid, last_name="Lefèvre", first_name="Jérôme", age=46, public="rsa",
                                 public_label=row.public_label, commune_name="Arras", territory="arrageois",
                                 stage="reperage", stage_label=row.stage_label, last_contact=ctx.today(),
                                 caf_number="1234567", to_complete=False, status="actif")
    assert row.public_label and row.stage_label


def test_archived_and_deleted_files_leave_the_default_list_only(ctx, vault):
    kept = beneficiaries.create(ctx, dict(VALID, last_name="Martin"))
    archived = beneficiaries.create(ctx, dict(VALID, last_name="Marchand"))
    gone = beneficiaries.create(ctx, dict(VALID, last_name="Marty"))
    beneficiaries.archive(ctx, archived)
    with vault.session() as s:
        s.get(m.Beneficiary, gone).deleted_at = m.utcnow()
    assert search.search_ids(ctx, search.Query(text="mar")) == [kept]
    assert search.search_ids(ctx, search.Query(text="mart")) == [kept]
    both = search.Query(text="mar", filters=search.Filters(include_archived=True))
    assert set(search.search_ids(ctx, both)) == {kept, archived}


def test_renames_move_the_file_in_the_index(ctx):
    a = beneficiaries.create(ctx, dict(VALID, last_name="Bernard"))
    b = beneficiaries.create(ctx, dict(VALID, last_name="Besson"))
    assert search.search_ids(ctx, search.Query(text="b")) == [a, b]
    beneficiaries.update(ctx, a, {"last_name": "Bouvier"})
    assert search.search_ids(ctx, search.Query(text="b")) == [b, a]
    assert search.search_ids(ctx, search.Query(text="ber")) == []
    assert search.search_ids(ctx, search.Query(text="bou")) == [a]


def test_sync_import_reindexes_with_the_sort_key(ctx, vault):
    from conseiller_app.storage.services.beneficiaries import index_tokens

    bid = beneficiaries.create(ctx, dict(VALID, last_name="Delattre"))
    with vault.session() as s:
        row = dict(s.execute(select(m.Beneficiary.__table__).where(m.Beneficiary.id == bid)).mappings().one())
        rows = index_tokens(s, row)
    assert {"token": "^del", "sort_name": "delattre jerome", "beneficiary_id": bid} in rows


def test_old_vault_upgraded_gets_its_index(tmp_path):
    from conseiller_app.storage.services import Context
    from tests.data.make_vault_rev0001 import SAMPLE_PASSPHRASE

    folder = tmp_path / "ancien"
    shutil.copytree(Path(__file__).parent.parent / "data" / "vault-rev0001", folder)
    vault = Vault.open(folder, SAMPLE_PASSPHRASE)
    try:
        ctx = Context(vault)
        for typed in ("n", "nd", "ndi", "ndia", "awa lens", "a"):
            assert search.search_ids(ctx, search.Query(text=typed)) == general(ctx, search.Query(text=typed)) != []
        with vault.session() as s:
            for row in s.execute(select(m.BeneficiaryToken)).scalars():
                assert row.sort_name == s.get(m.Beneficiary, row.beneficiary_id).sort_name
            ids = list(s.scalars(select(m.Beneficiary.id)))
            for bid in ids:
                stored = set(
                    s.scalars(select(m.BeneficiaryToken.token).where(m.BeneficiaryToken.beneficiary_id == bid))
                )
                expected = {r["token"] for r in beneficiaries.index_tokens(s, s.get(m.Beneficiary, bid))}
                assert stored == expected
            assert s.scalar(select(func.count()).select_from(m.BeneficiaryToken)) > 0
    finally:
        vault.close()
