"""Bulk inserts (demo data, large imports): the change journal they write is the one the
Python snapshots gave, to the character, and a bulk load leaves the schema as it found it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from conseiller_app.storage import models as m
from conseiller_app.storage.bulk import _python_snapshots, bulk_load, insert_rows

NOW = datetime(2026, 11, 28, 9, 30)
TRICKY = ['Guillemets " et \\ barre', "Ligne 1\nLigne 2\r\tfin", "contrôle \x01\x1f\x7f", "N'Diaye — Œuvrard 😀",
          "séparateur \u2028 ligne", "", "null"]


def _files(count: int) -> list[dict]:
    rows = []
    for i in range(count):
        rows.append({
            "id": m.new_id(), "last_name": TRICKY[i % len(TRICKY)], "first_name": "Awa", "birth_date": date(1990, 3, 4),
            "public": "rsa", "phone": None, "email": None, "address": "1 rue du Quai", "commune_insee": "62041",
            "caf_number": None, "france_travail_id": None, "nationality": None, "last_contact": date(2026, 6, 1),
            "rqth": i % 3 == 0,
            "prescriber": "mds", "spotting_date": date(2026, 1, 2 + i % 20), "status": "actif",
            "notes": TRICKY[(i + 3) % len(TRICKY)], "to_complete": False, "sort_name": f"awa {i}",
            "current_stage": "reperage", "created_at": NOW if i % 2 else NOW.replace(microsecond=123456),
            "updated_at": NOW, "version": 1 + i % 2,
        })
    return rows


def _journal(vault, entity: str) -> list[tuple]:
    with vault.raw() as c:
        return c.execute("SELECT at, entity, entity_id, op, version, data FROM change_log WHERE entity = ? ORDER BY seq",
                         (entity,)).fetchall()


def test_the_journal_built_by_sqlite_is_the_python_snapshot_to_the_character(vault):
    files = _files(21)
    with vault.session() as s:
        owner = s.query(m.Conseiller).one().id
        for f in files:
            f["referent_id"] = owner
        consents = [{"id": m.new_id(), "beneficiary_id": f["id"], "partner_kind": "agence", "partner_id": None,
                     "partner_name": TRICKY[i % len(TRICKY)], "scope": ["identite", {"détail": TRICKY[i % 3]}],
                     "given_on": date(2026, 5, 1), "recorded_by": owner, "withdrawn_on": None,
                     "created_at": NOW, "updated_at": NOW, "version": 1} for i, f in enumerate(files)]
        insert_rows(s, m.Beneficiary.__table__, files)
        insert_rows(s, m.Consent.__table__, consents)
    for table, rows in ((m.Beneficiary.__table__, files), (m.Consent.__table__, consents)):
        got = _journal(vault, table.name)
        cols = [c for c in table.columns if c.key in rows[0]]
        expected = _python_snapshots(table, cols, rows, got[0][0])
        assert [tuple(r) for r in got] == [tuple(r) for r in expected]
    with vault.session() as s:  # and the ORM reads the stored rows back unchanged
        back = {b.id: b for b in s.query(m.Beneficiary)}
        assert [(back[f["id"]].last_name, back[f["id"]].notes, back[f["id"]].rqth, back[f["id"]].created_at)
                for f in files] == [(f["last_name"], f["notes"], f["rqth"], f["created_at"]) for f in files]


def _schema(vault) -> set[tuple]:
    with vault.raw() as c:
        return set(c.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def test_a_bulk_load_rebuilds_the_indexes_it_dropped_and_a_failed_one_changes_nothing(vault):
    before = _schema(vault)
    tables = ["beneficiary", "change_log"]
    with vault.session() as s:
        owner = s.query(m.Conseiller).one().id
        with bulk_load(s, tables):
            insert_rows(s, m.Beneficiary.__table__, [{**f, "referent_id": owner} for f in _files(5)])
    assert _schema(vault) == before
    with vault.raw() as c:
        plan = " ".join(str(r) for r in c.execute("EXPLAIN QUERY PLAN SELECT id FROM beneficiary WHERE sort_name = 'x'"))
        assert "ix_beneficiary_sort_name" in plan
    assert vault.check().ok

    with pytest.raises(RuntimeError), vault.session() as s, bulk_load(s, tables):
        insert_rows(s, m.Beneficiary.__table__, [{**f, "referent_id": owner} for f in _files(3)])
        raise RuntimeError("interrompu")
    assert _schema(vault) == before
    with vault.session() as s:
        assert s.query(m.Beneficiary).count() == 5
